import { UNIT_OF_WORK } from "../mapping/units-of-work.js";
import { readSessionSync } from "../model/read-session.js";
import { applyToolDurations, loadToolDurationsSync } from "../state/tool-durations.js";
import { applyPromptSources, loadPromptSourcesSync } from "../state/prompt-origins.js";
import type { Session } from "../model/types.js";
import { NOTHING_EXPORTED, planExport } from "../mapping/plan-export.js";
import type { FileCursor } from "../state/cursor.js";
import type { HeldLock } from "../util/file-lock.js";
import { indexEntryOf } from "../state/replay-index.js";
import { acquireSessionLock, loadSessionStateSync, tryAcquireSessionLock } from "../state/session-state.js";
import type { SessionSource } from "../transcript/discover.js";
import type { BatchedOutcome, CatchUpContext, CatchUpOutcome, NotExported } from "./catch-up-types.js";
import { fileCount, filesOf } from "../transcript/discover.js";
import type { BatchEntry, BatchLimits, EntryResult } from "./export-batch.js";
import { DEFAULT_BATCH_LIMITS, ExportBatch } from "./export-batch.js";
import { cursorsOfSync, dryRunCounts, exportSession, exportedOf, printSession } from "./export-session.js";
import { matchesSession } from "./session-filter.js";
import { upToDate } from "./up-to-date.js";
import { sessionEndedAt, sessionIsOver } from "../state/session-end.js";

export type { BatchedOutcome, CatchUpContext, CatchUpOutcome, NotExported } from "./catch-up-types.js";

interface Ready {
  readonly kind: "ready";
  readonly session: Session;
  readonly cursors: Record<string, FileCursor>;
  readonly finished: boolean;
  readonly files: number;
  readonly bytes: number;
  readonly warnings: string[];
}

/** Cursors (before reading), transcripts, model, filter. */
async function prepareSession(source: SessionSource, ctx: CatchUpContext): Promise<NotExported | Ready> {
  const warnings: string[] = [];
  const files = filesOf(source);
  const cursors = cursorsOfSync(files);
  const read = readSessionSync(source, ctx.pricer);
  for (const u of read.unreadable) warnings.push(`cannot read ${u.path}: ${u.reason}`);
  const bytes = read.stats.bytes;
  const built = read.session;
  if (built === undefined) return { kind: "empty", sessionId: source.sessionId, files: files.length, bytes, warnings, readAll: read.unreadable.length === 0 };
  // Tool durations the hooks measured (PostToolUse duration_ms): replay then rebuilds the very
  // spans the hooks sent, same ids and same values.
  // And who sent the prompts, where the hooks were told and the transcript does not say.
  const measured = loadToolDurationsSync(ctx.factsDir, source.sessionId);
  const sources = loadPromptSourcesSync(ctx.factsDir, source.sessionId);
  const timed = Object.keys(measured).length > 0 ? applyToolDurations(built, measured) : built;
  const session = Object.keys(sources).length > 0 ? applyPromptSources(timed, sources) : timed;
  if (!matchesSession(session, ctx.filter)) return { kind: "filtered", sessionId: source.sessionId, files: files.length, bytes, warnings };
  const finished = sessionIsOver(session.endTime, sessionEndedAt(ctx.factsDir, session.sessionId), ctx.idleMs, ctx.now?.() ?? Date.now());
  for (const w of session.warnings) warnings.push(`${session.sessionId}: ${w}`);
  return { kind: "ready", session, cursors, finished, files: files.length, bytes, warnings };
}

/**
 * Brings one session's exported telemetry up to date with its transcripts, exactly once:
 * the step `watch` repeats as files change (replay batches many: `catchUpSessions`).
 */
