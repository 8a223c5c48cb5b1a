import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import type { CliIO } from "../../src/cli/output.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

let testHome: string | undefined;

/**
 * Our home for runs that name none (no CLAUDE_CODE_OTEL_HOME, CLAUDE_CONFIG_DIR or HOME): a temp
 * folder per test process, so reports never read or write the developer's ~/.claude/otel cache.
 */
function defaultHome(env: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  if (env?.["CLAUDE_CODE_OTEL_HOME"] !== undefined || env?.["CLAUDE_CONFIG_DIR"] !== undefined || env?.["HOME"] !== undefined) return {};
  testHome ??= mkdtempSync(join(tmpdir(), "cco-test-home-"));
  return { CLAUDE_CODE_OTEL_HOME: testHome };
}

/** Runs the CLI in-process with captured output (no TTY, no colour unless asked). */
export async function runCli(argv: string[], options: { env?: NodeJS.ProcessEnv; color?: boolean; columns?: number } = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    isTTY: false,
    errIsTTY: false,
    color: options.color ?? false,
    env: { TZ: "UTC", ...defaultHome(options.env), ...options.env },
    columns: options.columns ?? 200,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** A CliIO that records what a command wrote, for calling commands directly. */
export function captureIO(env: NodeJS.ProcessEnv = {}): CliIO & { stdout: () => string; stderr: () => string } {
  let out = "";
  let err = "";
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    isTTY: false,
    errIsTTY: false,
    color: false,
    env: { TZ: "UTC", ...env },
    columns: 120,
    stdout: () => out,
    stderr: () => err,
  };
}

/** A temp folder holding a Claude config folder (CLAUDE_CONFIG_DIR, with its settings.json path) and our home, for install-like runs. */
export function settingsSandbox(prefix: string): { dir: string; env: NodeJS.ProcessEnv; settings: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, "claude"));
  return { dir, env: { CLAUDE_CONFIG_DIR: join(dir, "claude"), CLAUDE_CODE_OTEL_HOME: join(dir, "otel") }, settings: join(dir, "claude", "settings.json") };
}
