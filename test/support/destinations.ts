import { join } from "node:path";
import type { ExportOverrides } from "../../src/config/export-target.js";
import type { Destination } from "../../src/delivery/destination.js";
import { destinationDir, resolveDestination } from "../../src/delivery/destination.js";

/** The state folder of a destination (its ledgers in `sessions/`, its outbox, clock and index). */
export function ledgerDirFor(stateDir: string, overrides: ExportOverrides, env: NodeJS.ProcessEnv = {}, config: Record<string, unknown> = {}): string {
  const d = resolveDestination(overrides, env, config);
  if (d.kind === "console") throw new Error("the console has no state");
  return destinationDir(stateDir, d as Destination);
}

/** A destination's ledger file for a session. */
export function ledgerPath(ledgerDir: string, sessionId: string): string {
  return join(ledgerDir, "sessions", `${sessionId}.json`);
}

/**
 * Transcript lines with every `timestamp` shifted so that the last one is `endMs` (now by
 * default): a recorded session made to look like one in progress (finished-ness is decided by a
 * session's own timestamps, not by file times).
 */
export function freshen(lines: readonly string[], endMs = Date.now()): string[] {
  const times = lines.flatMap((l) => [...l.matchAll(/"timestamp":"([^"]+)"/g)].map((m) => Date.parse(m[1] as string))).filter((t) => Number.isFinite(t));
  const shift = endMs - Math.max(...times);
  return lines.map((l) =>
    l.replace(/"timestamp":"([^"]+)"/g, (all, t: string) => (Number.isFinite(Date.parse(t)) ? `"timestamp":"${new Date(Date.parse(t) + shift).toISOString()}"` : all)),
  );
}

/** Transcript lines restamped 1 ms apart, the last at `endMs`: a session in progress, compressed in time. */
export function restamp(lines: readonly string[], endMs = Date.now()): string[] {
  const stamped = lines.filter((l) => /"timestamp":"[^"]+"/.test(l)).length;
  let i = 0;
  return lines.map((l) => {
    if (!/"timestamp":"[^"]+"/.test(l)) return l;
    const t = new Date(endMs - (stamped - 1 - i++)).toISOString();
    return l.replace(/"timestamp":"[^"]+"/g, `"timestamp":"${t}"`);
  });
}
