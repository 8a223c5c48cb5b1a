import type { Session } from "../model/types.js";
import type { PlanOptions } from "../mapping/plan-export.js";
import { NOTHING_EXPORTED, planExport } from "../mapping/plan-export.js";
import type { TelemetrySink } from "../delivery/sink.js";
import type { FileCursor } from "../state/cursor.js";
import { readCursorSync } from "../state/cursor.js";
import type { LockOptions } from "../util/file-lock.js";
import type { SessionState } from "../state/session-state.js";
import { acquireSessionLock, loadSessionStateSync, peekSessionStateSync, emptySessionState } from "../state/session-state.js";
import type { BatchEntry } from "./export-batch.js";
import { exportAndCommit } from "./export-batch.js";

export { commitUnits } from "./export-batch.js";

export interface ExportSessionOptions {
  readonly stateDir: string;
  readonly plan: PlanOptions;
  /** Ignore the ledger: re-send every complete unit (span ids are deterministic; metrics are re-counted). */
  readonly full?: boolean;
  /** Count only: no export, no state change. */
  readonly dryRun?: boolean;
  /**
   * Cursors of the session's transcript files, read BEFORE the files were loaded (a line
   * appended meanwhile must make the next run see a change); saved once everything was delivered.
   */
  readonly cursors?: Readonly<Record<string, FileCursor>>;
  readonly lock?: LockOptions;
}

export interface ExportSessionResult {
  readonly spans: number;
  readonly points: number;
  readonly ok: boolean;
  readonly error: string | undefined;
  /** The state file was corrupt and was rebuilt (reason). */
  readonly rebuilt: string | undefined;
}

export function exportedOf(state: SessionState): { spanUnits: Set<string>; metricUnits: Set<string> } {
  return { spanUnits: new Set(state.spanUnits), metricUnits: new Set(state.metricUnits) };
}

/** Cursors of files, to be taken before they are read. */
export function cursorsOfSync(files: readonly string[]): Record<string, FileCursor> {
  const out: Record<string, FileCursor> = {};
  for (const f of files) {
    const c = readCursorSync(f);
    if (c !== undefined) out[f] = c;
  }
  return out;
}

/** What --dry-run would send: the plan against the ledger as it is, nothing locked or written. */
export function dryRunCounts(session: Session, options: Pick<ExportSessionOptions, "stateDir" | "plan" | "full">): { spans: number; points: number } {
  const state = peekSessionStateSync(options.stateDir, session.sessionId) ?? emptySessionState(session.sessionId);
  const plan = planExport(session, options.full === true ? NOTHING_EXPORTED : exportedOf(state), options.plan);
  return { spans: plan.spans.length, points: plan.points.length };
}

/**
 * Exactly-once export of one session: under the session's lock, plan the units not yet in its
 * ledger, send spans, then metrics in the next window of the machine-wide metric clock, and
 * advance ledger (and cursors) only for what the sink confirmed. A batch of one (export-batch.ts),
 * for hooks and watch; replay batches many sessions through the same step.
 */
export async function exportSession(session: Session, sink: TelemetrySink, options: ExportSessionOptions): Promise<ExportSessionResult> {
  if (options.dryRun === true) return { ...dryRunCounts(session, options), ok: true, error: undefined, rebuilt: undefined };
  const lock = await acquireSessionLock(options.stateDir, session.sessionId, options.lock);
  try {
    const { state, rebuilt } = loadSessionStateSync(options.stateDir, session.sessionId);
    const plan = planExport(session, options.full === true ? NOTHING_EXPORTED : exportedOf(state), options.plan);
    const entry: BatchEntry = { sessionId: session.sessionId, state, plan, cursors: options.cursors, rebuilt, lock };
    const result = (await exportAndCommit([entry], sink, options.stateDir, { lock: options.lock })).get(entry);
    if (result === undefined) throw new Error("internal: batch result missing");
    return { ...result, rebuilt };
  } finally {
    lock.release();
  }
}

/**
 * `--console`: every complete unit printed, nothing recorded (the console is no destination:
 * it neither counts as having received anything nor keeps a later export from sending it).
 */
export async function printSession(session: Session, sink: TelemetrySink, plan: PlanOptions, now = Date.now()): Promise<ExportSessionResult> {
  const planned = planExport(session, NOTHING_EXPORTED, plan);
  const spans = await sink.exportSpans(planned.spans);
  const points = spans.ok ? await sink.exportMetrics(planned.points, { startMs: now - 1, timeMs: now }) : spans;
  const ok = spans.ok && points.ok;
  return { spans: planned.spans.length, points: planned.points.length, ok, error: ok ? undefined : "the console sink failed", rebuilt: undefined };
}
