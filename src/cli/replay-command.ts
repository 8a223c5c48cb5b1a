import { otelHome } from "../config/config-file.js";
import { stateFoldersProblem } from "../config/state-dir.js";
import { hooksDestination } from "../delivery/destination.js";
import { adoptLegacyState } from "../pipeline/adopt-legacy-state.js";
import { kickFlusher } from "../pipeline/kick-flusher.js";
import type { BatchedOutcome } from "../pipeline/catch-up.js";
import type { KnownDestination } from "../pipeline/destination-pass.js";
import { knownDestinations } from "../pipeline/destination-pass.js";
import type { ConsoleTarget } from "../config/export-target.js";
import type { Destination } from "../delivery/destination.js";
import type { ReplayResult } from "../pipeline/replay.js";
import { replayResolved } from "../pipeline/replay.js";
import { resolveReplayOptions } from "../pipeline/replay-options.js";
import { bytes } from "../report/format.js";
import { foldModelWarnings } from "../util/model-warnings.js";
import { oneLine } from "../util/terminal-safe.js";
import type { Parsed } from "./args.js";
import { SOURCE_OPTIONS, UsageError, boolOpt, numberOpt, parseOptions, stringOpt } from "./args.js";
import { EXPORT_OPTIONS, resolveDestinationOption, resolveSettingsOption } from "./export-options.js";
import type { CliIO } from "./output.js";
import { EXIT } from "./output.js";
import { createProgress, emptyCounters } from "./replay-progress.js";
import { resolveSourceOptions } from "./source-options.js";

export const REPLAY_HELP = `Usage: claude-code-otel replay [options]

Sends Claude Code sessions from their transcripts as OpenTelemetry traces and metrics.
Incremental and exactly-once: what was already sent (by replay, watch or hooks) is not sent again.

Destination (option, then OTEL_EXPORTER_OTLP_* variables, then the config file's "otlp" section
where the hooks send, then files). What each destination received is recorded for it alone:
  --endpoint <url>       OTLP/HTTP base URL, e.g. http://localhost:4318
  --protocol <p>         http/protobuf (default) or http/json
  --output-dir <dir>     with no endpoint: write OTLP JSON lines here (default ~/.claude/otel)
  --console              print spans and metric totals; records nothing (not a destination)
  --destinations <list>  products whose attributes spans carry: langfuse, langsmith, all (default)
                         or none; else $CLAUDE_CODE_OTEL_DESTINATIONS or "destinations" in the config
  --metric-session-id    put session.id on every metric point (opt-in: one series per session,
                         high cardinality); else $CLAUDE_CODE_OTEL_METRIC_SESSION_ID=1 or
                         "metricSessionId": true in the config

Selection:
  --since, --until <YYYY-MM-DD>, --project <name>, --session <id>, --projects-dir <dir>,
  --timezone <tz>, --config <file>, --cost-source <s>   as for "report"

Behaviour:
  --idle-minutes <n>     a transcript idle this long is a finished session (default 30)
  --full                 ignore what this destination received: re-send everything (same span
                         ids; metrics are counted again, so use it for a fresh backend)
  --dry-run              count what would be sent; send nothing, record nothing
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

/** Each worker holds its own heap (~150 MB at its peak): a bound on what --jobs may ask. */
const MAX_JOBS = 32;

function numberOption(p: Parsed): { idleMinutes: number; jobs: number | undefined } {
  const idleText = stringOpt(p, "idle-minutes");
  const idleMinutes = idleText === undefined ? 30 : Number(idleText);
  if (!Number.isFinite(idleMinutes) || idleMinutes < 0) throw new UsageError(`--idle-minutes must be a number of minutes, got "${idleText}"`);
  return { idleMinutes, jobs: numberOpt(p, "jobs", { min: 1, max: MAX_JOBS, integer: true }) };
}

/** What to do about a failure, in one line. */
function failureMessage(r: ReplayResult, label: string): string {
  const kept = r.delivery.remaining > 0 ? `; ${r.delivery.remaining} requests kept in the outbox for the next replay or flush` : "";
  const f = r.failure;
  if (f === undefined) return "";
  switch (f.kind) {
    case "auth":
      return `${f.message}: set the headers (OTEL_EXPORTER_OTLP_HEADERS, or "otlp.headers" in the config file through install --header)${kept}`;
    case "endpoint":
      return `${f.message}: give the base URL of the OTLP/HTTP receiver (e.g. http://127.0.0.1:4318, without /v1/traces)${kept}`;
    case "unreachable":
    case "budget":
      return `export to ${label} failed: ${f.message}${kept}; run replay again when it is reachable`;
    case "busy":
      return `${f.message}; try again when it is done`;
    case "write":
      return `${f.message}; nothing unrecorded was sent${kept}`;
  }
}

