/**
 * Runs the real `claude-code-otel hook` / `flush` processes (bin → dist) against a private HOME and
 * state home, with fixture transcripts copied in and hook payloads rewritten to point at them.
 */
import { ledgerDirFor } from "./destinations.js";
import { flusherIdle, flusherRunning, spawnPending } from "../../src/hook/flush-lock.js";
import { spawn } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CC_2_1_330, RECORDED_HOME, type Recording } from "./recorded-fixtures.js";
import { REPO_ROOT } from "./shared-fixtures.js";

export const BIN = join(REPO_ROOT, "bin", "claude-code-otel.js");
/** What `install` writes into Claude Code's settings: the CommonJS bin (the fast hook path). */
export const HOOK_BIN = join(REPO_ROOT, "bin", "claude-code-otel.cjs");

/** The hook runs from dist (as installed); tests need a build (npm test builds first). */
export function requireBuild(): void {
  if (!existsSync(join(REPO_ROOT, "dist", "hook", "hook-main.js")) || !existsSync(join(REPO_ROOT, "dist", "flusher", "flush.js"))) {
    throw new Error("dist/ is missing the hooks: run `npm run build` first (npm test does)");
  }
}

export interface ProcessResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export function runProcess(args: string[], env: NodeJS.ProcessEnv, stdin: string | Buffer | undefined, timeoutMs = 30_000): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
    child.stdin.on("error", () => undefined);
    if (stdin === undefined) child.stdin.end();
    else child.stdin.end(stdin);
  });
}

export const runHook = (env: NodeJS.ProcessEnv, stdin: string | Buffer | undefined): Promise<ProcessResult> => runProcess([BIN, "hook"], env, stdin);
export const runFlush = (env: NodeJS.ProcessEnv, args: string[] = []): Promise<ProcessResult> => runProcess([BIN, "flush", ...args], env, undefined, 90_000);

export interface HookWorld {
  readonly root: string;
  readonly home: string;
  readonly projects: string;
  /** CLAUDE_CODE_OTEL_HOME: config, spool, outbox, hook.log. */
  readonly otelHome: string;
  readonly stateDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** The fixture's hook payloads, paths rewritten into this world, in order. */
  readonly payloads: Record<string, unknown>[];
  writeConfig(config: Record<string, unknown>): void;
  cleanup(): void;
}

/**
 * A temp HOME holding a copy of a recording's transcripts (default: 2.1.330) and its hook
 * payloads; `sessions` (step labels such as "long") keeps only those sessions' files and payloads.
 */
export function makeHookWorld(options: { endpoint?: string; logLevel?: string; timeoutMs?: number; recording?: Recording; sessions?: readonly string[] } = {}): HookWorld {
  const recording = options.recording ?? CC_2_1_330;
  const keep = options.sessions === undefined ? undefined : new Set(options.sessions.map((label) => recording.sessionId(label)));
  const root = mkdtempSync(join(tmpdir(), "cco-hooks-"));
  const home = join(root, "home");
  const claude = join(home, ".claude");
  mkdirSync(claude, { recursive: true });
  cpSync(recording.projects, join(claude, "projects"), { recursive: true });
  // A session is `<id>.jsonl` plus, with subagents, an `<id>/` folder.
  const project = join(claude, "projects", recording.projectDir);
  for (const name of readdirSync(project)) if (keep !== undefined && !keep.has(name.replace(/\.jsonl$/, ""))) rmSync(join(project, name), { recursive: true });
  makeWritable(claude);
  const otelHome = join(root, "otel");
  const stateDir = join(otelHome, "state");
  const text = readFileSync(recording.hooks, "utf8").split(`${RECORDED_HOME}/.claude`).join(claude);
  const payloads = text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((p) => keep === undefined || keep.has(p["session_id"] as string));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env["PATH"],
    HOME: home,
    TZ: "UTC",
    CLAUDE_CODE_OTEL_HOME: otelHome,
    CLAUDE_CODE_OTEL_STATE_DIR: stateDir,
    CLAUDE_CODE_OTEL_LOG_LEVEL: options.logLevel ?? "info",
  };
  const world: HookWorld = {
    root,
    home,
    projects: join(claude, "projects"),
    otelHome,
    stateDir,
    env,
    payloads,
    writeConfig(config) {
      mkdirSync(otelHome, { recursive: true, mode: 0o700 });
      writeFileSync(join(otelHome, "config.json"), JSON.stringify(config), { mode: 0o600 });
    },
    cleanup() {
      // A flusher a late hook started can still be writing while the tree goes: stop it again, retry.
      for (let attempt = 1; ; attempt++) {
        stopFlushers(otelHome);
        try {
          rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
          return;
        } catch (error) {
          if (attempt >= 5) throw error;
        }
      }
    },
  };
  if (options.endpoint !== undefined) world.writeConfig({ otlp: { endpoint: options.endpoint, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) } });
  return world;
}

