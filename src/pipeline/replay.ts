/**
 * `replay` as a library function: Claude Code sessions from their transcripts to one destination,
 * incremental and exactly once per destination. The command (cli/replay-command.ts) parses
 * options and prints; everything else is here.
 *
 *   open the destination's pass (its lock; what a crash left pending is recorded) → send what
 *   its outbox still holds (if that fails, stop: nothing new is planned) → discover → skip the
 *   sessions with nothing new (replay index) → read, plan and write the rest (worker threads for
 *   a large history) while the outbox is sent → drain → release.
 *
 * The console and --dry-run take no pass and record nothing.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { loadPriceLibrary } from "../cost/price-request.js";
import { createConsoleSink } from "../delivery/console-sink.js";
import type { Destination } from "../delivery/destination.js";
import { destinationDir } from "../delivery/destination.js";
import type { DeliveryFailure } from "../delivery/send-outbox.js";
import type { TelemetrySink } from "../delivery/sink.js";
import { encodingsOf } from "../delivery/transports.js";
import { sessionsDir } from "../config/state-dir.js";
import { LockBusyError } from "../util/file-lock.js";
import type { SessionSource } from "../transcript/discover.js";
import { discoverSessionsSync, fileCount } from "../transcript/discover.js";
import type { BatchedOutcome, CatchUpContext } from "./catch-up.js";
import type { CatchUpWorkerPool } from "./catch-up-in-workers.js";
import type { WorkerSettings } from "./catch-up-protocol.js";
import type { DestinationPass } from "./destination-pass.js";
import { openDestinationPass } from "./destination-pass.js";
import type { ReplayOptions, ReplayResult, ResolvedReplayOptions } from "./replay-options.js";
export type { ReplayOptions, ReplayResult } from "./replay-options.js";
import { resolveReplayOptions } from "./replay-options.js";
import { ReplaySkipCheck } from "./replay-skip-check.js";
import { matchesSource } from "./session-filter.js";
import type { SendLoop, SendTotals } from "./send-loop.js";
import { startSendLoop } from "./send-loop.js";

/** Below this much transcript, a worker's start (~0.2 s of module loading) costs more than it saves. */
export const WORKERS_FROM_BYTES = 64 * 1024 * 1024;
const MAX_AUTO_JOBS = 4;

function autoJobs(): number {
  return Math.min(availableParallelism(), MAX_AUTO_JOBS);
}

const NO_DELIVERY: SendTotals = { sent: 0, split: 0, rejected: 0, remaining: 0, failure: undefined };

interface Run {
  readonly options: ResolvedReplayOptions;
  readonly ctx: Omit<CatchUpContext, "pricer" | "sink">;
  readonly sink: TelemetrySink;
  readonly pass: DestinationPass | undefined;
  readonly loop: SendLoop | undefined;
  readonly workerSettings: WorkerSettings | undefined;
  readonly counters: { matched: number; unchanged: number; exported: number; spans: number; points: number; bytes: number; leftOpen: number; warnings: string[] };
  stopWriting: () => void;
}

/** Settles each outcome into the counters and forwards it. */
function outcomeHandler(run: Run, skip: ReplaySkipCheck): (o: BatchedOutcome) => void {
  const c = run.counters;
  return (o) => {
    c.warnings.push(...o.warnings);
    if (o.kind === "unchanged") {
      c.unchanged++;
      c.matched++;
    } else {
      // A file that could not be read this time (EACCES, EMFILE) is read again next time.
      if (o.kind === "empty" && o.readAll) skip.noteEmpty(o.sessionId);
      c.bytes += o.bytes;
      if (o.kind === "exported") {
        if (o.index !== undefined) skip.noteSaved(o.sessionId, o.index);
        c.matched++;
        c.exported++;
        c.spans += o.result.spans;
        c.points += o.result.points;
        if (!o.finished) c.leftOpen++;
        run.loop?.kick();
      }
    }
    run.options.onOutcome?.(o);
  };
}

