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
import { mkdirSync, readdirSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { defaultConfigPath, loadConfig, otelHome } from "../config/config-file.js";
import type { LoadedConfig } from "../config/config-file.js";
import { defaultStateDir } from "../config/state-dir.js";
import { createPricer } from "../cost/price-request.js";
import type { Destination } from "../delivery/destination.js";
import { hooksDestination, resolveDestination } from "../delivery/destination.js";
import type { DeliveryFailure } from "../delivery/send-outbox.js";
import { acquireFlushLock, clearSpawnToken } from "../hook/flush-lock.js";
import type { HookLog } from "../hook/hook-log.js";
import { codeOf } from "../hook/hook-log.js";
import type { SpooledTrigger } from "../hook/spool.js";
import { SPOOL_DIR, readSpool, removeSpooled } from "../hook/spool.js";
import { captureContentFromEnv } from "../mapping/content.js";
import type { DestinationName } from "../mapping/destinations/index.js";
import { ALL_DESTINATIONS, destinationOptionsFromResource, resolveDestinations } from "../mapping/destinations/index.js";
import { adoptLegacyState } from "../pipeline/adopt-legacy-state.js";
import { METRIC_SESSION_ID_WARNING, resolveMetricSessionId } from "../config/metric-session-id.js";
import type { DestinationPass } from "../pipeline/destination-pass.js";
import { openDestinationPass } from "../pipeline/destination-pass.js";
import { packageVersion, resourceAttributes } from "../sdk/resource-attributes.js";
import type { HeldLock } from "../util/file-lock.js";
import { LockBusyError } from "../util/file-lock.js";
import type { FlushSessionContext, SessionOutcome } from "./flush-session.js";
import { flushSession } from "./flush-session.js";

/** How long to wait for a transcript to show what a trigger announced (it is written asynchronously). */
export const TRANSCRIPT_WAIT_MS = 1_500;
/** One flush pass never spends more than this on the network (a spawned flusher lives 60 s at most). */
export const SEND_BUDGET_MS = 30_000;
/** Rounds per process: triggers that keep arriving are left to the next flusher. */
const MAX_ROUNDS = 20;

export interface FlushOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly log: HookLog;
  /** The config file as the caller already loaded it (its errors are logged here); read from disk when absent. */
  readonly config?: LoadedConfig;
  /** Wait this long for another flusher, or for a replay or watch pass on the same destination. */
  readonly lockWaitMs?: number;
  readonly transcriptWaitMs?: number;
  readonly sendBudgetMs?: number;
  readonly now?: () => number;
}

export interface FlushReport {
  /** Another flusher (or a replay/watch pass on this destination) held the lock: it does the work. */
  readonly busy: boolean;
  readonly sessions: number;
  readonly spans: number;
  readonly points: number;
  readonly queued: number;
  readonly sent: number;
  readonly rejected: number;
  readonly remaining: number;
  readonly dropped: number;
  readonly destination: string;
  /** The first processing error, for the exit code and message. */
  readonly error: string | undefined;
  /** Why delivery stopped, if it did (auth and endpoint failures need a person). */
  readonly failure: DeliveryFailure | undefined;
}

async function lockWithin(stateHome: string, waitMs: number): Promise<HeldLock | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const lock = acquireFlushLock(stateHome);
    if (lock !== undefined || Date.now() >= deadline) return lock;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Temp files of hooks that died between write and rename. */
function sweepSpoolTemps(stateHome: string, now: number): void {
  const dir = join(stateHome, SPOOL_DIR);
  try {
    for (const name of readdirSync(dir)) {
      if (!name.endsWith(".tmp")) continue;
      const path = join(dir, name);
      try {
        if (now - statSync(path).mtimeMs > 60_000) unlinkSync(path);
      } catch {
        // Renamed or removed meanwhile.
      }
    }
  } catch {
    // No spool.
  }
}

function groupBySession(triggers: readonly SpooledTrigger[]): Map<string, SpooledTrigger[]> {
  const out = new Map<string, SpooledTrigger[]>();
  for (const t of triggers) {
    const list = out.get(t.trigger.sessionId) ?? [];
    list.push(t);
    out.set(t.trigger.sessionId, list);
  }
  return out;
}

