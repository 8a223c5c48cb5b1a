import type { ExportPlan } from "../mapping/plan-export.js";
import type { TelemetrySink } from "../delivery/sink.js";
import { estimateSpanBytes } from "../mapping/span-size.js";
import type { FileCursor } from "../state/cursor.js";
import type { HeldLock, LockOptions } from "../util/file-lock.js";
import { LockBusyError } from "../util/file-lock.js";
import { withMetricWindow } from "../state/metric-clock.js";
import type { FileStat } from "../state/cursor.js";
import type { SessionState } from "../state/session-state.js";
import { saveSessionState } from "../state/session-state.js";

/**
 * Exactly-once export of several sessions at once: one traces request and one metrics request
 * (in ONE window of the machine-wide metric clock) for the whole batch, then every session's
 * ledger is committed. The invariant, per session and per signal:
 *
 *   a unit key enters the session's ledger only after the sink confirmed the request that
 *   carried it, and only the holder of the session's lock plans, sends or commits its units.
 *
 * The caller holds each entry's session lock from before its state was read and planned until
 * `exportAndCommit` returned (commit included). So no other process (hook flusher, watch, another
 * replay) can plan the same units meanwhile, and a unit is sent by exactly one batch.
 * A failure commits nothing the sink did not confirm: if the traces request fails, no ledger
 * changes at all; if traces went through and metrics failed, only span units are recorded (the
 * retry sends the metrics alone, as the single-session export always did); cursors move only
 * when everything went through.
 */
export interface BatchEntry {
  readonly sessionId: string;
  /** Loaded under `lock`; mutated and saved by `exportAndCommit`. */
  readonly state: SessionState;
  readonly plan: ExportPlan;
  /** Transcript cursors read before the transcripts were loaded; saved when everything was delivered. */
  readonly cursors: Readonly<Record<string, FileCursor>> | undefined;
  /** The state file was corrupt and set aside: save even if nothing else changes. */
  readonly rebuilt: string | undefined;
  readonly lock: HeldLock;
  /** Set by `exportAndCommit` once the state is saved: the file's stat as written (for the replay index). */
  savedAs?: FileStat;
}

export interface EntryResult {
  readonly spans: number;
  readonly points: number;
  readonly ok: boolean;
  readonly error: string | undefined;
}

export interface BatchLimits {
  /** Spans per batch: one OTLP traces request each (the sink splits bigger ones). */
  readonly maxSpans: number;
  /** Estimated encoded span bytes per batch: collectors refuse bodies over 4 MiB by default. */
  readonly maxSpanBytes: number;
  /** Sessions (locks held, states kept) per batch. */
  readonly maxSessions: number;
}

export interface BatchOptions {
  /** For the metric clock's lock. */
  readonly lock?: LockOptions | undefined;
  /**
   * Note each saved state in the state-changes journal (default true). False only for a replay,
   * which indexes its own saves (state/state-changes.ts).
   */
  readonly journal?: boolean;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxSpans: 2_000, maxSpanBytes: 3 * 1024 * 1024, maxSessions: 250 };

/** Records delivered units (idempotent: keys are a set). */
export function commitUnits(state: SessionState, keys: { spanKeys?: readonly string[]; metricKeys?: readonly string[] }): void {
  if (keys.spanKeys?.length) state.spanUnits = [...new Set([...state.spanUnits, ...keys.spanKeys])];
  if (keys.metricKeys?.length) state.metricUnits = [...new Set([...state.metricUnits, ...keys.metricKeys])];
}

/** A growing batch: sessions are added while they fit; `exportAndCommit` exports, commits and releases every lock. */
export class ExportBatch {
  private entries: BatchEntry[] = [];
  private spans = 0;
  private spanBytes = 0;

  constructor(
    private readonly sink: TelemetrySink,
    private readonly stateDir: string,
    private readonly limits: BatchLimits = DEFAULT_BATCH_LIMITS,
    private readonly options: BatchOptions = {},
  ) {}

  get size(): number {
    return this.entries.length;
  }

  /** Whether a plan can join without going over a bound (an empty batch takes anything). */
  fits(plan: ExportPlan): boolean {
    if (this.entries.length === 0) return true;
    if (this.entries.length >= this.limits.maxSessions) return false;
    if (this.spans + plan.spans.length > this.limits.maxSpans) return false;
    return this.spanBytes + planSpanBytes(plan) <= this.limits.maxSpanBytes;
  }

