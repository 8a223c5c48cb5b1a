/**
 * Runs the real Claude Code CLI (the npm package `@anthropic-ai/claude-code`, a native binary)
 * non-interactively, offline, against a loopback stub of the Messages API.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { claudeCli, selectedClaudeVersion, type ClaudeCli } from "./claude-cli.js";

/** Tools the recorder allows without prompting (root may not use --dangerously-skip-permissions). */
export const ALLOWED_TOOLS = "Bash Read Write Edit Agent";

export interface RunClaudeOptions {
  /** Temporary HOME for this run; Claude Code keeps its config and transcripts under `<home>/.claude`. */
  home: string;
  /** Working directory (the "project"). Created if missing. */
  cwd: string;
  /** The prompt (`-p`). A slash command such as `/compact` works on a resumed session. */
  prompt: string;
  /** Base URL of the stub (`ANTHROPIC_BASE_URL`); must be loopback. Or pass it in `env`. */
  baseUrl?: string;
  /** `--model <id>`, e.g. `claude-sonnet-4-6`. */
  model?: string;
  /** `--resume <session-id>`. */
  resume?: string;
  /** `--continue` (most recent session in `cwd`). */
  continue?: boolean;
  /** If given, written as `<home>/.claude/settings.json` before the run (replacing it). */
  settings?: Record<string, unknown>;
  /** Extra environment variables (win over the defaults). */
  env?: Record<string, string>;
  /** Extra CLI arguments, appended last. */
  extraArgs?: string[];
  /** Kill the CLI after this long (default 60 s). */
  timeoutMs?: number;
  /** The CLI to run (default: the selected version, see claude-cli.ts). */
  cli?: ClaudeCli;
  /** `--allowedTools` (default {@link ALLOWED_TOOLS}; releases before 2.1.63 call the Agent tool `Task`). */
  allowedTools?: string;
}

export interface RunClaudeResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** `session_id` from the JSON result on stdout, when it parsed. */
  sessionId: string | undefined;
  /** The parsed JSON result (`--output-format json`), when it parsed. */
  result: Record<string, unknown> | undefined;
  timedOut: boolean;
}

/**
 * The selected CLI's executable (see claude-cli.ts: the pinned dev dependency, or
 * `CLAUDE_CODE_VERSION` from the cache), or undefined when it is not installed.
 */
export function claudeBinary(): string | undefined {
  return claudeCli()?.command;
}

/**
 * The environment a recorded run gets: nothing inherited but PATH (so a developer's own
 * credentials, CLAUDE_CONFIG_DIR or OTEL_* settings never leak in), a fake API key, and
 * non-essential traffic switched off.
 */
export function claudeEnv(home: string, baseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    USER: "user",
    SHELL: "/bin/bash",
    LANG: "C.UTF-8",
    TZ: "UTC",
    TERM: "dumb",
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: "sk-ant-stub-not-a-real-key",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
    ...extra,
  };
}

/** Runs `claude -p <prompt> --output-format json` and collects its output. Never throws on a non-zero exit. */
export async function runClaude(options: RunClaudeOptions): Promise<RunClaudeResult> {
  const cli = options.cli ?? claudeCli();
  if (cli === undefined) throw new Error(`Claude Code ${selectedClaudeVersion()} is not installed (npm ci, or ensureClaudeCli for CLAUDE_CODE_VERSION)`);
  const baseUrl = options.env?.ANTHROPIC_BASE_URL ?? options.baseUrl;
  if (baseUrl === undefined || !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/.test(baseUrl)) {
    throw new Error(`runClaude: baseUrl must be a loopback stub URL, got ${String(baseUrl)}`);
  }
  mkdirSync(options.cwd, { recursive: true });
  if (options.settings !== undefined) {
    mkdirSync(join(options.home, ".claude"), { recursive: true });
    writeFileSync(join(options.home, ".claude", "settings.json"), JSON.stringify(options.settings, null, 2));
  }

  const args = [...cli.args, "-p", options.prompt, "--output-format", "json", "--allowedTools", options.allowedTools ?? ALLOWED_TOOLS];
  if (options.model !== undefined) args.push("--model", options.model);
  if (options.resume !== undefined) args.push("--resume", options.resume);
  if (options.continue === true) args.push("--continue");
  args.push(...(options.extraArgs ?? []));

  const env = claudeEnv(options.home, baseUrl, options.env);
  const timeoutMs = options.timeoutMs ?? 60_000;

  return new Promise<RunClaudeResult>((resolvePromise, reject) => {
    const child = spawn(cli.command, args, { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (data: string) => (stdout += data));
    child.stderr.setEncoding("utf8").on("data", (data: string) => (stderr += data));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (exitCode) => {
      clearTimeout(timer);
      const result = parseResult(stdout);
      const sessionId = typeof result?.session_id === "string" ? result.session_id : undefined;
      resolvePromise({ exitCode, stdout, stderr, sessionId, result, timedOut });
    });
  });
}

function parseResult(stdout: string): Record<string, unknown> | undefined {
  const text = stdout.trim();
  // --output-format json prints one object; stream-json prints one per line, the last being the result.
  const candidates = [text, ...text.split("\n").reverse()];
  for (const candidate of candidates) {
    try {
      const parsed: unknown = JSON.parse(candidate);
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // not JSON; try the next candidate
    }
  }
  return undefined;
}
