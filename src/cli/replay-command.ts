import { existsSync } from "node:fs";
import { captureContentFromEnv } from "../mapping/content.js";
import { destinationOptionsFromResource } from "../mapping/destinations/context.js";
import { packageVersion, resourceAttributes } from "../sdk/resource-attributes.js";
import { createLazySink } from "../delivery/lazy-sink.js";
import { matchesSource } from "../pipeline/session-filter.js";
import { drainOutboxFirst } from "../delivery/drain-outbox.js";
import { availableParallelism } from "node:os";
import { loadPriceLibrary } from "../cost/price-request.js";
import type { CatchUpWorkerPool } from "../pipeline/catch-up-in-workers.js";
import type { WorkerSettings } from "../pipeline/catch-up-protocol.js";
import type { BatchedOutcome } from "../pipeline/catch-up.js";
import { ReplaySkipCheck } from "../pipeline/replay-skip-check.js";
import type { SessionSource } from "../transcript/discover.js";
import { fileCount } from "../transcript/discover.js";
import { LockBusyError } from "../state/lock.js";
import { defaultStateDir, sessionsDir } from "../config/state-dir.js";
import { discoverSessions } from "../transcript/discover.js";
import { oneLine } from "../util/terminal-safe.js";
import { SOURCE_OPTIONS, UsageError, boolOpt, parseOptions, stringOpt } from "./args.js";
import { EXPORT_OPTIONS, resolveDestinationsOption, resolveTargetOption } from "./export-options.js";
import type { CliIO } from "./output.js";
import { EXIT } from "./output.js";
import { createProgress, emptyCounters, mb } from "./replay-progress.js";
import { resolveSourceOptions } from "./source-options.js";

export const REPLAY_HELP = `Usage: claude-code-otel replay [options]

Sends Claude Code sessions from their transcripts as OpenTelemetry traces and metrics.
Incremental and exactly-once: what was already sent (by replay, watch or hooks) is not sent again.

Destination (option, then OTEL_EXPORTER_OTLP_* variables, then files):
  --endpoint <url>       OTLP/HTTP base URL, e.g. http://localhost:4318
  --protocol <p>         http/protobuf (default) or http/json
  --output-dir <dir>     with no endpoint: write OTLP JSON lines here (default ~/.claude/otel)
  --console              print spans and metric totals instead of exporting
  --destinations <list>  products whose attributes spans carry: langfuse, langsmith, all (default)
                         or none; else $CLAUDE_CODE_OTEL_DESTINATIONS or "destinations" in the config

Selection:
  --since, --until <YYYY-MM-DD>, --project <name>, --session <id>, --projects-dir <dir>,
  --timezone <tz>, --config <file>   as for "report"

Behaviour:
  --idle-minutes <n>     a transcript idle this long is a finished session (default 30)
  --full                 ignore cursors and ledgers: re-send everything (same span ids;
                         metrics are counted again, so use it for a fresh backend)
  --dry-run              count what would be sent; send nothing, change nothing
  --jobs <n>             worker threads reading and exporting sessions side by side, 1 to 32
                         (default: one per core, at most 4, for 64 MB of transcripts or more; each
                         takes ~150 MB at its peak). Only for an OTLP endpoint or --dry-run: files
                         and the console are written by this process alone
  --state-dir <dir>      ledgers and cursors (default $CLAUDE_CODE_OTEL_STATE_DIR or ~/.claude/otel/state)
  -v, --verbose          per-session lines on stderr

Content (prompts, tool inputs) is sent only with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true,
and always redacted.
`;

