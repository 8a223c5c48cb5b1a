/**
 * One flusher cycle: a pass on the destination (its lock; what a crash left pending is
 * recorded), spool rounds (per touched session: rebuild, plan, write to the outbox, record), the
 * outbox bounded and sent in order within a budget.
 */
import { readdirSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { LoadedConfig } from "../config/config-file.js";
import { METRIC_SESSION_ID_WARNING } from "../config/metric-session-id.js";
import type { PriceConfig } from "../config/price-overrides.js";
import { createLearningPricer } from "../pipeline/learning-pricer.js";
import type { Destination } from "../delivery/destination.js";
import { destinationDir } from "../delivery/destination.js";
import { heartbeatIfDue } from "../delivery/heartbeat.js";
import type { DeliveryFailure } from "../delivery/send-outbox.js";
import { codeOf } from "../hook/hook-log.js";
import type { SpooledTrigger } from "../hook/spool.js";
import { SPOOL_DIR, readSpool, removeSpooled } from "../hook/spool.js";
import type { DestinationPass } from "../pipeline/destination-pass.js";
import { openDestinationPass } from "../pipeline/destination-pass.js";
import type { ExportSettings } from "../pipeline/export-settings.js";
import { LockBusyError } from "../util/file-lock.js";
import type { FlushOptions } from "./flush-options.js";
import type { FlushSessionContext, SessionOutcome } from "./flush-session.js";
import { flushSession } from "./flush-session.js";

/** How long to wait for a transcript to show what a trigger announced (it is written asynchronously). */
export const TRANSCRIPT_WAIT_MS = 1_500;
/** One flush pass never spends more than this on the network (a spawned flusher lives 60 s at most). */
export const SEND_BUDGET_MS = 30_000;
/** Rounds per process: triggers that keep arriving are left to the next flusher. */
export const MAX_ROUNDS = 20;

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

export interface Tally {
  sessions: number;
  spans: number;
  points: number;
  sent: number;
  rejected: number;
  remaining: number;
  dropped: number;
  queued: number;
  /** Delivery failed in the current cycle (a lingering flusher tries again in its next one). */
  cycleFailed: boolean;
  error: string | undefined;
  failure: DeliveryFailure | undefined;
}

/** One spool round: each touched session flushed into the outbox; kept triggers remembered. */
async function flushSpool(stateHome: string, ctx: FlushSessionContext, pass: DestinationPass, tally: Tally, kept: Set<string>, now: () => number): Promise<void> {
  sweepSpoolTemps(stateHome, now());
  // Rates other processes learned since the last round; what this round learns is kept after it.
  ctx.learning?.refresh();
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
  ctx.learning?.save();
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
    tally.cycleFailed = true;
    const level = sent.failure.kind === "auth" || sent.failure.kind === "endpoint" ? "error" : "warn";
    ctx.log[level](`outbox: ${sent.sent} sent, ${sent.remaining} kept for the next flush: ${sent.failure.message}`);
  } else if (sent.sent > 0) ctx.log.info(`outbox: ${sent.sent} requests sent to ${pass.destination.label}`);
}

function flushContext(settings: ExportSettings, config: LoadedConfig, destination: Destination, pass: DestinationPass, options: FlushOptions): FlushSessionContext {
  if (settings.includeSessionId) options.log.info(METRIC_SESSION_ID_WARNING);
  return {
    ledgerDir: pass.ledgerDir,
    factsDir: settings.stateDir,
    sink: pass.sink,
    ...learningPricer(config.prices, settings.stateDir),
    captureContent: settings.captureContent,
    destinations: settings.destinations,
    provisionalSpans: destination.provisionalSpans,
    langsmithShape: destination.kind === "otlp" && destination.langsmith,
    includeSessionId: settings.includeSessionId,
    legacyGenAiNames: settings.legacyGenAiNames,
    log: options.log,
    transcriptWaitMs: options.transcriptWaitMs ?? TRANSCRIPT_WAIT_MS,
  };
}

/** Priced with the rates learned from Claude Code's ledgers, learning from the ones it meets. */
function learningPricer(prices: PriceConfig, stateDir: string): Pick<FlushSessionContext, "pricer" | "learning"> {
  const learning = createLearningPricer(prices, stateDir);
  return { pricer: learning.pricer, learning };
}

export interface FlushRun {
  readonly options: FlushOptions;
  readonly stateHome: string;
  readonly stateDir: string;
  readonly config: LoadedConfig;
  readonly destination: Destination;
  /** The state dir, resource, content and products' settings (pipeline/export-settings.ts, as replay and watch resolve them). */
  readonly settings: ExportSettings;
  readonly tally: Tally;
  /** Spool files kept for a later flush: not a reason for another round. */
  readonly kept: Set<string>;
  readonly now: () => number;
}

/** One pass on the destination: spool rounds and delivery. False when a replay or watch pass holds it. */
export async function flushCycle(run: FlushRun, hardDeadlineMs: number): Promise<boolean> {
  const { options, tally, kept } = run;
  let pass: DestinationPass;
  try {
    pass = await openDestinationPass(run.stateDir, run.destination, { resource: run.settings.resourceAttributes, waitMs: Math.max(options.lockWaitMs ?? 0, 2_000) });
  } catch (error) {
    if (!(error instanceof LockBusyError)) throw error;
    // A replay or watch pass on the same destination: it starts a flusher when it is done.
    options.log.info(`${run.destination.label} is busy (a replay or watch pass); the spool waits for it`);
    return false;
  }
  try {
    if (pass.recovered > 0) options.log.warn(`recorded ${pass.recovered} outbox requests a crash or a full disk had left pending`);
    const ctx = flushContext(run.settings, run.config, run.destination, pass, options);
    run.tally.cycleFailed = false;
    const sendDeadline = Math.min(Date.now() + (options.sendBudgetMs ?? SEND_BUDGET_MS), hardDeadlineMs);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      await flushSpool(run.stateHome, ctx, pass, tally, kept, run.now);
      // Once delivery failed in this cycle, later rounds only queue: no second timeout.
      if (!tally.cycleFailed) await deliver(pass, ctx, tally, sendDeadline);
      else tally.remaining = pass.queued();
      if (readSpool(run.stateHome).triggers.every((t) => kept.has(t.file))) break;
    }
    tally.queued += pass.sink.written();
  } finally {
    pass.release();
  }
  await heartbeat(run);
  return true;
}

/** At most one a minute per machine; whatever it meets is logged, never thrown. */
async function heartbeat(run: FlushRun): Promise<void> {
  if (run.destination.kind !== "otlp") return;
  try {
    const source = {
      component: "hooks" as const,
      stateHome: run.stateHome,
      destinationDir: destinationDir(run.stateDir, run.destination),
      resourceAttributes: run.settings.resourceAttributes,
    };
    const answer = await heartbeatIfDue(run.destination, source, run.now());
    if (answer !== undefined && answer.kind !== "ok") run.options.log.debug(`heartbeat not accepted: ${"error" in answer ? answer.error : answer.kind}`);
  } catch (error) {
    run.options.log.debug(`heartbeat: ${codeOf(error)}`);
  }
}

export function hasNewTriggers(stateHome: string, kept: ReadonlySet<string>): boolean {
  return readSpool(stateHome).triggers.some((t) => !kept.has(t.file));
}
