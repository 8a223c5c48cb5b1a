import type { Session } from "../model/types.js";
import { captureContentFromEnv } from "../otel/content.js";
import { ExportConfigError, resolveExportTarget } from "../otel/export-config.js";
import { createSink } from "../otel/exporters.js";
import { exportSession, cursorsOf } from "../pipeline/export-session.js";
import { matchesSession, matchesSource } from "../pipeline/scan-sessions.js";
import { buildSession } from "../model/build-session.js";
import { quickStat, unchanged } from "../state/cursor.js";
import { LockBusyError } from "../state/lock.js";
import type { SessionState } from "../state/session-state.js";
import { loadSessionState } from "../state/session-state.js";
import { defaultStateDir } from "../state/state-dir.js";
import type { SessionSource } from "../transcript/discover.js";
import { discoverSessions } from "../transcript/discover.js";
import { loadSession } from "../transcript/load-session.js";
import { UNIT } from "../otel/units.js";
import { oneLine } from "../util/terminal-safe.js";
import { SOURCE_OPTIONS, UsageError, boolOpt, parseOptions, stringOpt } from "./args.js";
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

Selection:
  --since, --until <YYYY-MM-DD>, --project <name>, --session <id>, --projects-dir <dir>,
  --timezone <tz>, --config <file>   as for "report"

Behaviour:
  --idle-minutes <n>     a transcript idle this long is a finished session (default 30)
  --full                 ignore cursors and ledgers: re-send everything (same span ids;
                         metrics are counted again, so use it for a fresh backend)
  --dry-run              count what would be sent; send nothing, change nothing
  --state-dir <dir>      ledgers and cursors (default $CLAUDE_CODE_OTEL_STATE_DIR or ~/.claude/otel/state)
  -v, --verbose          per-session lines on stderr

Content (prompts, tool inputs) is sent only with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true,
and always redacted.
`;

const OPTIONS = {
  ...SOURCE_OPTIONS,
  endpoint: { type: "string" },
  protocol: { type: "string" },
  "output-dir": { type: "string" },
  console: { type: "boolean" },
  "idle-minutes": { type: "string" },
  full: { type: "boolean" },
  "dry-run": { type: "boolean" },
  "state-dir": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function filesOf(source: SessionSource): string[] {
  return [...(source.mainFile === undefined ? [] : [source.mainFile]), ...source.agentFiles.map((a) => a.path)];
}

function sessionDone(state: SessionState): boolean {
  return state.spanUnits.includes(UNIT.session) && state.metricUnits.includes(UNIT.session);
}

/** Nothing to do when every file is as last exported and no new unit can have become complete. */
async function canSkip(state: SessionState, files: readonly string[], idle: boolean): Promise<boolean> {
  if (files.length === 0 || Object.keys(state.files).length !== files.length) return false;
  for (const f of files) if (!unchanged(state.files[f], await quickStat(f))) return false;
  return sessionDone(state) || !idle;
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
  let target;
  try {
    target = resolveExportTarget(
      { endpoint: stringOpt(p, "endpoint"), protocol: stringOpt(p, "protocol"), outputDir: stringOpt(p, "output-dir"), console: boolOpt(p, "console") },
      io.env,
    );
  } catch (error) {
    if (error instanceof ExportConfigError) throw new UsageError(error.message);
    throw error;
  }
  const source = await resolveSourceOptions(p, io);
  const stateDir = stringOpt(p, "state-dir") ?? defaultStateDir(io.env);
  const full = boolOpt(p, "full");
  const dryRun = boolOpt(p, "dry-run");
  const captureContent = captureContentFromEnv(io.env);
  const sink = createSink(target, { write: io.out });
  const started = Date.now();
  const counters = emptyCounters();
  const progress = createProgress(io.err, io.errIsTTY && !source.verbose, io.columns);
  const warnings: string[] = [];
  let matched = 0;
  let failure: string | undefined;

  try {
    const discovery = await discoverSessions(source.projectsDir);
    for (const u of discovery.unreadable) warnings.push(`cannot read ${u.path}: ${u.reason}`);
    const candidates = discovery.sessions.filter((s) => matchesSource(s, source.filter));
    counters.totalFiles = candidates.reduce((n, s) => n + filesOf(s).length, 0);
    for (const src of candidates) {
      const files = filesOf(src);
      const idle = Date.now() - src.mtimeMs > idleMinutes * 60_000;
      const loadedState = await loadSessionState(stateDir, src.sessionId);
      if (loadedState.rebuilt !== undefined) warnings.push(`${src.sessionId}: state file was unusable (${loadedState.rebuilt}); rebuilt`);
      if (!full && (await canSkip(loadedState.state, files, idle))) {
        counters.files += files.length;
        counters.skipped++;
        matched++;
        progress.update(counters);
        continue;
      }
      const cursors = await cursorsOf(files);
      const loaded = await loadSession(src);
      counters.files += files.length;
      counters.bytes += loaded.stats.bytes;
      for (const u of loaded.unreadable) warnings.push(`cannot read ${u.path}: ${u.reason}`);
      if (loaded.input.main.length === 0 && loaded.input.agents.every((a) => a.lines.length === 0)) continue;
      const session: Session = buildSession(loaded.input, source.pricer);
      if (!matchesSession(session, source.filter)) continue;
      matched++;
      counters.sessions++;
      for (const w of session.warnings) warnings.push(`${session.sessionId}: ${w}`);
      const result = await exportSession(session, sink, {
        stateDir,
        full,
        dryRun,
        cursors,
        plan: { final: idle, captureContent },
      });
      if (result.rebuilt !== undefined) warnings.push(`${session.sessionId}: state file was unusable (${result.rebuilt}); rebuilt`);
      counters.spans += result.spans;
      counters.points += result.points;
      if (source.verbose) io.err(`replay: ${session.sessionId} ${session.project}: ${result.spans} spans, ${result.points} points${idle ? " (finished)" : ""}\n`);
      progress.update(counters);
      if (!result.ok) {
        failure = result.error;
        break;
      }
    }
  } catch (error) {
    if (!(error instanceof LockBusyError)) throw error;
    failure = `${error.message}; another replay, watch or hook is exporting the same session, try again`;
  } finally {
    progress.done();
    await sink.shutdown();
  }

  for (const w of warnings) io.err(`claude-code-otel: warning: ${oneLine(w)}\n`);
  if (failure !== undefined) {
    io.err(`claude-code-otel replay: export to ${oneLine(sink.description)} failed: ${oneLine(failure)}; nothing more was recorded as sent, run replay again when it is reachable\n`);
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
