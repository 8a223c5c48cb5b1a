import { watch as watchFs } from "node:fs";
import type { FSWatcher } from "node:fs";
import { captureContentFromEnv } from "../mapping/content.js";
import { destinationOptionsFromResource } from "../mapping/destinations/index.js";
import { packageVersion, resourceAttributes } from "../sdk/resource-attributes.js";
import { createSink } from "../delivery/create-sink.js";
import { sessionToMetricPoints } from "../mapping/map-metrics.js";
import { completeUnitKeys } from "../mapping/units-of-work.js";
import type { Session } from "../model/types.js";
import { scanSessions } from "../pipeline/scan-sessions.js";
import { matchesSource } from "../pipeline/session-filter.js";
import { drainOutboxFirst } from "../delivery/drain-outbox.js";
import { catchUpSession } from "../pipeline/catch-up.js";
import type { CatchUpContext } from "../pipeline/catch-up.js";
import { defaultStateDir } from "../config/state-dir.js";
import { LockBusyError } from "../state/lock.js";
import { discoverSessions } from "../transcript/discover.js";
import type { DiscoveryResult } from "../transcript/discover.js";
import { oneLine } from "../util/terminal-safe.js";
import { SOURCE_OPTIONS, UsageError, boolOpt, parseOptions, stringOpt } from "./args.js";
import { EXPORT_OPTIONS, resolveDestinationsOption, resolveTargetOption } from "./export-options.js";
import type { CliIO } from "./output.js";
import { EXIT } from "./output.js";
import { resolveSourceOptions } from "./source-options.js";
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
  --endpoint, --protocol, --output-dir, --console, --state-dir, --destinations   as for "replay"
  --since, --until, --project, --session, --projects-dir, --timezone, --config   as for "report"

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

function numberOpt(text: string | undefined, name: string, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number >= ${min}, got "${text}"`);
  return n;
}

/** Points of a session's complete units not yet counted on the in-process /metrics endpoint. */
function newPoints(session: Session, finished: boolean, counted: Map<string, Set<string>>) {
  const seen = counted.get(session.sessionId) ?? new Set<string>();
  counted.set(session.sessionId, seen);
  const complete = completeUnitKeys(session, finished);
  const fresh = sessionToMetricPoints(session, { final: finished }).filter((p) => complete.has(p.unitKey) && !seen.has(p.unitKey));
  for (const p of fresh) seen.add(p.unitKey);
  return fresh;
}

export async function watchCommand(argv: string[], io: CliIO, signal?: AbortSignal): Promise<number> {
  const p = parseOptions(argv, OPTIONS);
  if (boolOpt(p, "help")) {
    io.out(WATCH_HELP);
    return EXIT.ok;
  }
  const pollMs = numberOpt(stringOpt(p, "poll-seconds"), "poll-seconds", 2, 0.05) * 1000;
  const idleMs = numberOpt(stringOpt(p, "idle-minutes"), "idle-minutes", 30, 0) * 60_000;
  const portText = stringOpt(p, "prometheus-port");
  const port = portText === undefined ? undefined : numberOpt(portText, "prometheus-port", 0, 0);
  const target = resolveTargetOption(p, io);
  const source = await resolveSourceOptions(p, io);
  const stateDir = stringOpt(p, "state-dir") ?? defaultStateDir(io.env);
  const sink = createSink(target, { write: io.out, env: io.env });
  const products = resolveDestinationsOption(p, io, source.config);
  const plan = { captureContent: captureContentFromEnv(io.env), destinations: destinationOptionsFromResource(resourceAttributes(io.env), packageVersion(), products) };
  const counted = new Map<string, Set<string>>();
  let endpoint: PrometheusEndpoint | undefined;
  if (port !== undefined) {
    endpoint = await startPrometheusEndpoint(port, stringOpt(p, "prometheus-host") ?? "127.0.0.1");
    // /metrics starts from the whole history, so its counters are totals, not "since watch started".
    await scanSessions(source.projectsDir, source.filter, source.pricer, (session) => {
      const finished = Date.now() - session.endTime > idleMs;
      endpoint?.record(newPoints(session, finished, counted));
    });
    io.err(`watch: serving Prometheus metrics on ${endpoint.url}\n`);
  }
  io.err(`watch: ${oneLine(source.projectsDir)} → ${oneLine(sink.description)}\n`);

  const waker = startWaker(source.projectsDir, signal);
  const seen: Seen = { lastMtime: new Map(), finalized: new Set(), counted };
  const once = boolOpt(p, "once");
  let failures = 0;
  try {
    while (!waker.stopped) {
      const drained = await drainOutboxFirst(target, io.env);
      if (drained.kind === "blocked") {
        // Queued hook requests go first (metric windows in order); export when they have.
        io.err(`watch: ${drained.remaining} requests queued by the hooks are not delivered yet (${oneLine(drained.error)}); waiting\n`);
        if (once) return EXIT.failed;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
        continue;
      }
      const ctx = { stateDir, pricer: source.pricer, filter: source.filter, sink, idleMs, plan };
      failures += await catchUpChanged(await discoverSessions(source.projectsDir), ctx, seen, { io, endpoint, stopped: () => waker.stopped });
      if (once) break;
      await waker.sleep(pollMs);
    }
  } finally {
    waker.close();
    await sink.shutdown();
    await endpoint?.stop();
  }
  return once && failures > 0 ? EXIT.failed : EXIT.ok;
}

/** What watch remembers between passes. */
interface Seen {
  /** A session's transcript mtime when it was last caught up. */
  readonly lastMtime: Map<string, number>;
  /** Sessions whose final units went out. */
  readonly finalized: Set<string>;
  /** Units already counted on /metrics, per session. */
  readonly counted: Map<string, Set<string>>;
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
      for (const w of outcome.warnings) io.err(`claude-code-otel: warning: ${oneLine(w)}\n`);
      if (outcome.kind === "exported") {
        out.endpoint?.record(newPoints(outcome.session, outcome.finished, seen.counted));
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
