import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** `CLAUDE_CODE_OTEL_STATE_DIR`, else `<claude config dir>/otel/state` (~/.claude/otel/state). */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env["CLAUDE_CODE_OTEL_STATE_DIR"];
  if (explicit !== undefined && explicit !== "") return explicit;
  const configDir = env["CLAUDE_CONFIG_DIR"];
  return join(configDir !== undefined && configDir !== "" ? configDir : join(homedir(), ".claude"), "otel", "state");
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

export async function ensureDir(dir: string): Promise<void> {
  ensureDirSync(dir);
}

/** Session ids are UUIDs; anything else is made file-name safe rather than trusted. */
export function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 200);
}