/** Reads, plans and writes the sessions given, on worker threads when there is enough to read. */
async function writeSessions(
  run: Run,
  pending: readonly SessionSource[],
  onOutcome: (o: BatchedOutcome) => void,
  early: CatchUpWorkerPool | undefined,
): Promise<string | undefined> {
  const { options } = run;
  const jobs = jobsFor(pending, options.jobs, run.workerSettings !== undefined);
  let pool = early;
  if (pool !== undefined && jobs === 1) {
    // Started early, not needed after all (a selection, little new): ended unused.
    await pool.dismiss();
    pool = undefined;
  }
  if (pending.length === 0) return undefined;
  if (jobs > 1 && run.workerSettings !== undefined) {
    const { startCatchUpWorkers } = await import("./catch-up-in-workers.js");
    const workers = pool ?? startCatchUpWorkers(Math.min(jobs, pending.length), run.workerSettings, options.env);
    run.stopWriting = () => workers.stop();
    return (await workers.run(pending, onOutcome)).failure;
  }
  await pool?.dismiss();
  const { catchUpSessions } = await import("./catch-up.js");
  await loadPriceLibrary();
  const abort = new AbortController();
  run.stopWriting = () => abort.abort();
  return (await catchUpSessions(pending, { ...run.ctx, pricer: options.pricer, sink: run.sink, signal: abort.signal }, onOutcome)).failure;
}

function jobsFor(candidates: readonly SessionSource[], asked: number | undefined, parallel: boolean): number {
  if (!parallel || candidates.length < 2) return 1;
  if (asked !== undefined) return asked;
  return candidates.reduce((n, s) => n + s.bytes, 0) >= WORKERS_FROM_BYTES ? autoJobs() : 1;
}

/**
 * Sends Claude Code sessions from their transcripts to a destination, as `claude-code-otel replay`
 * does: incremental and exactly once per destination (what it, `watch` or the hooks already sent
 * there is not sent again), what an earlier run left queued first. Resolves when everything is
 * delivered or a failure stopped it (in the result, not thrown).
 */
export async function replay(options: ReplayOptions = {}): Promise<ReplayResult> {
  return replayResolved(resolveReplayOptions(options));
}

/** `replay` with its options resolved (the command resolves them with the config file's settings). */
export async function replayResolved(options: ResolvedReplayOptions): Promise<ReplayResult> {
  const destination = options.destination.kind === "console" ? undefined : options.destination;
  const record = destination !== undefined;
  const ledgerDir = destination !== undefined ? destinationDir(options.stateDir, destination) : options.stateDir;
  const firstTime = destination !== undefined && !existsSync(ledgerDir);
  const counters = { matched: 0, unchanged: 0, exported: 0, spans: 0, points: 0, bytes: 0, leftOpen: 0, warnings: [] as string[] };
  let drained = 0;
  const result = (delivery: SendTotals, failure: ReplayResult["failure"], recovered: number): ReplayResult => ({ ...counters, delivery, failure, recovered, firstTime, drained });

  let pass: DestinationPass | undefined;
  if (record && !options.dryRun && destination !== undefined) {
    try {
      pass = await openDestinationPass(options.stateDir, destination, { resource: options.resource, waitMs: options.lockWaitMs });
    } catch (error) {
      if (!(error instanceof LockBusyError)) throw error;
      return result(NO_DELIVERY, { kind: "busy", message: `another replay, watch or flush is delivering to ${destination.label}` }, 0);
    }
  }
  try {
    // What earlier runs queued goes first, and must go: newer metric windows would make it stale.
    if (pass !== undefined && pass.queued() > 0) {
      const first = await pass.send({ budgetMs: 24 * 3600_000, ...(options.onRejected !== undefined ? { onRejected: options.onRejected } : {}) });
      drained = first.sent;
      if (first.failure !== undefined) return result({ ...first }, first.failure, pass.recovered);
    }
    const done = await replayInPass(options, destination, ledgerDir, pass, counters, result);
    // What this thread learned from the ledgers it priced (workers save theirs); the console and a dry run record nothing.
    if (record && !options.dryRun) options.learning.save();
    return done;
  } finally {
    pass?.release();
  }
}