export async function catchUpSession(source: SessionSource, ctx: CatchUpContext): Promise<CatchUpOutcome> {
  if (ctx.full !== true && upToDate(source, ctx)) return { kind: "unchanged", files: fileCount(source), warnings: [] };
  const prepared = await prepareSession(source, ctx);
  if (prepared.kind !== "ready") return prepared;
  const { session, cursors, finished, files, bytes, warnings } = prepared;
  if (ctx.record === false) return { kind: "exported", session, result: await printSession(session, ctx.sink, { ...ctx.plan, final: finished }), finished, files, bytes, warnings };
  const result = await exportSession(session, ctx.sink, {
    stateDir: ctx.stateDir,
    full: ctx.full === true,
    dryRun: ctx.dryRun === true,
    cursors,
    plan: { ...ctx.plan, final: finished },
    ...(ctx.lock !== undefined ? { lock: ctx.lock } : {}),
  });
  if (result.rebuilt !== undefined) warnings.push(`${session.sessionId}: state file was unusable (${result.rebuilt}); rebuilt`);
  return { kind: "exported", session, result, finished, files, bytes, warnings };
}

/**
 * `catchUpSession` over many sessions, batched (export-batch.ts), as they come (a worker's are
 * handed to it chunk by chunk: catch-up-worker.ts): each session is read and modelled alone,
 * then locked, planned against its ledger and added to the batch; a full batch is written as one
 * traces and one metrics request, its ledgers committed and its locks released. Memory: one
 * session model at a time plus two batches of planned spans (one in flight). Every session given
 * is read: setting aside those with nothing new is the caller's (replay's pre-pass through the
 * replay index); the ledger alone keeps a re-read session from sending anything twice. The saves
 * are not journaled: the caller indexes them from the outcomes.
 *
 * Locks: a session's lock is held from before its ledger is read until its batch is committed;
 * while holding locks we never WAIT for another session's (a busy one sends the batch and
 * releases ours first), and the metric clock's lock is taken last: no lock cycle.
 * Stops at the first failed batch (nothing of it committed beyond what the sink took; the batch
 * planned meanwhile dropped; no later session read) and returns its error.
 */
export async function catchUpSessions(
  sources: Iterable<SessionSource> | AsyncIterable<SessionSource>,
  ctx: CatchUpContext & { readonly limits?: BatchLimits },
  onOutcome: (outcome: BatchedOutcome) => void,
): Promise<{ failure: string | undefined }> {
  const batches = new Batches(ctx, onOutcome);
  try {
    for await (const source of sources) {
      if (ctx.signal?.aborted === true) return { failure: await batches.settle() };
      const prepared = await prepareSession(source, ctx);
      if (prepared.kind !== "ready") {
        onOutcome(prepared);
        continue;
      }
      const failure = await batches.add(prepared);
      if (failure !== undefined) return { failure };
    }
    return { failure: (await batches.launch()) ?? (await batches.settle()) };
  } finally {
    await batches.abandon();
  }
}

interface EntryMeta {
  readonly project: string;
  readonly finished: boolean;
  readonly files: number;
  readonly bytes: number;
  readonly warnings: string[];
}

/** catchUpSessions' batches: the one being filled, and the one in flight. */
class Batches {
  private readonly batch: ExportBatch;
  private readonly meta = new Map<BatchEntry, EntryMeta>();
  /**
   * One batch in flight while the next is read and planned: its request and its state commits
   * wait on the network and the file system, not on this thread.
   */
  private inFlight: Promise<{ failure: string | undefined } | { error: unknown }> | undefined;

  constructor(
    private readonly ctx: CatchUpContext & { readonly limits?: BatchLimits },
    private readonly onOutcome: (outcome: BatchedOutcome) => void,
  ) {
    // Not journaled: the replay, the one caller, indexes every state saved from the outcomes.
    this.batch = new ExportBatch(ctx.sink, ctx.stateDir, ctx.limits ?? DEFAULT_BATCH_LIMITS, { lock: ctx.lock, journal: false });
  }