  add(entry: BatchEntry): void {
    this.entries.push(entry);
    this.spans += entry.plan.spans.length;
    this.spanBytes += planSpanBytes(entry.plan);
  }

  /** Exports to the sink, commits and releases; the batch is empty afterwards (even if the export failed). */
  async exportAndCommit(): Promise<Map<BatchEntry, EntryResult>> {
    const entries = this.entries;
    this.entries = [];
    this.spans = 0;
    this.spanBytes = 0;
    try {
      return await exportAndCommit(entries, this.sink, this.stateDir, this.options);
    } finally {
      for (const e of entries) e.lock.release();
    }
  }

  /** Releases every lock without exporting (an error elsewhere): nothing of the batch is committed. */
  abandon(): void {
    for (const e of this.entries) e.lock.release();
    this.entries = [];
    this.spans = 0;
    this.spanBytes = 0;
  }
}

const planBytes = new WeakMap<ExportPlan, number>();

function planSpanBytes(plan: ExportPlan): number {
  let n = planBytes.get(plan);
  if (n === undefined) {
    n = 0;
    for (const s of plan.spans) n += estimateSpanBytes(s);
    planBytes.set(plan, n);
  }
  return n;
}

/**
 * The batch step (see the invariant above). Locks are the caller's: held on entry, still held
 * on return. Never throws for a delivery failure (results say so). With a staging sink (a
 * destination's outbox), what the sink took is made final only after every ledger is saved; a
 * state write that fails (a full disk) throws and leaves it pending, so the next pass records it
 * before anything else (pipeline/fold-outbox.ts): never sent unrecorded, never planned twice.
 */
export async function exportAndCommit(entries: readonly BatchEntry[], sink: TelemetrySink, stateDir: string, options: BatchOptions = {}): Promise<Map<BatchEntry, EntryResult>> {
  const spans = entries.flatMap((e) => e.plan.spans);
  const points = entries.flatMap((e) => e.plan.points);
  let error: string | undefined;
  let spansSent = false;
  let pointsSent = false;
  if (spans.length > 0) {
    const r = await sink.exportSpans(spans);
    if (r.ok) spansSent = true;
    else error = r.error;
  }
  if (error === undefined && points.length > 0) {
    try {
      const units: Record<string, { metrics: readonly string[] }> = {};
      for (const e of entries) if (e.plan.metricKeys.length > 0) units[e.sessionId] = { metrics: e.plan.metricKeys };
      const r = await withMetricWindow(stateDir, (window) => sink.exportMetrics(points, window, units), options.lock);
      if (r.ok) pointsSent = true;
      else error = r.error;
    } catch (e) {
      // The clock's lock stayed busy (other writers' metrics queued ahead of ours): a failed
      // delivery of the metrics alone; the spans went out and are committed below.
      if (!(e instanceof LockBusyError)) throw e;
      error = `the metric clock is busy: ${e.message}`;
    }
  }
  // Nothing taken: nothing to record, and nothing the sink staged may stay (a half-written batch).
  if (!spansSent && !pointsSent) sink.discard?.();
  const results = new Map<BatchEntry, EntryResult>();
  const toSave: BatchEntry[] = [];
  for (const e of entries) {
    const spanCount = spansSent ? e.plan.spans.length : 0;
    const pointCount = pointsSent ? e.plan.points.length : 0;
    if (spansSent) commitUnits(e.state, { spanKeys: e.plan.spanKeys });
    if (pointsSent) commitUnits(e.state, { metricKeys: e.plan.metricKeys });
    if (error === undefined && e.cursors !== undefined) e.state.files = { ...e.cursors };
    if (error === undefined) e.state.lastActivityMs = e.plan.lastActivityMs;
    if (spanCount > 0 || pointCount > 0 || error === undefined || e.rebuilt !== undefined) toSave.push(e);
    results.set(e, { spans: spanCount, points: pointCount, ok: error === undefined, error });
  }
  // On the thread pool, one at a time: the caller's thread reads the next sessions meanwhile, and
  // creating files side by side in one directory makes ext4 spin on the directory's lock.
  let failed: unknown;
  for (const entry of toSave) {
    try {
      entry.savedAs = await saveSessionState(stateDir, entry.state, { journal: options.journal !== false });
    } catch (e) {
      // Every save is attempted (each is its own file); the first failure is thrown at the end.
      failed ??= e;
    }
  }
  if (failed !== undefined) throw failed;
  sink.commit?.();
  return results;
}
