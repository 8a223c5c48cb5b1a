/**
 * Reading and writing the JSON files install changes (Claude Code's settings, our config): read
 * only from a regular file under a size cap (a FIFO in a cloned repository's `.claude/` must not
 * hang install or doctor), written atomically through a dotfile manager's symlink.
 */
import { realpathSync } from "node:fs";
import { readRegularFile, UnsafeFileError } from "../util/private-fs.js";

/** Claude Code's settings are a few kilobytes; this leaves room for very long permission lists. */
const MAX_SETTINGS_BYTES = 4 * 1024 * 1024;

export interface FileText {
  readonly path: string;
  readonly exists: boolean;
  readonly text: string;
  readonly mode: number | undefined;
}

/** The file's text, or `exists: false`; throws a message naming the path on anything else. */
export function readSettingsFile(path: string): FileText {
  try {
    const { text, stat } = readRegularFile(path, MAX_SETTINGS_BYTES);
    return { path, exists: true, text, mode: stat.mode & 0o777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { path, exists: false, text: "", mode: undefined };
    throw new Error(error instanceof UnsafeFileError ? `cannot read ${error.message}` : `cannot read ${path}: ${(error as Error).message}`);
  }
}

/** Writes through a symlinked settings file (dotfile managers) instead of replacing the link. */
export function writeTarget(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