function makeWritable(dir: string): void {
  // A checkout may be read-only; the copies must be appendable like real transcripts.
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) chmodSync(join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
}

/** The outbox of the destination the world's hooks send to (its config file's endpoint, else files), entries only. */
export function outboxOf(world: HookWorld): string[] {
  let config: Record<string, unknown> = {};
  try {
    config = JSON.parse(readFileSync(join(world.otelHome, "config.json"), "utf8")) as Record<string, unknown>;
  } catch {
    config = {};
  }
  return listDir(join(ledgerDirFor(world.stateDir, {}, { ...world.env }, config), "outbox")).filter((n) => !n.startsWith("."));
}

export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Before a test removes a state home: a flusher that lingers there is asked to step aside (a
 * `.yield` in the spool, as a command-line flush does, renewed for one still starting), and
 * waited for, so that it writes nothing into a folder being removed. Bounded.
 */
export function stopFlushers(otelHome: string, timeoutMs = 10_000): void {
  const deadline = Date.now() + timeoutMs;
  const tick = new Int32Array(new SharedArrayBuffer(4));
  while ((flusherRunning(otelHome) || spawnPending(otelHome)) && Date.now() < deadline) {
    try {
      mkdirSync(join(otelHome, "spool"), { recursive: true, mode: 0o700 });
      writeFileSync(join(otelHome, "spool", ".yield"), "");
    } catch {
      return;
    }
    Atomics.wait(tick, 0, 0, 50);
  }
}

/** Waits until no flusher works (none runs, or it only lingers), nothing is announced and the spool is empty. */
export async function waitForQuiet(world: HookWorld, timeoutMs = 45_000): Promise<void> {
  await waitForQuietHome(world.otelHome, timeoutMs);
}

/**
 * The same for any state home. Triggers left with no live flusher and no fresh announcement (a
 * hook ended between announcing a flusher and spawning it: Claude Code ends pending async hooks
 * when `claude -p` exits) wait for the next hook or `flush`: after 3 s of that, return and let the
 * caller flush, as a user would.
 */
export async function waitForQuietHome(otelHome: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let stalledSince: number | undefined;
  for (;;) {
    const live = (flusherRunning(otelHome) && !flusherIdle(otelHome)) || spawnPending(otelHome);
    const spool = listDir(join(otelHome, "spool")).filter((n) => n.endsWith(".json"));
    if (!live && spool.length === 0) return;
    stalledSince = live ? undefined : (stalledSince ?? Date.now());
    if (stalledSince !== undefined && Date.now() - stalledSince > 3_000) return;
    if (Date.now() > deadline) throw new Error(`flusher not quiet after ${timeoutMs} ms: live ${live}, spool ${spool.length}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function hookLog(world: HookWorld): string {
  try {
    return readFileSync(join(world.otelHome, "hook.log"), "utf8");
  } catch {
    return "";
  }
}