interface Tally {
  sessions: number;
  spans: number;
  points: number;
  sent: number;
  rejected: number;
  remaining: number;
  dropped: number;
  error: string | undefined;
  failure: DeliveryFailure | undefined;
}

/** One spool round: each touched session flushed into the outbox; kept triggers remembered. */
async function flushSpool(stateHome: string, ctx: FlushSessionContext, pass: DestinationPass, tally: Tally, kept: Set<string>, now: () => number): Promise<void> {
  sweepSpoolTemps(stateHome, now());
  const spool = readSpool(stateHome);
  if (spool.corrupt.length > 0) {
    ctx.log.warn(`removed ${spool.corrupt.length} unreadable spool files`);
    removeSpooled(spool.corrupt);
  }
  for (const [sessionId, group] of groupBySession(spool.triggers)) {
    pass.touch();
    let outcome: SessionOutcome;
    try {
      outcome = await flushSession(
        sessionId,
        group.map((g) => g.trigger),
        ctx,
      );
    } catch (error) {
      const busy = error instanceof LockBusyError;
      outcome = { spans: 0, points: 0, retry: true, error: `${busy ? "busy (a replay holds its lock)" : "failed"}: ${codeOf(error)}` };
    }
    tally.sessions++;
    tally.spans += outcome.spans;
    tally.points += outcome.points;
    if (outcome.error !== undefined) {
      tally.error ??= outcome.error;
      ctx.log.error(`session ${sessionId}: ${outcome.error}; its triggers stay in the spool`);
    }
    if (outcome.retry) for (const g of group) kept.add(g.file);
    else removeSpooled(group.map((g) => g.file));
  }
}

/** Bounds the outbox, then sends it within what is left of the budget. */
async function deliver(pass: DestinationPass, ctx: FlushSessionContext, tally: Tally, sendDeadline: number): Promise<void> {
  const bounded = await pass.bound();
  if (bounded.dropped > 0) {
    tally.dropped += bounded.dropped;
    ctx.log.error(
      `outbox over its bounds: dropped the ${bounded.dropped} oldest requests (${bounded.droppedBytes} bytes); their units will be sent again${bounded.lost > 0 ? `, except ${bounded.lost} that are lost` : ""}`,
    );
  }
  const left = sendDeadline - Date.now();
  if (left <= 0) {
    tally.remaining = pass.queued();
    return;
  }
  const sent = await pass.send({ budgetMs: left, onRejected: (name, error) => ctx.log.error(`outbox request ${name} refused for good (${error}); set aside in rejected/`) });
  tally.sent += sent.sent;
  tally.rejected += sent.rejected;
  tally.remaining = sent.remaining;
  if (sent.failure !== undefined) {
    tally.failure ??= sent.failure;
    const level = sent.failure.kind === "auth" || sent.failure.kind === "endpoint" ? "error" : "warn";
    ctx.log[level](`outbox: ${sent.sent} sent, ${sent.remaining} kept for the next flush: ${sent.failure.message}`);
  } else if (sent.sent > 0) ctx.log.info(`outbox: ${sent.sent} requests sent to ${pass.destination.label}`);
}

function flushContext(env: NodeJS.ProcessEnv, config: LoadedConfig, destination: Destination, pass: DestinationPass, options: FlushOptions): FlushSessionContext {
  const raw = config.raw;
  let products: readonly DestinationName[];
  try {
    products = resolveDestinations(undefined, env, raw["destinations"]);
  } catch (error) {
    options.log.warn(`${codeOf(error)}; sending both products' attributes`);
    products = ALL_DESTINATIONS;
  }
  let includeSessionId = false;
  try {
    includeSessionId = resolveMetricSessionId(undefined, env, raw["metricSessionId"]);
  } catch (error) {
    options.log.warn(`${codeOf(error)}; metric points without session.id`);
  }
  if (includeSessionId) options.log.info(METRIC_SESSION_ID_WARNING);
  return {
    ledgerDir: pass.ledgerDir,
    factsDir: defaultStateDir(env),
    sink: pass.sink,
    pricer: createPricer(config.prices),
    captureContent: captureContentFromEnv(env),
    destinations: destinationOptionsFromResource(resourceAttributes(resourceEnv(env, config)), packageVersion(), products),
    provisionalSpans: destination.provisionalSpans,
    includeSessionId,
    log: options.log,
    transcriptWaitMs: options.transcriptWaitMs ?? TRANSCRIPT_WAIT_MS,
  };
}

