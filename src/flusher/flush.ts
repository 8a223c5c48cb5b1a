/**
 * The flusher (`claude-code-otel flush`, spawned detached by hooks with `--spool`): the single
 * process that turns spooled hook triggers into exported telemetry.
 *
 *   take the flush lock → open a pass on the destination (its lock; what a crash left pending is
 *   recorded) → drain the spool → per touched session: rebuild it from its transcript, apply
 *   measured tool durations, plan what the destination has not received, write it to the
 *   destination's outbox and record it → bound the outbox → send it in order within a budget →
 *   release; triggers spooled meanwhile start another round.
 *
 * Nothing here may hang: transcript waits, lock waits and the network all have deadlines.
 */
import { mkdirSync } from "node:fs";
import { defaultConfigPath, loadConfig, otelHome } from "../config/config-file.js";
import { hooksDestination, resolveDestination } from "../delivery/destination.js";
import { acquireFlushLock, clearSpawnToken } from "../hook/flush-lock.js";
import { adoptLegacyState } from "../pipeline/adopt-legacy-state.js";
import { resolveExportSettings } from "../pipeline/export-settings.js";
import type { HeldLock } from "../util/file-lock.js";
import type { FlushRun, Tally } from "./flush-cycle.js";
import { MAX_ROUNDS, flushCycle, hasNewTriggers } from "./flush-cycle.js";
import type { FlushOptions, FlushReport, LingerPolicy } from "./flush-options.js";
import { clearYield, markIdle, requestYield, waitForWork } from "./linger.js";

export type { FlushOptions, FlushReport, LingerPolicy } from "./flush-options.js";
export { SEND_BUDGET_MS, TRANSCRIPT_WAIT_MS } from "./flush-cycle.js";

async function lockWithin(stateHome: string, waitMs: number): Promise<HeldLock | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const lock = acquireFlushLock(stateHome);
    if (lock !== undefined || Date.now() >= deadline) return lock;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The flush lock, asking a flusher that only lingers to step aside when the caller may wait. */
async function takeFlushLock(stateHome: string, waitMs: number): Promise<HeldLock | undefined> {
  let lock = acquireFlushLock(stateHome);
  if (lock === undefined && waitMs > 0) {
    requestYield(stateHome);
    lock = await lockWithin(stateHome, waitMs);
  }
  if (lock !== undefined) clearYield(stateHome);
  // Whether we got the lock or a live flusher has it, the spawn a hook announced has happened.
  clearSpawnToken(stateHome);
  return lock;
}

type Ending = "done" | "busy" | "yielded" | "hand-over";

/** Cycles while triggers come: one (plus what a release-then-look finds) without lingering. */
async function drain(run: FlushRun, held: HeldLock): Promise<Ending> {
  const { stateHome, kept, options } = run;
  const linger = options.linger;
  let lock: HeldLock | undefined = held;
  try {
    for (let cycle = 0; ; cycle++) {
      if (!(await flushCycle(run, linger?.hardDeadlineMs ?? Number.POSITIVE_INFINITY))) return "busy";
      if (linger === undefined) {
        // Release, then look: a hook that spooled after our last read either saw the lock (and
        // relies on this check) or saw no lock and spawned a flusher of its own.
        lock.release();
        lock = undefined;
        if (cycle + 1 >= MAX_ROUNDS || !hasNewTriggers(stateHome, kept)) return "done";
        lock = acquireFlushLock(stateHome);
        if (lock === undefined) return "done";
        continue;
      }
      const ending = await lingerFor(run, linger);
      if (ending === undefined) continue;
      // Claimed while the lock is held: no hook starts a flusher between our release and the successor.
      return ending === "hand-over" && !linger.successor.claim() ? "done" : ending;
    }
  } finally {
    if (linger !== undefined) markIdle(stateHome, false);
    lock?.release();
  }
}

/** Waits for triggers; undefined: work for another cycle. */
async function lingerFor(run: FlushRun, linger: LingerPolicy): Promise<Exclude<Ending, "busy"> | undefined> {
  const until = Math.min(Date.now() + linger.idleMs, linger.lastCycleStartMs);
  markIdle(run.stateHome, true);
  const wake = await waitForWork(run.stateHome, run.kept, until);
  markIdle(run.stateHome, false);
  if (wake === "work" && Date.now() < linger.lastCycleStartMs) return undefined;
  run.options.log.debug(`flusher done lingering (${wake})`);
  if (wake === "yield" || wake === "gone") return "yielded";
  // Out of age with a session still active: a fresh process takes over while this one exits.
  const outOfAge = wake === "work" || (wake === "timeout" && Date.now() >= linger.lastCycleStartMs);
  return outOfAge ? "hand-over" : "done";
}

export async function runFlush(options: FlushOptions): Promise<FlushReport> {
  const { env, log } = options;
  const stateHome = otelHome(env);
  const config = options.config ?? loadConfig(defaultConfigPath(env));
  for (const e of config.errors) log.warn(e);
  const settings = resolveExportSettings(env, config.raw, {}, (message) => log.warn(message));
  const stateDir = settings.stateDir;
  const destination = resolveDestination({}, env, config.raw);
  if (destination.kind === "console") throw new Error("unreachable: the flusher never prints");
  const tally: Tally = { sessions: 0, spans: 0, points: 0, sent: 0, rejected: 0, remaining: 0, dropped: 0, queued: 0, cycleFailed: false, error: undefined, failure: undefined };
  const report = (busy: boolean): FlushReport => {
    const { cycleFailed: _, ...counts } = tally;
    return { ...counts, busy, destination: destination.label };
  };

  mkdirSync(stateHome, { recursive: true, mode: 0o700 });
  const lock = await takeFlushLock(stateHome, options.lockWaitMs ?? 0);
  if (lock === undefined) {
    log.debug("another flusher holds the lock; it will pick up the spool");
    return report(true);
  }
  try {
    const adopted = await adoptLegacyState(stateDir, stateHome, hooksDestination(env, config.raw));
    if (adopted !== undefined) log.info(`state of an earlier version adopted by ${destination.label}: ${adopted.ledgers} ledgers, ${adopted.requests} queued requests`);
  } catch (error) {
    lock.release();
    throw error;
  }
  const run: FlushRun = {
    options,
    stateHome,
    stateDir,
    config,
    destination,
    settings,
    tally,
    kept: new Set(),
    now: options.now ?? Date.now,
  };
  const ending = await drain(run, lock);
  const successor = options.linger?.successor;
  // Same look after the release as in drain; a successor does what this process may not.
  if (successor !== undefined && (ending === "hand-over" || (ending === "done" && hasNewTriggers(stateHome, run.kept) && successor.claim()))) {
    log.debug("handing over to a fresh flusher");
    successor.start();
  }
  return report(ending === "busy");
}
