/**
 * `claude-code-otel hook`: what Claude Code runs on every hook event, one JSON object on stdin.
 *
 * Contract with Claude Code: exit 0 always, print nothing on stdout (except what hookOutput
 * returns), never wait on the network. So the hook only records a small trigger in the spool and,
 * unless a flusher is already running, spawns a detached `flush --spool` that does the real work
 * (transcript, mapping, outbox, network) after the hook has exited.
 *
 * Loaded by bin/claude-code-otel.js through a lazy import, without the CLI, the OTel SDK or
 * genai-prices: keep this module's imports small.
 */
import { mkdirSync } from "node:fs";
import type * as ChildProcessModule from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { defaultConfigPath, loadConfig, otelHome } from "../config/config-file.js";
import { clearSpawnToken, claimSpawn, flusherRunning } from "./flush-lock.js";
import type { HookLog } from "./hook-log.js";
import { codeOf, createHookLog, resolveLogLevel } from "./hook-log.js";

export { codeOf };
import { HOOK_OUTPUT_BUDGET_MS, hookOutput } from "./hook-output.js";
import { parseHookInput } from "./payload.js";
import type { HookPayload } from "./payload.js";
import { triggerFor, writeTrigger } from "./spool.js";

/** Stdin kept for parsing; beyond it input is drained and dropped (a huge tool_response). */
export const MAX_STDIN_BYTES = 16 * 1024 * 1024;
/** Claude Code closes stdin after the payload; a terminal or a stuck pipe must not hold us. */
export const STDIN_TIMEOUT_MS = 3_000;

export interface StdinResult {
  readonly text: string;
  readonly bytes: number;
  readonly truncated: boolean;
  readonly timedOut: boolean;
}

/** Reads stdin up to `limit` bytes, draining (and dropping) the rest, within `timeoutMs`. */
export function readBoundedStdin(stream: NodeJS.ReadableStream & { isTTY?: boolean }, limit = MAX_STDIN_BYTES, timeoutMs = STDIN_TIMEOUT_MS): Promise<StdinResult> {
  return new Promise((resolve) => {
    if (stream.isTTY === true) {
      resolve({ text: "", bytes: 0, truncated: false, timedOut: false });
      return;
    }
    const chunks: Buffer[] = [];
    let kept = 0;
    let bytes = 0;
    let done = false;
    const finish = (timedOut: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream.removeAllListeners("data");
      resolve({ text: Buffer.concat(chunks, kept).toString("utf8"), bytes, truncated: bytes > kept, timedOut });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    stream.on("data", (chunk: Buffer | string) => {
      const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      bytes += b.length;
      if (kept < limit) {
        const take = Math.min(b.length, limit - kept);
        chunks.push(take === b.length ? b : b.subarray(0, take));
        kept += take;
        // Claude Code sends one object then closes; a loaded machine can deliver the EOF late.
        // A chunk ending in "}" may complete the object: if it parses, do not wait for EOF
        // (up to 1 MiB; bigger payloads are rare and a second parse of them is not free).
        if (kept <= EARLY_PARSE_MAX && endsWithBrace(b) && complete(Buffer.concat(chunks, kept))) finish(false);
      }
    });
    stream.on("end", () => finish(false));
    stream.on("error", () => finish(false));
  });
}

const EARLY_PARSE_MAX = 1024 * 1024;

function endsWithBrace(b: Buffer): boolean {
  for (let i = b.length - 1; i >= 0; i--) {
    const c = b[i] as number;
    if (c === 0x7d) return true;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  }
  return false;
}

function complete(buf: Buffer): boolean {
  try {
    JSON.parse(buf.toString("utf8"));
    return true;
  } catch {
    return false;
  }
}

export interface HookRunOptions {
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly writeStdout: (text: string) => Promise<void>;
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

async function withBudget<T>(work: () => T | Promise<T>, ms: number): Promise<{ value: T } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(work).then((value) => ({ value })),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms);
      }),
    ]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Checks what the extension point returned: one JSON object, else nothing. */
function validOutput(text: string | undefined, log: HookLog): string | undefined {
  if (text === undefined || text === "") return undefined;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === "object" && v !== null && !Array.isArray(v) && text.length <= 64 * 1024) return text.endsWith("\n") ? text : `${text}\n`;
  } catch {
    // Fall through.
  }
  log.error(`hook output dropped: not a single JSON object of at most 64 KiB (${text.length} bytes)`);
  return undefined;
}

/** The whole hook. Never throws; returns when the process may exit (with code 0). */
export async function runHook(options: HookRunOptions): Promise<void> {
  const env = options.env;
  const now = options.now ?? Date.now;
  const stateHome = otelHome(env);
  let log: HookLog = createHookLog(stateHome, "warn", "hook");
  try {
    const config = loadConfig(defaultConfigPath(env));
    log = createHookLog(stateHome, resolveLogLevel(env, config.raw["logLevel"]), "hook");
    for (const e of config.errors) log.warn(e);

    const input = await readBoundedStdin(options.stdin);
    if (input.truncated) log.warn(`stdin larger than ${MAX_STDIN_BYTES} bytes (${input.bytes}): payload dropped`);
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
    } else {
      try {
        mkdirSync(stateHome, { recursive: true, mode: 0o700 });
        writeTrigger(stateHome, trigger);
        log.debug(`${describe(payload)}: spooled`);
        if (!flusherRunning(stateHome) && claimSpawn(stateHome)) {
          try {
            (options.spawnFlusher ?? spawnDetachedFlusher)(stateHome, env);
            log.debug("flusher spawned");
          } catch (error) {
            clearSpawnToken(stateHome);
            throw error;
          }
        }
      } catch (error) {
        log.error(`${describe(payload)}: cannot spool (${codeOf(error)}); the transcript still holds it for the next flush or replay`);
      }
    }

    const output = await withBudget(() => hookOutput(payload, { stateHome, config: config.raw, env, log }), HOOK_OUTPUT_BUDGET_MS).catch((error: unknown) => {
      log.error(`hook output failed: ${codeOf(error)}`);
      return undefined;
    });
    if (output === undefined) return;
    const text = validOutput(output.value, log);
    if (text !== undefined) await options.writeStdout(text);
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
    stdin: process.stdin,
    env: process.env,
    writeStdout: (text) => new Promise<void>((resolve) => process.stdout.write(text, () => resolve())),
  });
  // Explicit exit: a stdin left open by the caller must not keep the hook alive.
  exit();
}
