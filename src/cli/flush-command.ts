import { defaultConfigPath, loadConfig, otelHome } from "../config/config-file.js";
import { ExportConfigError } from "../config/export-target.js";
import { LINGER_MAX_AGE_MS, resolveLingerMs } from "../config/flusher-linger.js";
import type { LingerPolicy } from "../flusher/flush.js";
import { defaultStateDir, stateFoldersProblem } from "../config/state-dir.js";
import { runFlush } from "../flusher/flush.js";
import { claimSpawn } from "../hook/flush-lock.js";
import { spawnDetachedFlusher } from "../hook/hook-main.js";
import type { JsonObject } from "../util/json.js";
import { createHookLog, resolveLogLevel } from "../hook/hook-log.js";
import { oneLine } from "../util/terminal-safe.js";
import { UsageError, boolOpt, parseOptions } from "./args.js";
import type { CliIO } from "./output.js";
import { EXIT } from "./output.js";

export const FLUSH_HELP = `Usage: claude-code-otel flush [options]

Sends what the hooks queued: turns spooled hook triggers into spans and metric points (from the
sessions' transcripts) and delivers the destination's outbox (requests it could not take earlier),
in order, byte for byte, each request within OTEL_EXPORTER_OTLP_TIMEOUT (or "otlp.timeoutMs" in
the config file; default 10 s) and the whole run within 30 s. What still cannot be sent stays in
the outbox for the next hook, flush, replay or watch.

Destination: OTEL_EXPORTER_OTLP_* variables when set, else the config file's "otlp" section
(written by "install"), else OTLP JSON files in ~/.claude/otel.

Options:
  --spool        the mode hooks spawn: quiet, never waits for another flusher, exit 0
  -h, --help
`;

const OPTIONS = {
  spool: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** A spawned flusher never outlives this, whatever it is waiting on. */
const SPAWNED_HARD_LIMIT_MS = 60_000;

/** A spawned flusher stays warm for the next triggers, and hands over to a fresh process when it gets old. */
function lingerOf(env: NodeJS.ProcessEnv, config: JsonObject): { linger?: LingerPolicy } {
  const idleMs = resolveLingerMs(env, config);
  if (idleMs === 0) return {};
  const startedMs = Date.now();
  const home = otelHome(env);
  return {
    linger: {
      idleMs,
      lastCycleStartMs: startedMs + LINGER_MAX_AGE_MS,
      hardDeadlineMs: startedMs + SPAWNED_HARD_LIMIT_MS - 5_000,
      successor: { claim: () => claimSpawn(home), start: () => spawnDetachedFlusher(home, env) },
    },
  };
}

export async function flushCommand(argv: string[], io: CliIO): Promise<number> {
  const p = parseOptions(argv, OPTIONS);
  if (boolOpt(p, "help")) {
    io.out(FLUSH_HELP);
    return EXIT.ok;
  }
  const spawned = boolOpt(p, "spool");
  const env = io.env;
  const refused = stateFoldersProblem(env, defaultStateDir(env));
  if (refused !== undefined) {
    // A spawned flusher's hook has said so in the default home's log already.
    if (spawned) return EXIT.ok;
    throw new Error(refused);
  }
  const config = loadConfig(defaultConfigPath(env));
  const log = createHookLog(otelHome(env), resolveLogLevel(env, config.raw["logLevel"]), "flush");
  if (spawned) {
    // unref: the guard must not be what keeps a finished flusher alive.
    setTimeout(() => {
      log.error(`flusher still running after ${SPAWNED_HARD_LIMIT_MS} ms: exiting; the spool and outbox keep the rest`);
      process.exit(0);
    }, SPAWNED_HARD_LIMIT_MS).unref();
  }
  let report;
  try {
    report = await runFlush({ env, log, config, lockWaitMs: spawned ? 0 : 30_000, ...(spawned ? lingerOf(env, config.raw) : {}) });
  } catch (error) {
    if (spawned) {
      log.error(`flush failed: ${error instanceof Error ? error.message : String(error)}`);
      return EXIT.ok;
    }
    if (error instanceof ExportConfigError) throw new UsageError(error.message);
    throw error;
  }
  if (spawned) return EXIT.ok;
  if (report.busy) {
    io.err("claude-code-otel flush: another flusher is still running after 30 s; it will deliver the queue\n");
    return EXIT.failed;
  }
  io.out(
    `flush: ${report.sessions} sessions, ${report.spans} spans and ${report.points} metric points queued; ` +
      `${report.sent} requests sent, ${report.remaining} left in the outbox` +
      (report.rejected > 0 ? `, ${report.rejected} refused for good by the destination and set aside` : "") +
      (report.dropped > 0 ? `, ${report.dropped} dropped (outbox full; their units go out again later)` : "") +
      `\nflush: destination: ${oneLine(report.destination)}\n`,
  );
  const f = report.failure;
  if (f !== undefined && f.kind !== "budget") {
    const advice =
      f.kind === "auth"
        ? `fix the credentials ("otlp.headers" in ${oneLine(defaultConfigPath(env))}, written by install --header)`
        : f.kind === "endpoint"
          ? `fix the endpoint ("otlp.endpoint", the base URL without /v1/traces, written by install --endpoint)`
          : "run flush again when the collector is reachable";
    io.err(`claude-code-otel flush: ${oneLine(f.message)}; ${report.remaining} requests stay in the outbox; ${advice}\n`);
    return EXIT.failed;
  }
  if (report.error !== undefined) {
    io.err(`claude-code-otel flush: ${oneLine(report.error)}; its triggers stay in the spool for the next flush\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
}
