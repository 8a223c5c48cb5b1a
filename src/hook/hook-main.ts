/**
 * `claude-code-otel hook`: what Claude Code runs on every hook event, one JSON object on stdin.
 *
 * Contract with Claude Code: exit 0 always, print nothing on stdout (cost alerts are a separate,
 * synchronous Stop hook: alerts-main.ts), never wait on the network. So the hook only records a small trigger in the spool and,
 * unless a flusher is already running, spawns a detached `flush --spool` that does the real work
 * (transcript, mapping, outbox, network) after the hook has exited.
 *
 * Loaded by bin/claude-code-otel.js through a lazy import, without the CLI, the OTel SDK or
 * genai-prices: keep this module's imports small.
 */
import type * as ChildProcessModule from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { defaultConfigPath, loadConfig, otelHome } from "../config/config-file.js";
import { resolveLingerMs } from "../config/flusher-linger.js";
import { clearSpawnToken, claimSpawn, flusherRunning } from "./flush-lock.js";
import type { HookLog } from "./hook-log.js";
import { codeOf, createHookLog, resolveLogLevel } from "./hook-log.js";
import { parseHookInput } from "./payload.js";
import type { HookPayload } from "./payload.js";
import { triggerFor, writeTrigger } from "./spool.js";
import { privateDirProblem } from "../util/private-fs.js";
import type { StdinResult } from "./stdin.js";
import { MAX_STDIN_BYTES, readProcessStdin, STDIN_TIMEOUT_MS } from "./stdin.js";

export interface HookRunOptions {
  /** Claude Code's payload: `readProcessStdin` in the process, a stream reader in tests. */
  readonly readStdin: () => Promise<StdinResult>;
  readonly env: NodeJS.ProcessEnv;
  /** Spawns the detached flusher; replaceable in tests. */
  readonly spawnFlusher?: (stateHome: string, env: NodeJS.ProcessEnv) => void;
  readonly now?: () => number;
}

const BIN = fileURLToPath(new URL("../../bin/claude-code-otel.js", import.meta.url));

/** `node <bin> flush --spool`, detached, no stdio (so Claude Code's pipes close when we exit), unref'd. */
export function spawnDetachedFlusher(stateHome: string, env: NodeJS.ProcessEnv): void {
  // Loaded only when a flusher is spawned: node:child_process costs every hook ~4 ms otherwise.
  const { spawn } = createRequire(import.meta.url)("node:child_process") as typeof ChildProcessModule;
  const child = spawn(process.execPath, [BIN, "flush", "--spool"], { detached: true, stdio: "ignore", cwd: stateHome, env });
  child.on("error", () => undefined);
  child.unref();
}

function describe(p: HookPayload): string {
  const parts = [p.event === "unknown" ? `unknown event ${JSON.stringify(p.name.slice(0, 60))}` : p.event, `session ${p.sessionId}`];
  if ("toolUseId" in p && p.toolUseId !== undefined) parts.push(`tool ${p.toolUseId}`);
  if ("durationMs" in p && p.durationMs !== undefined) parts.push(`${p.durationMs} ms`);
  return parts.join(" ");
}

/** Spawns a flusher unless one runs or another hook is starting one. Throws on I/O errors. */
function ensureFlusher(stateHome: string, env: NodeJS.ProcessEnv, options: HookRunOptions, log: HookLog): void {
  if (flusherRunning(stateHome) || !claimSpawn(stateHome)) return;
  try {
    (options.spawnFlusher ?? spawnDetachedFlusher)(stateHome, env);
    log.debug("flusher spawned");
  } catch (error) {
    clearSpawnToken(stateHome);
    throw error;
  }
}

/**
 * A home we must not use (another user's folder, or one others can write: they could plant the
 * config that says where data goes, or links where we write) is said in the default home's log
 * when that one is fine, since the refused home's own log is no place to write.
 */
function refuseHome(env: NodeJS.ProcessEnv, stateHome: string, problem: string): void {
  const fallback = otelHome({ ...env, CLAUDE_CODE_OTEL_HOME: undefined });
  if (fallback === stateHome || privateDirProblem(fallback) !== undefined) return;
  createHookLog(fallback, "error", "hook").error(`refusing CLAUDE_CODE_OTEL_HOME: ${problem}; nothing recorded (run claude-code-otel doctor)`);
}

/** The whole hook. Never throws; returns when the process may exit (with code 0). */
export async function runHook(options: HookRunOptions): Promise<void> {
  const env = options.env;
  const now = options.now ?? Date.now;
  const stateHome = otelHome(env);
  const problem = privateDirProblem(stateHome);
  if (problem !== undefined) {
    // Claude Code's payload is still read (a writer must not meet a closed pipe), then dropped.
    await options.readStdin().catch(() => undefined);
    refuseHome(env, stateHome, problem);
    return;
  }
  let log: HookLog = createHookLog(stateHome, "warn", "hook");
  try {
    const config = loadConfig(defaultConfigPath(env));
    log = createHookLog(stateHome, resolveLogLevel(env, config.raw["logLevel"]), "hook");
    for (const e of config.errors) log.warn(e);

    const input = await options.readStdin();
    if (input.truncated) {
      // A cut JSON object never parses: no point spending JSON.parse on up to 16 MiB of it.
      log.warn(`stdin larger than ${MAX_STDIN_BYTES} bytes (${input.bytes}): payload dropped`);
      return;
    }
    if (input.timedOut) log.warn(`stdin not closed within ${STDIN_TIMEOUT_MS} ms: using the ${input.bytes} bytes read`);
    const parsed = parseHookInput(input.text);
    if (!parsed.ok) {
      log.warn(`ignored hook input: ${parsed.reason}`);
      return;
    }
    const payload = parsed.payload;
    const trigger = triggerFor(payload, now());
    if (trigger === undefined) {
      log.debug(`${describe(payload)}: nothing to export`);
      // A turn begins: a flusher that lingers is warm when its first tool call ends.
      if ((payload.event === "UserPromptSubmit" || payload.event === "SessionStart") && resolveLingerMs(env, config.raw) > 0) {
        try {
          ensureFlusher(stateHome, env, options, log);
        } catch (error) {
          log.warn(`${describe(payload)}: cannot start a flusher ahead of the turn (${codeOf(error)})`);
        }
      }
    } else {
      try {
        writeTrigger(stateHome, trigger);
        log.debug(`${describe(payload)}: spooled`);
        ensureFlusher(stateHome, env, options, log);
      } catch (error) {
        log.error(`${describe(payload)}: cannot spool (${codeOf(error)}); the transcript still holds it for the next flush or replay`);
      }
    }
  } catch (error) {
    log.error(`hook failed: ${codeOf(error)}`);
  }
}

/** Process entry used by bin/claude-code-otel.js: exit 0 whatever happens. */
export async function hookProcess(): Promise<void> {
  const exit = (): never => process.exit(0);
  process.on("uncaughtException", exit);
  process.on("unhandledRejection", exit);
  await runHook({
    readStdin: () => readProcessStdin(),
    env: process.env,
  });
  // Explicit exit: a stdin left open by the caller must not keep the hook alive.
  exit();
}
