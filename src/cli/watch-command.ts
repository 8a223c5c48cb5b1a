import { watch as watchFs } from "node:fs";
import type { FSWatcher } from "node:fs";
import { sessionToMetricPoints } from "../mapping/map-metrics.js";
import { completeUnitKeys } from "../mapping/units-of-work.js";
import type { Session } from "../model/types.js";
import { scanSessions } from "../pipeline/scan-sessions.js";
import { matchesSource } from "../pipeline/session-filter.js";
import { catchUpSession } from "../pipeline/catch-up.js";
import type { CatchUpContext } from "../pipeline/catch-up.js";
import { stateFoldersProblem } from "../config/state-dir.js";
import { LockBusyError } from "../util/file-lock.js";
import { discoverSessionsSync } from "../transcript/discover.js";
import type { DiscoveryResult } from "../transcript/discover.js";
import { WarnOnce } from "../util/model-warnings.js";
import { oneLine } from "../util/terminal-safe.js";
import { SOURCE_OPTIONS, boolOpt, numberOpt, parseOptions, portOpt, stringOpt } from "./args.js";
import { EXPORT_OPTIONS, resolveDestinationOption, resolveSettingsOption } from "./export-options.js";
import type { CliIO } from "./output.js";
import { EXIT } from "./output.js";
import { resolveSourceOptions } from "./source-options.js";
import type { SourceOptions } from "./source-options.js";
import type { Attributes } from "@opentelemetry/api";
import { otelHome } from "../config/config-file.js";
import type { ConsoleTarget } from "../config/export-target.js";
import { createConsoleSink } from "../delivery/console-sink.js";
import type { Destination } from "../delivery/destination.js";
import { hooksDestination } from "../delivery/destination.js";
import { watchHeartbeat } from "./watch-heartbeat.js";
import { adoptLegacyState } from "../pipeline/adopt-legacy-state.js";
import type { DestinationPass } from "../pipeline/destination-pass.js";
import { openDestinationPass } from "../pipeline/destination-pass.js";
import { kickFlusher } from "../pipeline/kick-flusher.js";
import { startPrometheusEndpoint } from "./prometheus-endpoint.js";
import type { PrometheusEndpoint } from "./prometheus-endpoint.js";

export const WATCH_HELP = `Usage: claude-code-otel watch [options]

Tails Claude Code transcripts (new files, appended lines, subagent files) and exports each
session as it progresses, exactly once (shares its ledger with replay and the hooks).

  --poll-seconds <n>       rescan interval; file events wake it earlier (default 2)
  --prometheus-port <port> also serve /metrics (Prometheus text format) on this port
  --prometheus-host <host> address to bind /metrics to (default 127.0.0.1)
  --once                   one pass, then exit (for scripts)
  --idle-minutes <n>       a transcript idle this long is a finished session (default 30)
  --endpoint, --protocol, --output-dir, --console, --state-dir, --destinations,
  --metric-session-id                                                            as for "replay"
  --since, --until, --project, --session, --projects-dir, --timezone, --config, --cost-source   as for "report"

Stop with Ctrl-C: pending exports are flushed first.
`;