async function replayInPass(
  options: ResolvedReplayOptions,
  destination: Destination | undefined,
  ledgerDir: string,
  pass: DestinationPass | undefined,
  counters: Run["counters"],
  result: (delivery: SendTotals, failure: ReplayResult["failure"], recovered: number) => ReplayResult,
): Promise<ReplayResult> {
  const { full, dryRun } = options;
  const ctx: Run["ctx"] = {
    stateDir: ledgerDir,
    factsDir: options.stateDir,
    filter: options.filter,
    idleMs: options.idleMs,
    plan: { ...options.plan, provisionalSpans: destination?.provisionalSpans ?? true, langsmithShape: destination?.kind === "otlp" && destination.langsmith },
    full,
    dryRun,
    record: destination !== undefined,
  };
  let deliveryFailure: DeliveryFailure | undefined;
  const run: Run = {
    options,
    ctx,
    sink: pass?.sink ?? createConsoleSink(options.write ?? (() => undefined)),
    pass,
    loop: undefined,
    workerSettings:
      destination !== undefined && (pass !== undefined || dryRun)
        ? {
            ...ctx,
            prices: options.prices,
            outbox: { dir: `${ledgerDir}/outbox`, encoding: encodingsOf(destination), label: destination.label, resource: options.resource },
          }
        : undefined,
    counters,
    stopWriting: () => undefined,
  };
  const loop = pass !== undefined ? startSendLoop(pass, (f) => ((deliveryFailure ??= f), run.stopWriting()), options.onRejected) : undefined;
  (run as { loop: SendLoop | undefined }).loop = loop;

  const skip = new ReplaySkipCheck({ stateDir: ledgerDir, factsDir: options.stateDir, idleMs: options.idleMs });
  const earlyJobs = options.jobs ?? autoJobs();
  // A first replay (no state at all) or --full reads every session: workers start while discovery goes on.
  const firstReplay = full || (skip.isEmpty && !existsSync(sessionsDir(ledgerDir)));
  const earlyModule =
    run.workerSettings !== undefined && earlyJobs > 1 && firstReplay && options.filter.session === undefined ? await import("./catch-up-in-workers.js") : undefined;
  let early: CatchUpWorkerPool | undefined;
  const whenBytes =
    earlyModule !== undefined && run.workerSettings !== undefined
      ? {
          bytes: options.jobs !== undefined ? 0 : WORKERS_FROM_BYTES,
          then: () => (early = earlyModule.startCatchUpWorkers(earlyJobs, run.workerSettings as WorkerSettings, options.env)),
        }
      : undefined;
  const discovery = discoverSessionsSync(options.projectsDir, { keepStats: true, ...(whenBytes !== undefined ? { whenBytes } : {}) });
  for (const u of discovery.unreadable) counters.warnings.push(`cannot read ${u.path}: ${u.reason}`);
  const candidates = discovery.sessions.filter((s) => matchesSource(s, options.filter));
  const onOutcome = outcomeHandler(run, skip);
  const pending: SessionSource[] = [];
  for (const s of candidates) {
    if (!full && skip.upToDate(s)) onOutcome({ kind: "unchanged", files: fileCount(s), warnings: [] });
    else if (!full && skip.inactive(s)) onOutcome({ kind: "empty", sessionId: s.sessionId, files: fileCount(s), bytes: 0, warnings: [], readAll: true });
    else pending.push(s);
  }
  let writeFailure: string | undefined;
  try {
    writeFailure = await writeSessions(run, pending, onOutcome, early);
  } catch (error) {
    if (!(error instanceof LockBusyError)) throw error;
    writeFailure = `${error.message}; another replay, watch or hook is exporting the same session, try again`;
  } finally {
    await (early as CatchUpWorkerPool | undefined)?.dismiss().catch(() => undefined);
    await run.sink.shutdown();
  }
  const delivery = loop !== undefined ? await loop.finish(24 * 3600_000) : NO_DELIVERY;
  // For the next replay's skip check. Discovery saw every session of the folder, whatever the selection.
  if (!dryRun && destination !== undefined) skip.save(pending, discovery.sessions, candidates.length === discovery.sessions.length);
  const failure: ReplayResult["failure"] = deliveryFailure ?? delivery.failure ?? (writeFailure !== undefined ? { kind: "write", message: writeFailure } : undefined);
  return result(delivery, failure, pass?.recovered ?? 0);
}
