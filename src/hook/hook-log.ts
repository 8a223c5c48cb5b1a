/**
 * The hook's and flusher's diagnostics: one line per message appended to `<state home>/hook.log`.
 * Never stdout (it belongs to Claude Code), never stderr from a hook (Claude Code shows it to the
 * user on some events), never a secret: callers pass ids, paths, counts and error codes only.
 * Writing the log can fail (read-only or full disk): that is swallowed, the hook goes on.
 */
import { lstatSync, renameSync } from "node:fs";
import { inDir } from "../config/state-dir.js";
import { join } from "node:path";
import { maskUrlsIn } from "../util/mask-url.js";
import { appendPrivate } from "../util/private-fs.js";

export type LogLevel = "error" | "warn" | "info" | "debug";

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** Past this size the log is rotated to `hook.log.1` (one generation): bounded at ~2 MB. */
const MAX_LOG_BYTES = 1024 * 1024;

export const LOG_FILE = "hook.log";

export function parseLogLevel(value: unknown): LogLevel | undefined {
  if (typeof value !== "string") return undefined;
  const v = value.trim().toLowerCase();
  if (v === "error" || v === "warn" || v === "info" || v === "debug") return v;
  if (v === "warning") return "warn";
  if (v === "verbose" || v === "all") return "debug";
  if (v === "none") return "error";
  return undefined;
}

export interface HookLog {
  readonly level: LogLevel;
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

/** Keeps messages on one line and short (they come from error texts and file names), and URLs masked. */
function oneLine(message: string): string {
  const masked = maskUrlsIn(message);
  // eslint-disable-next-line no-control-regex -- control characters are what we strip
  const flat = masked.replace(/[\r\n\t]+/g, " ").replace(/[\x00-\x1f\x7f]/g, "?");
  return flat.length > 2000 ? `${flat.slice(0, 2000)}…` : flat;
}

export function createHookLog(stateHome: string, level: LogLevel, role: "hook" | "flush"): HookLog {
  const path = join(stateHome, LOG_FILE);
  let checkedSize = false;
  const write = (at: LogLevel, message: string): void => {
    if (RANK[at] > RANK[level]) return;
    try {
      if (!checkedSize) {
        checkedSize = true;
        try {
          if (lstatSync(path).size > MAX_LOG_BYTES) renameSync(path, `${path}.1`);
        } catch {
          // No log yet.
        }
      }
      const line = `${new Date().toISOString()} ${at.toUpperCase()} ${role}[${process.pid}] ${oneLine(message)}\n`;
      // On the first run the state home does not exist yet.
      // Never through a planted link, never into a FIFO: appendPrivate refuses both.
      inDir(stateHome, () => appendPrivate(path, line));
    } catch {
      // Read-only or full disk: diagnostics are best effort, the hook must go on.
    }
  };
  return {
    level,
    error: (m) => write("error", m),
    warn: (m) => write("warn", m),
    info: (m) => write("info", m),
    debug: (m) => write("debug", m),
  };
}

/** Log level: `CLAUDE_CODE_OTEL_LOG_LEVEL`, then `OTEL_LOG_LEVEL` (stripped from hooks, present for a user's `flush`), then the config's `logLevel`, then warn. */
export function resolveLogLevel(env: NodeJS.ProcessEnv, configLevel: unknown): LogLevel {
  return parseLogLevel(env["CLAUDE_CODE_OTEL_LOG_LEVEL"]) ?? parseLogLevel(env["OTEL_LOG_LEVEL"]) ?? parseLogLevel(configLevel) ?? "warn";
}

/** An error as a short code or message: never a stack, never payload content. */
export function codeOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code !== undefined ? `${code}: ${error.message.slice(0, 300)}` : error.message.slice(0, 300);
  }
  return String(error).slice(0, 300);
}