/**
 * Claude Code strips OTEL_* from hooks: `resourceAttributes` in the config file stands in for
 * OTEL_RESOURCE_ATTRIBUTES (user.id, deployment.environment.name, ...); the variable wins when set.
 */
function resourceEnv(env: NodeJS.ProcessEnv, config: LoadedConfig): NodeJS.ProcessEnv {
  const configured = typeof config.raw["resourceAttributes"] === "string" ? config.raw["resourceAttributes"] : undefined;
  return configured !== undefined && !env["OTEL_RESOURCE_ATTRIBUTES"] ? { ...env, OTEL_RESOURCE_ATTRIBUTES: configured } : env;
}

export async function runFlush(options: FlushOptions): Promise<FlushReport> {
  const { env, log } = options;
  const now = options.now ?? Date.now;
  const stateHome = otelHome(env);
  const stateDir = defaultStateDir(env);
  const config = options.config ?? loadConfig(defaultConfigPath(env));
  for (const e of config.errors) log.warn(e);
  const resolved = resolveDestination({}, env, config.raw);
  if (resolved.kind === "console") throw new Error("unreachable: the flusher never prints");
  const destination = resolved;
  const tally: Tally = { sessions: 0, spans: 0, points: 0, sent: 0, rejected: 0, remaining: 0, dropped: 0, error: undefined, failure: undefined };
  const report = (busy: boolean, queued: number): FlushReport => ({ ...tally, busy, queued, destination: destination.label });

  mkdirSync(stateHome, { recursive: true, mode: 0o700 });
  let lock = await lockWithin(stateHome, options.lockWaitMs ?? 0);
  // Whether we got the lock or a live flusher has it, the spawn this token announced has happened.
  clearSpawnToken(stateHome);
  if (lock === undefined) {
    log.debug("another flusher holds the lock; it will pick up the spool");
    return report(true, 0);
  }
  const adopted = await adoptLegacyState(stateDir, stateHome, hooksDestination(env, config.raw));
  if (adopted !== undefined) log.info(`state of an earlier version adopted by ${destination.label}: ${adopted.ledgers} ledgers, ${adopted.requests} queued requests`);
  const attributes = resourceAttributes(resourceEnv(env, config));
  let pass: DestinationPass;
  try {
    pass = await openDestinationPass(stateDir, destination, { resource: resourceFromAttributes(attributes), waitMs: Math.max(options.lockWaitMs ?? 0, 2_000) });
  } catch (error) {
    lock.release();
    if (error instanceof LockBusyError) {
      // A replay or watch pass on the same destination: it starts a flusher when it is done.
      log.info(`${destination.label} is busy (a replay or watch pass); the spool waits for it`);
      return report(true, 0);
    }
    throw error;
  }
  if (pass.recovered > 0) log.warn(`recorded ${pass.recovered} outbox requests a crash or a full disk had left pending`);
  const ctx = flushContext(env, config, destination, pass, options);
  const sendDeadline = Date.now() + (options.sendBudgetMs ?? SEND_BUDGET_MS);
  /** Spool files kept for a later flush: not a reason for another round. */
  const kept = new Set<string>();
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      await flushSpool(stateHome, ctx, pass, tally, kept, now);
      // Once delivery failed in this process, later rounds only queue: no second timeout.
      if (tally.failure === undefined) await deliver(pass, ctx, tally, sendDeadline);
      else tally.remaining = pass.queued();
      // Release, then look: a hook that spooled after our last read either saw the lock (and
      // relies on this check) or saw no lock and spawned a flusher of its own.
      lock.release();
      lock = undefined;
      if (readSpool(stateHome).triggers.every((t) => kept.has(t.file))) break;
      lock = acquireFlushLock(stateHome);
      if (lock === undefined) break;
    }
  } finally {
    lock?.release();
    pass.release();
  }
  return report(false, pass.sink.written());
}