const OPTIONS = {
  ...SOURCE_OPTIONS,
  ...EXPORT_OPTIONS,
  full: { type: "boolean" },
  "dry-run": { type: "boolean" },
  jobs: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Below this much transcript, a worker's start (~0.2 s of module loading) costs more than it saves. */
const WORKERS_FROM_BYTES = 64 * 1024 * 1024;
const MAX_AUTO_JOBS = 4;
/** Each worker holds its own heap (~150 MB at its peak): a bound on what --jobs may ask. */
const MAX_JOBS = 32;

/**
 * Worker threads for this replay: as asked, else one per core (at most 4) when there is enough to
 * read and the destination takes concurrent writers (an OTLP endpoint; --dry-run sends nothing).
 * Files and the console are written by this process alone, in order.
 */
function jobsFor(candidates: readonly SessionSource[], asked: number | undefined, parallelTarget: boolean): number {
  if (!parallelTarget || candidates.length < 2) return 1;
  if (asked !== undefined) return asked;
  const bytes = candidates.reduce((n, s) => n + s.bytes, 0);
  return bytes >= WORKERS_FROM_BYTES ? autoJobs() : 1;
}

function autoJobs(): number {
  return Math.min(availableParallelism(), MAX_AUTO_JOBS);
}

export async function replayCommand(argv: string[], io: CliIO): Promise<number> {
  const p = parseOptions(argv, OPTIONS);
  if (boolOpt(p, "help")) {
    io.out(REPLAY_HELP);
    return EXIT.ok;
  }
  const idleText = stringOpt(p, "idle-minutes");
  const idleMinutes = idleText === undefined ? 30 : Number(idleText);
  if (!Number.isFinite(idleMinutes) || idleMinutes < 0) throw new UsageError(`--idle-minutes must be a number of minutes, got "${idleText}"`);
  const jobsText = stringOpt(p, "jobs");
  const jobsAsked = jobsText === undefined ? undefined : Number(jobsText);
  if (jobsAsked !== undefined && !(Number.isInteger(jobsAsked) && jobsAsked >= 1 && jobsAsked <= MAX_JOBS))
    throw new UsageError(`--jobs must be a whole number from 1 to ${MAX_JOBS}, got "${jobsText}"`);
  const target = resolveTargetOption(p, io);
  // Workers load their own prices: this thread needs them only when it exports itself.
  const source = await resolveSourceOptions(p, io, { lazyPrices: true, zoneOnlyForDays: true });
  const products = resolveDestinationsOption(p, io, source.config);
  const stateDir = stringOpt(p, "state-dir") ?? defaultStateDir(io.env);
  const full = boolOpt(p, "full");
  const dryRun = boolOpt(p, "dry-run");
  const captureContent = captureContentFromEnv(io.env);
  if (!dryRun) {
    const drained = await drainOutboxFirst(target, io.env);
    if (drained.kind === "blocked") {
      io.err(
        `claude-code-otel replay: ${drained.remaining} requests queued by the hooks must reach the collector first (${oneLine(drained.error)}); nothing was sent, run replay again when it is reachable\n`,
      );
      return EXIT.failed;
    }
    if (drained.sent > 0) io.err(`replay: delivered ${drained.sent} requests the hooks had queued\n`);
  }
  // The exporters load on the first export: a replay with nothing new never loads the SDK.
  const sink = createLazySink(target, { write: io.out, env: io.env });
  const started = Date.now();
  const counters = emptyCounters();
  const progress = createProgress(io.err, io.errIsTTY && !source.verbose, io.columns);
  const warnings: string[] = [];
  let matched = 0;
  let failure: string | undefined;
  const settings = {
    stateDir,
    filter: source.filter,
    idleMs: idleMinutes * 60_000,
    plan: { captureContent, destinations: destinationOptionsFromResource(resourceAttributes(io.env), packageVersion(), products) },
    full,
    dryRun,
  };
  const workerSettings: WorkerSettings = { ...settings, target, prices: source.prices };
  const parallelTarget = target.kind === "otlp" || dryRun;
  const skip = new ReplaySkipCheck(settings);
  // A first replay (no state at all) or --full reads every session: when discovery has seen enough
  // bytes to want workers (any, with --jobs), they start there and load (~0.1 s) while discovery
  // goes on. Not on an empty index beside state files (an index of an older format, hooks alone
  // so far): most may well be up to date.
  const earlyJobs = jobsAsked ?? autoJobs();
  const firstReplay = full || (skip.isEmpty && !existsSync(sessionsDir(stateDir)));
  // A --session selection is one session or a few: never worth workers started blind.
  const early = parallelTarget && earlyJobs > 1 && firstReplay && source.filter.session === undefined ? await import("../pipeline/catch-up-in-workers.js") : undefined;
  let pool: CatchUpWorkerPool | undefined;
  const whenBytes = early && { bytes: jobsAsked !== undefined ? 0 : WORKERS_FROM_BYTES, then: () => (pool = early.startCatchUpWorkers(earlyJobs, workerSettings, io.env)) };
  const discovery = await discoverSessions(source.projectsDir, { keepStats: true, ...(whenBytes !== undefined ? { whenBytes } : {}) });
  for (const u of discovery.unreadable) warnings.push(`cannot read ${u.path}: ${u.reason}`);
  const candidates = discovery.sessions.filter((s) => matchesSource(s, source.filter));
  counters.totalFiles = candidates.reduce((n, s) => n + fileCount(s), 0);
  const pending: SessionSource[] = [];

  try {
    const onOutcome = (o: BatchedOutcome): void => {
      warnings.push(...o.warnings);
      counters.files += o.files;
      if (o.kind === "unchanged") {
        counters.skipped++;
        matched++;
        progress.update(counters);
        return;
      }
      counters.bytes += o.bytes;
      if (o.kind !== "exported") return;
      if (o.index !== undefined) skip.noteSaved(o.sessionId, o.index);
      matched++;
      counters.sessions++;
      counters.spans += o.result.spans;
      counters.points += o.result.points;
      if (source.verbose) io.err(`replay: ${o.sessionId} ${o.project}: ${o.result.spans} spans, ${o.result.points} points${o.finished ? " (finished)" : ""}\n`);
      progress.update(counters);
    };
    // Sessions with nothing new are settled here (a stat per file): only the rest decide on workers.
    for (const s of candidates) {
      if (!full && skip.upToDate(s)) onOutcome({ kind: "unchanged", files: fileCount(s), warnings: [] });
      else pending.push(s);
    }
    const jobs = jobsFor(pending, jobsAsked, parallelTarget);
    if (pool !== undefined && jobs === 1) {
      // Started early, not needed after all (a selection, little new): ended unused.
      const unused = pool;
      pool = undefined;
      await unused.dismiss();
    }
    let outcome: { failure: string | undefined } = { failure: undefined };
    if (pending.length === 0) {
      // Nothing new: the mapping, the prices and the SDK are never loaded.
    } else if (jobs > 1) {
      const { startCatchUpWorkers } = await import("../pipeline/catch-up-in-workers.js");
      const workers = pool ?? startCatchUpWorkers(Math.min(jobs, pending.length), workerSettings, io.env);
      pool = undefined;
      if (source.verbose) io.err(`replay: ${pending.length} sessions to read, over ${workers.size} worker threads\n`);
      outcome = await workers.run(pending, onOutcome);
    } else {
      // The mapping, the prices and (on the first export) the SDK load only when a session has something new.
      const { catchUpSessions } = await import("../pipeline/catch-up.js");
      await loadPriceLibrary();
      outcome = await catchUpSessions(pending, { ...settings, pricer: source.pricer, sink }, onOutcome);
    }
    failure = outcome.failure;
  } catch (error) {
    if (!(error instanceof LockBusyError)) throw error;
    failure = `${error.message}; another replay, watch or hook is exporting the same session, try again`;
  } finally {
    // Started early and never run (an error on the way): they would wait for sessions forever.
    await pool?.dismiss();
    progress.done();
    await sink.shutdown();
  }
  // For the next replay's skip check. Discovery saw every session of the folder, whatever the
  // selection: those it did not see have lost their transcripts.
  if (!dryRun) skip.save(pending, discovery.sessions, candidates.length === discovery.sessions.length);

  for (const w of warnings) io.err(`claude-code-otel: warning: ${oneLine(w)}\n`);
  if (failure !== undefined) {
    io.err(
      `claude-code-otel replay: export to ${oneLine(sink.description)} failed: ${oneLine(failure)}; nothing more was recorded as sent, run replay again when it is reachable\n`,
    );
    return EXIT.failed;
  }
  if (matched === 0) {
    io.err(`claude-code-otel: no Claude Code sessions found in ${oneLine(source.projectsDir)}\n`);
    return EXIT.noInput;
  }
  const seconds = Math.max(0.001, (Date.now() - started) / 1000);
  const verb = dryRun ? "would send" : target.kind === "console" ? "printed" : "sent";
  io.out(
    `replay: ${matched} sessions (${counters.skipped} unchanged), ${verb} ${counters.spans} spans and ${counters.points} metric points` +
      ` in ${seconds.toFixed(1)} s; read ${mb(counters.bytes)} MB (${mb(counters.bytes / seconds)} MB/s); ${warnings.length} warnings\n`,
  );
  if (!dryRun && target.kind !== "console") io.out(`replay: destination: ${sink.description}\n`);
  return EXIT.ok;
}