export async function replayCommand(argv: string[], io: CliIO): Promise<number> {
  const p = parseOptions(argv, OPTIONS);
  if (boolOpt(p, "help")) {
    io.out(REPLAY_HELP);
    return EXIT.ok;
  }
  const { idleMinutes, jobs } = numberOption(p);
  // Workers load their own prices: this thread needs them only when it exports itself.
  const source = await resolveSourceOptions(p, io, { lazyPrices: true, zoneOnlyForDays: true });
  const destination = resolveDestinationOption(p, io, source.config);
  const settings = resolveSettingsOption(p, io, source.config);
  const stateDir = settings.stateDir;
  const dryRun = boolOpt(p, "dry-run");
  // Where this run records what it sent: none for the console or a dry run (learned rates included).
  const recorded = destination.kind === "console" || dryRun ? undefined : destination;
  if (recorded !== undefined) {
    const refused = stateFoldersProblem(io.env, stateDir);
    if (refused !== undefined) throw new Error(refused);
    const adopted = await adoptLegacyState(stateDir, otelHome(io.env), hooksDestination(io.env, source.config));
    if (adopted !== undefined)
      io.err(`replay: state of an earlier version (${adopted.ledgers} ledgers, ${adopted.requests} queued requests) now belongs to where the hooks send\n`);
  }
  const others = destination.kind === "console" ? [] : knownDestinations(stateDir).filter((d) => d.key !== destination.key);
  const started = Date.now();
  const counters = emptyCounters();
  const progress = createProgress(io.err, io.errIsTTY && !source.verbose, io.columns);
  const onOutcome = (o: BatchedOutcome): void => {
    counters.files += o.files;
    if (o.kind === "unchanged") counters.skipped++;
    else counters.bytes += o.bytes;
    if (o.kind === "exported") {
      counters.sessions++;
      counters.spans += o.result.spans;
      counters.points += o.result.points;
      if (source.verbose) io.err(`replay: ${o.sessionId} ${o.project}: ${o.result.spans} spans, ${o.result.points} points${o.finished ? " (finished)" : ""}\n`);
    }
    progress.update(counters);
  };
  let result: ReplayResult;
  try {
    const options = {
      projectsDir: source.projectsDir,
      filter: source.filter,
      destination,
      prices: source.prices,
      idleMs: idleMinutes * 60_000,
      full: boolOpt(p, "full"),
      dryRun,
      ...(jobs !== undefined ? { jobs } : {}),
      env: io.env,
      write: io.out,
      onOutcome,
      onRejected: (name: string, error: string) => io.err(`claude-code-otel: warning: the destination refused request ${name} for good (${oneLine(error)}); set aside\n`),
    };
    // The state dir, resource, content, products and session.id label as resolved with the config file.
    result = await replayResolved(resolveReplayOptions(options, settings));
  } finally {
    progress.done();
    if (recorded !== undefined) source.saveLearned();
  }
  if (recorded !== undefined) kickFlusher(io.env, recorded.key, source.config);
  return printResult(result, { io, destination, dryRun, idleMinutes, others, started, projectsDir: source.projectsDir });
}

/** The replay's summary on stdout, its warnings and failure on stderr; the exit code. */
function printResult(
  result: ReplayResult,
  r: { io: CliIO; destination: Destination | ConsoleTarget; dryRun: boolean; idleMinutes: number; others: readonly KnownDestination[]; started: number; projectsDir: string },
): number {
  const { io, destination, dryRun, idleMinutes, others, started } = r;
  const warnings = foldModelWarnings(result.warnings);
  for (const w of warnings) io.err(`claude-code-otel: warning: ${oneLine(w)}\n`);
  if (result.drained > 0) io.err(`replay: delivered ${result.drained} requests queued earlier (by the hooks or an earlier run) first\n`);
  const label = destination.kind === "console" ? "the console" : destination.label;
  if (result.failure !== undefined) {
    io.err(`claude-code-otel replay: ${oneLine(failureMessage(result, label))}\n`);
    return EXIT.failed;
  }
  if (result.matched === 0) {
    io.err(`claude-code-otel: no Claude Code sessions found in ${oneLine(r.projectsDir)}\n`);
    return EXIT.noInput;
  }
  const seconds = Math.max(0.001, (Date.now() - started) / 1000);
  const verb = dryRun ? "would send" : destination.kind === "console" ? "printed" : "sent";
  io.out(
    `replay: ${result.matched} sessions (${result.unchanged} unchanged), ${verb} ${result.spans} spans and ${result.points} metric points` +
      ` in ${seconds.toFixed(1)} s; read ${bytes(result.bytes)} (${bytes(result.bytes / seconds)}/s); ${warnings.length} warnings\n`,
  );
  if (destination.kind !== "console") {
    io.out(`replay: destination: ${oneLine(label)}\n`);
    if (result.firstTime && others.length > 0 && !dryRun) {
      io.out(
        `replay: first replay to this destination; what was sent before to ${others.map((o) => oneLine(o.label)).join(", ")} is sent here too (each destination keeps its own record)\n`,
      );
    }
  }
  if (result.delivery.split > 0) io.out(`replay: ${result.delivery.split} requests were larger than the destination takes, and were split\n`);
  if (result.leftOpen > 0) {
    io.out(
      `replay: ${result.leftOpen} sessions left open (active within the last ${idleMinutes} minutes, no SessionEnd): their end goes out with a later replay, watch or their hooks\n`,
    );
  }
  return EXIT.ok;
}
