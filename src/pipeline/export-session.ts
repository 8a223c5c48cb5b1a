import type { Session } from "../model/types.js";
import type { ExportPlan, PlanOptions } from "../otel/plan-export.js";
import { NOTHING_EXPORTED, planExport } from "../otel/plan-export.js";
import type { TelemetrySink } from "../otel/sink.js";
import type { FileCursor } from "../state/cursor.js";
import { readCursor } from "../state/cursor.js";
import type { LockOptions } from "../state/lock.js";
import { withMetricWindow } from "../state/metric-clock.js";
import type { SessionState } from "../state/session-state.js";
import { loadSessionState, saveSessionState, withSessionLock } from "../state/session-state.js";

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

/** Records delivered units (idempotent: keys are a set). */
export function commitUnits(state: SessionState, keys: { spanKeys?: readonly string[]; metricKeys?: readonly string[] }): void {
  if (keys.spanKeys?.length) state.spanUnits = [...new Set([...state.spanUnits, ...keys.spanKeys])];
  if (keys.metricKeys?.length) state.metricUnits = [...new Set([...state.metricUnits, ...keys.metricKeys])];
}

/** Cursors of files, to be taken before they are read. */
export async function cursorsOf(files: readonly string[]): Promise<Record<string, FileCursor>> {
  const out: Record<string, FileCursor> = {};
  for (const f of files) {
    const c = await readCursor(f);
    if (c !== undefined) out[f] = c;
  }
  return out;
}

/**
 * Exactly-once export of one session: under the session's lock, plan the units not yet in its
 * ledger, send spans, then metrics in the next window of the machine-wide metric clock, and
 * advance ledger (and cursors) only for what the sink confirmed.
 */
export async function exportSession(session: Session, sink: TelemetrySink, options: ExportSessionOptions): Promise<ExportSessionResult> {
  if (options.dryRun === true) {
    const { state } = await loadSessionState(options.stateDir, session.sessionId);
    const plan = planExport(session, options.full === true ? NOTHING_EXPORTED : exportedOf(state), options.plan);
    return { spans: plan.spans.length, points: plan.points.length, ok: true, error: undefined, rebuilt: undefined };
  }
  return withSessionLock(
    options.stateDir,
    session.sessionId,
    async () => {
      const { state, rebuilt } = await loadSessionState(options.stateDir, session.sessionId);
      const plan: ExportPlan = planExport(session, options.full === true ? NOTHING_EXPORTED : exportedOf(state), options.plan);
      let error: string | undefined;
      let spans = 0;
      let points = 0;
      if (plan.spans.length > 0) {
        const r = await sink.exportSpans(plan.spans);
        if (r.ok) {
          commitUnits(state, { spanKeys: plan.spanKeys });
          spans = plan.spans.length;
        } else error = r.error;
      }
      if (error === undefined && plan.points.length > 0) {
        const r = await withMetricWindow(options.stateDir, (window) => sink.exportMetrics(plan.points, window), options.lock);
        if (r.ok) {
          commitUnits(state, { metricKeys: plan.metricKeys });
          points = plan.points.length;
        } else error = r.error;
      }
      if (error === undefined && options.cursors !== undefined) state.files = { ...options.cursors };
      if (spans > 0 || points > 0 || error === undefined || rebuilt !== undefined) await saveSessionState(options.stateDir, state);
      return { spans, points, ok: error === undefined, error, rebuilt };
    },
    options.lock,
  );
}