  /** Plans a session into the batch (sending the full one first); the failure of a batch sent meanwhile. */
  async add(prepared: Ready): Promise<string | undefined> {
    const { ctx } = this;
    const { session, cursors, finished, files, bytes, warnings } = prepared;
    const plan = { ...ctx.plan, final: finished };
    if (ctx.record === false) {
      const result = await printSession(session, ctx.sink, plan);
      this.onOutcome({ kind: "exported", sessionId: session.sessionId, project: session.project, result, finished, files, bytes, warnings });
      return undefined;
    }
    if (ctx.dryRun === true) {
      const counts = dryRunCounts(session, { stateDir: ctx.stateDir, plan, full: ctx.full === true });
      this.onOutcome({
        kind: "exported",
        sessionId: session.sessionId,
        project: session.project,
        result: { ...counts, ok: true, error: undefined, rebuilt: undefined },
        finished,
        files,
        bytes,
        warnings,
      });
      return undefined;
    }
    let lock: HeldLock | undefined = tryAcquireSessionLock(ctx.stateDir, session.sessionId, ctx.lock);
    if (lock === undefined) {
      // Busy (a hook or watch is exporting it): never wait while holding the batch's locks.
      const failure = (await this.launch()) ?? (await this.settle());
      if (failure !== undefined) return failure;
      lock = await acquireSessionLock(ctx.stateDir, session.sessionId, ctx.lock);
    }
    let entry: BatchEntry;
    try {
      const { state, rebuilt } = loadSessionStateSync(ctx.stateDir, session.sessionId);
      entry = { sessionId: session.sessionId, state, plan: planExport(session, ctx.full === true ? NOTHING_EXPORTED : exportedOf(state), plan), cursors, rebuilt, lock };
      if (!this.batch.fits(entry.plan)) {
        const failure = await this.launch();
        if (failure !== undefined) {
          lock.release();
          return failure;
        }
      }
    } catch (error) {
      lock.release();
      throw error;
    }
    this.batch.add(entry);
    this.meta.set(entry, { project: session.project, finished, files, bytes, warnings });
    return undefined;
  }

  /** Waits for the batch in flight: its failure, or undefined (throws what its commit threw). */
  async settle(): Promise<string | undefined> {
    const sent = this.inFlight;
    this.inFlight = undefined;
    if (sent === undefined) return undefined;
    const r = await sent;
    if ("error" in r) throw r.error;
    return r.failure;
  }

  /** Sends the batch in the background once the one in flight is done; returns that one's failure. */
  async launch(): Promise<string | undefined> {
    const failure = await this.settle();
    if (failure !== undefined || this.batch.size === 0) return failure;
    this.inFlight = this.batch.exportAndCommit().then(
      (results) => {
        try {
          return { failure: this.report(results) };
        } catch (error) {
          return { error };
        }
      },
      (error: unknown) => ({ error }),
    );
    return undefined;
  }

  /** Drops the batch being filled, uncommitted; a batch in flight releases its locks when done, not before. */
  async abandon(): Promise<void> {
    this.batch.abandon();
    await this.inFlight;
  }

  private report(results: Map<BatchEntry, EntryResult>): string | undefined {
    let failure: string | undefined;
    for (const [entry, r] of results) {
      const m = this.meta.get(entry);
      this.meta.delete(entry);
      if (m === undefined) continue;
      if (entry.rebuilt !== undefined) m.warnings.push(`${entry.sessionId}: state file was unusable (${entry.rebuilt}); rebuilt`);
      this.onOutcome({
        kind: "exported",
        sessionId: entry.sessionId,
        project: m.project,
        result: { ...r, rebuilt: entry.rebuilt },
        finished: m.finished,
        files: m.files,
        bytes: m.bytes,
        warnings: m.warnings,
        ...(entry.savedAs !== undefined ? { index: indexEntryOf(entry.savedAs, entry.state, UNIT_OF_WORK.session) } : {}),
      });
      if (!r.ok) failure ??= r.error;
    }
    return failure;
  }
}
