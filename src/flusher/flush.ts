/**
 * The flusher (`claude-code-otel flush`, spawned detached by hooks with `--spool`): the single
 * writer that turns spooled hook triggers into exported telemetry.
 *
 *   take the flush lock → drain the spool → per touched session: rebuild it from its transcript
 *   (the replay pipeline), apply measured tool durations, plan the complete units not yet in its
 *   ledger, serialize them into the outbox and commit the ledger (export-session.ts with the
 *   outbox sink) → bound the outbox → send it in order within a time budget → release the lock;
 *   triggers spooled meanwhile start another round.
 *
 * Nothing here may hang: transcript waits, lock waits and the network all have deadlines.
 */
import { readdirSync, statSync, unlinkSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { defaultConfigPath, loadConfig, otelHome } from "../config/config-file.js";
import type { LoadedConfig } from "../config/config-file.js";
import type { Pricer } from "../model/pricer.js";
import { createPricer } from "../cost/price-request.js";
import { buildSession } from "../model/build-session.js";
import type { Session } from "../model/types.js";
import { captureContentFromEnv } from "../mapping/content.js";
import { createFileSink } from "../delivery/file-sink.js";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { packageVersion, resourceAttributes } from "../sdk/resource-attributes.js";
import type { DestinationOptions } from "../mapping/destinations/index.js";
import type { DestinationName } from "../mapping/destinations/index.js";
import { ALL_DESTINATIONS, destinationOptionsFromResource, resolveDestinations } from "../mapping/destinations/index.js";
import type { TelemetrySink } from "../delivery/sink.js";
import { cursorsOfSync, exportSession } from "../pipeline/export-session.js";
import { LockBusyError } from "../state/lock.js";
import { defaultStateDir } from "../config/state-dir.js";
import type { SessionSource } from "../transcript/discover.js";
import { discoverSessionSync, filesOf } from "../transcript/discover.js";
import { loadSession } from "../transcript/load-session.js";
import type { JsonObject } from "../util/json.js";
import type { Delivery } from "../delivery/resolve-delivery.js";
import { resolveDelivery } from "../delivery/resolve-delivery.js";
import type { FlushLock } from "../hook/flush-lock.js";
import { acquireFlushLock, clearSpawnToken } from "../hook/flush-lock.js";
import type { HookLog } from "../hook/hook-log.js";
import { codeOf } from "../hook/hook-log.js";
import { enforceOutboxBounds, listOutbox, openOutbox } from "../delivery/outbox.js";
import { createOutboxSink } from "../delivery/outbox-sink.js";
import { SEND_BUDGET_MS, sendOutbox } from "../delivery/send-outbox.js";
import type { SendResult } from "../delivery/send-outbox.js";
import type { SpooledTrigger, Trigger } from "../hook/spool.js";
import { SPOOL_DIR, readSpool, removeSpooled } from "../hook/spool.js";
import { applyToolDurations, deferUnmeasured, loadToolDurationsSync, recordToolDurationsSync } from "../state/tool-durations.js";

/** How long to wait for a transcript to show what a trigger announced (it is written asynchronously). */
export const TRANSCRIPT_WAIT_MS = 1_500;
/** Rounds per process: triggers that keep arriving are left to the next flusher. */
const MAX_ROUNDS = 20;

export interface FlushOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly log: HookLog;
  /** The config file as the caller already loaded it (its errors are logged here); read from disk when absent. */
  readonly config?: LoadedConfig;
  /** Wait this long for another flusher to finish (a user's `flush`); 0 for a spawned flusher. */
  readonly lockWaitMs?: number;
  readonly transcriptWaitMs?: number;
  readonly requestTimeoutMs?: number;
  readonly sendBudgetMs?: number;
  readonly now?: () => number;
}

export interface FlushReport {
  /** Another flusher held the lock (it does the work). */
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
  /** The first delivery or processing error, for the exit code and message. */
  readonly error: string | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function lockWithin(stateHome: string, waitMs: number): Promise<FlushLock | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const lock = acquireFlushLock(stateHome);
    if (lock !== undefined || Date.now() >= deadline) return lock;
    await sleep(100);
  }
}

interface Built {
  readonly session: Session;
  readonly source: SessionSource;
  readonly cursors: ReturnType<typeof cursorsOfSync>;
}

/** Rebuilds the session, re-reading while the transcript lags behind the triggers (bounded). */
async function buildWhenReady(transcriptPath: string, sessionId: string, toolIds: ReadonlySet<string>, pricer: Pricer, waitMs: number): Promise<Built | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const source = discoverSessionSync(transcriptPath, sessionId);
    if (source !== undefined) {
      // Cursors before reading: a line appended meanwhile makes the next replay see a change.
      const cursors = cursorsOfSync(filesOf(source));
      const loaded = await loadSession(source);
      if (loaded.input.main.length > 0 || loaded.input.agents.some((a) => a.lines.length > 0)) {
        const session = buildSession(loaded.input, pricer);
        const done = new Set(session.toolCalls.filter((c) => c.outcome !== "pending").map((c) => c.id));
        const ready = [...toolIds].every((id) => done.has(id));
        if (ready || Date.now() >= deadline) return { session, source, cursors };
      }
    }
    if (Date.now() >= deadline) return undefined;
    await sleep(100);
  }
}