const OPTIONS = {
  ...SOURCE_OPTIONS,
  ...EXPORT_OPTIONS,
  "poll-seconds": { type: "string" },
  "prometheus-port": { type: "string" },
  "prometheus-host": { type: "string" },
  once: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Points of a session's complete units not yet counted on the in-process /metrics endpoint. */
function newPoints(session: Session, finished: boolean, counted: Map<string, Set<string>>, options: { readonly includeSessionId: boolean; readonly legacyGenAiNames: boolean }) {
  const seen = counted.get(session.sessionId) ?? new Set<string>();
  counted.set(session.sessionId, seen);
  const complete = completeUnitKeys(session, finished);
  const fresh = sessionToMetricPoints(session, { final: finished, ...options, sentBefore: (unit) => seen.has(unit) }).filter(
    (p) => complete.has(p.unitKey) && !seen.has(p.unitKey),
  );
  for (const p of fresh) seen.add(p.unitKey);
  return fresh;
}

export async function watchCommand(argv: string[], io: CliIO, signal?: AbortSignal): Promise<number> {
  const p = parseOptions(argv, OPTIONS);
  if (boolOpt(p, "help")) {
    io.out(WATCH_HELP);
    return EXIT.ok;
  }
  const pollMs = (numberOpt(p, "poll-seconds", { min: 0.05 }) ?? 2) * 1000;
  const idleMs = (numberOpt(p, "idle-minutes", { min: 0 }) ?? 30) * 60_000;
  const port = portOpt(p, "prometheus-port");
  const source = await resolveSourceOptions(p, io);
  const destination = resolveDestinationOption(p, io, source.config);
  const settings = resolveSettingsOption(p, io, source.config);
  const { stateDir, includeSessionId } = settings;
  const refused = destination.kind === "console" ? undefined : stateFoldersProblem(io.env, stateDir);
  if (refused !== undefined) throw new Error(refused);
  if (destination.kind !== "console") await adoptLegacyState(stateDir, otelHome(io.env), hooksDestination(io.env, source.config));
  const plan = { captureContent: settings.captureContent, destinations: settings.destinations, includeSessionId, legacyGenAiNames: settings.legacyGenAiNames };
  const counted = new Map<string, Set<string>>();
  let endpoint: PrometheusEndpoint | undefined;
  if (port !== undefined) {
    endpoint = await startPrometheusEndpoint(port, stringOpt(p, "prometheus-host") ?? "127.0.0.1", (line) => io.err(`watch: warning: ${oneLine(line)}\n`));
    // /metrics starts from the whole history, so its counters are totals, not "since watch started".
    await scanSessions(source.projectsDir, source.filter, source.pricer, (session) => {
      const finished = Date.now() - session.endTime > idleMs;
      endpoint?.record(newPoints(session, finished, counted, plan));
    });
    io.err(`watch: serving Prometheus metrics on ${endpoint.url}\n`);
  }
  io.err(`watch: ${oneLine(source.projectsDir)} → ${oneLine(destination.kind === "console" ? "the console" : destination.label)}\n`);

  const waker = startWaker(source.projectsDir, signal);
  const seen: Seen = { lastMtime: new Map(), finalized: new Set(), counted, warnings: new WarnOnce() };
  const once = boolOpt(p, "once");
  let failures = 0;
  try {
    const round: Round = { destination, stateDir, source, idleMs, plan, pollMs, resource: settings.resourceAttributes, seen, io, endpoint, stopped: () => waker.stopped };
    while (!waker.stopped) {
      failures += await watchRound(round);
      await watchHeartbeat(round.destination, round.stateDir, io.env, round.resource);
      if (once) break;
      await waker.sleep(pollMs);
    }
  } finally {
    waker.close();
    await endpoint?.stop();
  }
  return once && failures > 0 ? EXIT.failed : EXIT.ok;
}

interface Round {
  readonly destination: Destination | ConsoleTarget;
  readonly stateDir: string;
  readonly source: SourceOptions;
  readonly idleMs: number;
  readonly plan: CatchUpContext["plan"];
  readonly pollMs: number;
  readonly resource: Readonly<Attributes>;
  readonly seen: Seen;
  readonly io: CliIO;
  readonly endpoint: PrometheusEndpoint | undefined;
  readonly stopped: () => boolean;
}

/**
 * One round: the destination's pass (skipped while another process holds it), what earlier
 * rounds queued sent first (nothing new is planned while it cannot go), the changed sessions
 * caught up, the outbox sent. The console records nothing. Returns the failures.
 */
async function watchRound(r: Round): Promise<number> {
  const { destination, io } = r;
  const pass = destination.kind === "console" ? undefined : await openPass(r.stateDir, destination, r.resource, io);
  if (destination.kind !== "console" && pass === undefined) return 0;
  r.source.refreshLearned();
  try {
    const ctx: CatchUpContext = {
      stateDir: pass?.ledgerDir ?? r.stateDir,
      factsDir: r.stateDir,
      pricer: r.source.pricer,
      filter: r.source.filter,
      sink: pass?.sink ?? createConsoleSink(io.out),
      idleMs: r.idleMs,
      plan: { ...r.plan, provisionalSpans: destination.kind === "console" || destination.provisionalSpans, langsmithShape: destination.kind === "otlp" && destination.langsmith },
      record: pass !== undefined,
    };
    const drained = pass === undefined || pass.queued() === 0 ? undefined : await pass.send({ budgetMs: r.pollMs + 10_000 });
    if (drained?.failure !== undefined) {
      io.err(
        `watch: ${drained.remaining} requests queued for ${oneLine(destination.kind === "console" ? "" : destination.label)} are not delivered yet (${oneLine(drained.failure.message)}); waiting\n`,
      );
      return 1;
    }
    const failures = await catchUpChanged(discoverSessionsSync(r.source.projectsDir), ctx, r.seen, { io, endpoint: r.endpoint, stopped: r.stopped });
    return failures + (pass !== undefined ? await deliverRound(pass, r.pollMs, io) : 0);
  } finally {
    r.source.saveLearned();
    pass?.release();
    if (destination.kind !== "console") kickFlusher(io.env, destination.key, r.source.config);
  }
}

/** The destination's pass for one round, or undefined when another process holds it (next round). */
async function openPass(stateDir: string, destination: Destination, resource: Readonly<Attributes>, io: CliIO): Promise<DestinationPass | undefined> {
  try {
    return await openDestinationPass(stateDir, destination, { resource, waitMs: 5_000 });
  } catch (error) {
    if (!(error instanceof LockBusyError)) throw error;
    io.err(`watch: ${oneLine(destination.label)} is busy (a replay or a flush); next round\n`);
    return undefined;
  }
}

/** Sends what the round queued; a failure keeps it for the next round. Returns the failures. */
async function deliverRound(pass: DestinationPass, pollMs: number, io: CliIO): Promise<number> {
  const bounded = await pass.bound();
  if (bounded.dropped > 0) io.err(`watch: outbox over its bounds: dropped the ${bounded.dropped} oldest requests; their units go out again later\n`);
  const sent = await pass.send({ budgetMs: pollMs + 10_000 });
  if (sent.failure === undefined) return 0;
  io.err(`watch: ${sent.remaining} requests kept for ${oneLine(pass.destination.label)}: ${oneLine(sent.failure.message)}; retrying next pass\n`);
  return 1;
}

/** What watch remembers between passes. */
interface Seen {
  /** A session's transcript mtime when it was last caught up. */
  readonly lastMtime: Map<string, number>;
  /** Sessions whose final units went out. */
  readonly finalized: Set<string>;
  /** Units already counted on /metrics, per session. */
  readonly counted: Map<string, Set<string>>;
  /** A model without a price is named once per run. */
  readonly warnings: WarnOnce;
}

/** One pass: catches up every session changed since the last pass (or newly idle); returns the failed exports. */
async function catchUpChanged(
  discovery: DiscoveryResult,
  ctx: CatchUpContext,
  seen: Seen,
  out: { readonly io: CliIO; readonly endpoint: PrometheusEndpoint | undefined; readonly stopped: () => boolean },
): Promise<number> {
  const { io } = out;
  let failures = 0;
  for (const src of discovery.sessions) {
    if (out.stopped() || !matchesSource(src, ctx.filter)) continue;
    // Unchanged since the last pass, and not newly idle: nothing can be new.
    const idle = Date.now() - src.mtimeMs > ctx.idleMs;
    if (seen.lastMtime.get(src.sessionId) === src.mtimeMs && (!idle || seen.finalized.has(src.sessionId))) continue;
    try {
      const outcome = await catchUpSession(src, ctx);
      for (const w of seen.warnings.fresh(outcome.warnings)) io.err(`claude-code-otel: warning: ${oneLine(w)}\n`);
      if (outcome.kind === "exported") {
        out.endpoint?.record(
          newPoints(outcome.session, outcome.finished, seen.counted, {
            includeSessionId: ctx.plan.includeSessionId === true,
            legacyGenAiNames: ctx.plan.legacyGenAiNames === true,
          }),
        );
        if (!outcome.result.ok) {
          failures++;
          io.err(`watch: export of ${outcome.session.sessionId} failed: ${oneLine(outcome.result.error ?? "unknown error")}; retrying next pass\n`);
          continue;
        }
        if (outcome.result.spans + outcome.result.points > 0) {
          io.err(
            `watch: ${outcome.session.sessionId} ${oneLine(outcome.session.project)}: ${outcome.result.spans} spans, ${outcome.result.points} points${outcome.finished ? " (finished)" : ""}\n`,
          );
        }
      }
      seen.lastMtime.set(src.sessionId, src.mtimeMs);
      // A resumed session appends to its file: it is not final any more until it idles again.
      if (outcome.kind === "exported" && outcome.finished) seen.finalized.add(src.sessionId);
      else seen.finalized.delete(src.sessionId);
    } catch (error) {
      if (!(error instanceof LockBusyError)) throw error;
      // A hook or replay holds the session: leave it for the next pass.
    }
  }
  return failures;
}

/** Stops on the signal, SIGINT or SIGTERM; a file event under `dir` ends a sleep early. */
function startWaker(dir: string, signal: AbortSignal | undefined): { readonly stopped: boolean; sleep(ms: number): Promise<void>; close(): void } {
  let wake: (() => void) | undefined;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    wake?.();
  };
  signal?.addEventListener("abort", stop);
  const onSignal = (): void => stop();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let watcher: FSWatcher | undefined;
  try {
    // Events only shorten the wait; the poll is what guarantees progress (events can be dropped).
    watcher = watchFs(dir, { recursive: true }, () => wake?.());
    watcher.on("error", () => undefined);
  } catch {
    watcher = undefined;
  }
  return {
    get stopped() {
      return stopped;
    },
    async sleep(ms: number): Promise<void> {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          // Let a burst of appends settle before reading.
          setTimeout(resolve, 100);
        };
      });
      wake = undefined;
    },
    close(): void {
      watcher?.close();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
