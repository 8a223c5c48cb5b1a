/**
 * Keeps a destination's ledgers and its outbox in agreement: the units of a pending entry (written,
 * its units not yet recorded: a crash or a full disk between the two) are recorded before the
 * entry may be sent and before anything new is planned; the units of entries dropped unsent (the
 * outbox over its bounds during a long outage) are taken out of the ledgers, so that a later pass
 * plans them again, in new metric windows, and they are counted once.
 */
import type { EntryHeader } from "../delivery/outbox.js";
import { listOutbox, markReady, outboxDir, readEntryHeader } from "../delivery/outbox.js";
import { loadSessionStateSync, saveSessionState, withSessionLock } from "../state/session-state.js";
import { commitUnits } from "./export-batch.js";

/** Records every pending entry's units and makes it sendable; throws when a ledger cannot be saved (nothing is sent then). */
export async function foldPendingEntries(ledgerDir: string): Promise<number> {
  let folded = 0;
  for (const entry of listOutbox(outboxDir(ledgerDir))) {
    if (entry.ready) continue;
    const header = readEntryHeader(entry);
    for (const [sessionId, units] of Object.entries(header.units)) {
      await withSessionLock(ledgerDir, sessionId, async () => {
        const { state } = loadSessionStateSync(ledgerDir, sessionId);
        const before = state.spanUnits.length + state.metricUnits.length;
        commitUnits(state, { spanKeys: units.spans ?? [], metricKeys: units.metrics ?? [] });
        if (state.spanUnits.length + state.metricUnits.length !== before) await saveSessionState(ledgerDir, state);
      });
    }
    markReady(entry);
    folded++;
  }
  return folded;
}

/**
 * Takes the units of entries dropped unsent out of their sessions' ledgers, and the sessions'
 * cursors with them (the transcripts must be read again). Halves of a split request are not: which
 * units each held is not known, and some may have been delivered. Returns the units that stay
 * recorded though never delivered (lost), for the log.
 */
export async function unrecordDropped(ledgerDir: string, headers: readonly (EntryHeader | undefined)[]): Promise<number> {
  let lost = 0;
  const bySession = new Map<string, { spans: Set<string>; metrics: Set<string> }>();
  for (const h of headers) {
    if (h === undefined || h.split === true) {
      lost += h?.items ?? 1;
      continue;
    }
    for (const [sessionId, units] of Object.entries(h.units)) {
      const acc = bySession.get(sessionId) ?? { spans: new Set<string>(), metrics: new Set<string>() };
      for (const u of units.spans ?? []) acc.spans.add(u);
      for (const u of units.metrics ?? []) acc.metrics.add(u);
      bySession.set(sessionId, acc);
    }
  }
  for (const [sessionId, drop] of bySession) {
    try {
      await withSessionLock(ledgerDir, sessionId, async () => {
        const { state } = loadSessionStateSync(ledgerDir, sessionId);
        state.spanUnits = state.spanUnits.filter((u) => !drop.spans.has(u));
        state.metricUnits = state.metricUnits.filter((u) => !drop.metrics.has(u));
        state.files = {};
        await saveSessionState(ledgerDir, state);
      });
    } catch {
      lost += drop.spans.size + drop.metrics.size;
    }
  }
  return lost;
}