interface SessionOutcome {
  readonly spans: number;
  readonly points: number;
  /** Keep the triggers for a later flush (the outbox or the session lock was unavailable). */
  readonly retry: boolean;
  readonly error: string | undefined;
}

interface Context {
  readonly stateDir: string;
  readonly sink: TelemetrySink;
  readonly pricer: Pricer;
  readonly captureContent: boolean;
  readonly destinations: DestinationOptions;
  readonly log: HookLog;
  readonly transcriptWaitMs: number;
  readonly now: () => number;
}

async function flushSession(sessionId: string, triggers: readonly Trigger[], ctx: Context): Promise<SessionOutcome> {
  const final = triggers.some((t) => t.event === "SessionEnd");
  const turnOver = final || triggers.some((t) => t.event === "Stop" || t.event === "SubagentStop" || t.event === "PostCompact");
  const transcriptPath = [...triggers].reverse().find((t) => t.transcriptPath !== undefined)?.transcriptPath;
  if (transcriptPath === undefined) {
    ctx.log.warn(`session ${sessionId}: no transcript_path in its hook payloads; left to replay`);
    return { spans: 0, points: 0, retry: false, error: undefined };
  }
  const measured: Record<string, number> = {};
  for (const t of triggers) if (t.toolUseId !== undefined && t.durationMs !== undefined) measured[t.toolUseId] = t.durationMs;
  const toolIds = new Set(triggers.flatMap((t) => (t.toolUseId !== undefined ? [t.toolUseId] : [])));

  const built = await buildWhenReady(transcriptPath, sessionId, toolIds, ctx.pricer, ctx.transcriptWaitMs);
  if (built === undefined) {
    ctx.log.warn(`session ${sessionId}: transcript ${transcriptPath} missing or empty; left to replay`);
    return { spans: 0, points: 0, retry: false, error: undefined };
  }
  const durations = loadToolDurationsSync(ctx.stateDir, sessionId);
  recordToolDurationsSync(ctx.stateDir, sessionId, durations, measured);
  let session = applyToolDurations(built.session, durations);
  let deferred = 0;
  // Until the turn is over, a finished call whose PostToolUse has not been spooled yet (another
  // call of a parallel batch) waits for its measured duration; the turn's Stop releases it.
  if (!turnOver) ({ session, deferred } = deferUnmeasured(session, durations));
  const result = await exportSession(session, ctx.sink, {
    stateDir: ctx.stateDir,
    plan: { final, captureContent: ctx.captureContent, destinations: ctx.destinations },
    // A cursor says "nothing more to send from these bytes": not true while calls are held back.
    ...(deferred === 0 ? { cursors: built.cursors } : {}),
    lock: { waitMs: 5_000 },
  });
  if (result.rebuilt !== undefined) ctx.log.warn(`session ${sessionId}: state file was unusable (${result.rebuilt}); rebuilt`);
  ctx.log.info(
    `session ${sessionId}: ${triggers.map((t) => t.event).join(",")} → ${result.spans} spans, ${result.points} points${deferred > 0 ? `, ${deferred} tool calls awaiting their duration` : ""}${final ? " (final)" : ""}`,
  );
  if (!result.ok) return { spans: result.spans, points: result.points, retry: true, error: result.error };
  return { spans: result.spans, points: result.points, retry: false, error: undefined };
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

export async function runFlush(options: FlushOptions): Promise<FlushReport> {
  const env = options.env;
  const log = options.log;
  const now = options.now ?? Date.now;
  const stateHome = otelHome(env);
  const stateDir = defaultStateDir(env);
  const config = options.config ?? loadConfig(defaultConfigPath(env));
  for (const e of config.errors) log.warn(e);
  const raw: JsonObject = config.raw;
  const delivery: Delivery = resolveDelivery(env, raw);
  const destination = delivery.kind === "otlp" ? delivery.description : `OTLP JSON files in ${delivery.dir}`;
  const report = { busy: false, sessions: 0, spans: 0, points: 0, queued: 0, sent: 0, rejected: 0, remaining: 0, dropped: 0, destination, error: undefined as string | undefined };

  mkdirSync(stateHome, { recursive: true, mode: 0o700 });
  let lock = await lockWithin(stateHome, options.lockWaitMs ?? 0);
  // Whether we got the lock or a live flusher has it, the spawn this token announced has happened.
  clearSpawnToken(stateHome);
  if (lock === undefined) {
    log.debug("another flusher holds the lock; it will pick up the spool");
    return { ...report, busy: true };
  }

  // Claude Code strips OTEL_* from hooks: `resourceAttributes` in the config file stands in for
  // OTEL_RESOURCE_ATTRIBUTES (user.id, deployment.environment.name, ...); the variable wins when set.
  const configured = typeof raw["resourceAttributes"] === "string" ? raw["resourceAttributes"] : undefined;
  const resourceEnv: NodeJS.ProcessEnv = configured !== undefined && !env["OTEL_RESOURCE_ATTRIBUTES"] ? { ...env, OTEL_RESOURCE_ATTRIBUTES: configured } : env;
  const attributes = resourceAttributes(resourceEnv);
  const resource = resourceFromAttributes(attributes);
  let products: readonly DestinationName[];
  try {
    products = resolveDestinations(undefined, env, raw["destinations"]);
  } catch (error) {
    log.warn(`${codeOf(error)}; sending both products' attributes`);
    products = ALL_DESTINATIONS;
  }
  const destinations = destinationOptionsFromResource(attributes, packageVersion(), products);
  const outbox = delivery.kind === "otlp" ? openOutbox(stateHome) : undefined;
  const outboxSink = outbox !== undefined && delivery.kind === "otlp" ? createOutboxSink(outbox, delivery, resource) : undefined;
  // The file sink directly: exporters.ts would load the OTLP SDK exporters, which the flusher
  // never uses (OTLP delivery goes through the outbox), ~150 ms per flusher run.
  const sink: TelemetrySink = outboxSink ?? createFileSink(delivery.kind === "file" ? delivery.dir : stateHome, resource);
  const ctx: Context = {
    stateDir,
    sink,
    pricer: createPricer(config.prices),
    captureContent: captureContentFromEnv(env),
    destinations,
    log,
    transcriptWaitMs: options.transcriptWaitMs ?? TRANSCRIPT_WAIT_MS,
    now,
  };
  const sendDeadline = Date.now() + (options.sendBudgetMs ?? SEND_BUDGET_MS);
  /** Spool files kept for a later flush (outbox or session lock unavailable): not a reason for another round. */
  const kept = new Set<string>();
  let sendFailed = false;
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      sweepSpoolTemps(stateHome, now());
      const spool = readSpool(stateHome);
      if (spool.corrupt.length > 0) {
        log.warn(`removed ${spool.corrupt.length} unreadable spool files`);
        removeSpooled(spool.corrupt);
      }
      for (const [sessionId, group] of groupBySession(spool.triggers)) {
        lock.touch();
        let outcome: SessionOutcome;
        try {
          outcome = await flushSession(
            sessionId,
            group.map((g) => g.trigger),
            ctx,
          );
        } catch (error) {
          const busy = error instanceof LockBusyError;
          log.error(`session ${sessionId}: ${busy ? "busy (a replay holds its lock)" : "failed"}: ${codeOf(error)}`);
          outcome = { spans: 0, points: 0, retry: true, error: codeOf(error) };
        }
        report.sessions++;
        report.spans += outcome.spans;
        report.points += outcome.points;
        if (outcome.error !== undefined) {
          report.error ??= outcome.error;
          log.error(`session ${sessionId}: ${outcome.error}; its triggers stay in the spool`);
        }
        if (outcome.retry) for (const g of group) kept.add(g.file);
        else removeSpooled(group.map((g) => g.file));
      }

      // Once the collector failed in this process, later rounds only queue: no second timeout.
      if (outbox !== undefined && delivery.kind === "otlp" && !sendFailed) {
        const bounds = enforceOutboxBounds(stateHome);
        if (bounds.dropped > 0) {
          report.dropped += bounds.dropped;
          log.error(`outbox over its bounds: dropped the ${bounds.dropped} oldest requests (${bounds.droppedBytes} bytes)`);
        }
        const left = sendDeadline - Date.now();
        const sent: SendResult =
          left > 0
            ? await sendOutbox(stateHome, delivery, {
                budgetMs: left,
                ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
                onProgress: () => lock?.touch(),
                onRejected: (name, error) => log.error(`outbox request ${name} rejected by the collector (${error}); dropped`),
              })
            : { sent: 0, rejected: 0, remaining: listOutbox(stateHome).length, error: "send budget used up" };
        report.sent += sent.sent;
        report.rejected += sent.rejected;
        report.remaining = sent.remaining;
        if (sent.error !== undefined) {
          sendFailed = true;
          report.error ??= sent.error;
          log.warn(`outbox: ${sent.sent} sent, ${sent.remaining} kept for the next flush: ${sent.error}`);
        } else if (sent.sent > 0) log.info(`outbox: ${sent.sent} requests sent to ${delivery.description}`);
      }

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
    await sink.shutdown();
  }
  report.queued = outboxSink?.written() ?? 0;
  return report;
}
