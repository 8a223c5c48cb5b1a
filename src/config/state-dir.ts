import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { privateDirProblem } from "../util/private-fs.js";
import { otelHome } from "./config-file.js";

/** `CLAUDE_CODE_OTEL_STATE_DIR`, else `state/` in our home (`~/.claude/otel/state`), beside the hooks' spool and outbox. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env["CLAUDE_CODE_OTEL_STATE_DIR"];
  if (explicit !== undefined && explicit !== "") return explicit;
  return join(otelHome(env), "state");
}

/**
 * Why our home or the state folder must not be used: another user's, writable by others, not a
 * folder. Undefined when both are fine (or do not exist yet). The hook refuses such a home;
 * flush, replay and watch refuse it too rather than read or write there.
 */
export function stateFoldersProblem(env: NodeJS.ProcessEnv, stateDir: string): string | undefined {
  const problem = privateDirProblem(otelHome(env)) ?? privateDirProblem(stateDir);
  return problem === undefined ? undefined : `refusing ${problem}; nothing read or written there (run claude-code-otel doctor)`;
}

/** The folder of the session ledgers, their locks, tool durations and the state-changes journal. */
export function sessionsDir(stateDir: string): string {
  return join(stateDir, "sessions");
}

/** Private: ledgers name sessions and projects of the user. */
export function ensureDirSync(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Runs `fn`; if it fails because `dir` does not exist, creates it (private) and runs it again. */
export function inDir<T>(dir: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    ensureDirSync(dir);
    return fn();
  }
}

/** Session ids are UUIDs; anything else is made file-name safe rather than trusted. */
export function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 200);
}

/** `inDir` for an asynchronous `fn`. */
export async function inDirAsync<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    ensureDirSync(dir);
    return fn();
  }
}
