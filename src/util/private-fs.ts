/**
 * Files that hold endpoints, credentials, session ids and costs: 0600 in 0700 directories.
 * Synchronous on purpose: used by install (once) and by the hook's alert path (a handful of calls).
 */
import { basename, dirname, join } from "node:path";
import { chmodSync, closeSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeFileSync, constants } from "node:fs";

/** Creates `dir` (and parents) 0700; tightens an existing `dir` of ours to 0700. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = statSync(dir).mode & 0o777;
  if (mode !== 0o700) chmodSync(dir, 0o700);
}

/**
 * Temp file in the same directory, then rename: readers see the old file or the new, never half.
 * The temp name is hidden (`.<name>.<pid>.<random>.tmp`), so directory listings of spool, outbox
 * and state never take it for data. Not node:crypto: the hook writes through here, and loading
 * it would cost every hook ~4 ms; the name needs uniqueness, not secrecy.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): void {
  const random = Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, "0");
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${random}.tmp`);
  try {
    writeFileSync(tmp, data, { mode, flag: "wx" });
    // The umask only narrows: a private mode (no group/other bits) can never end up wider than
    // asked, so only a shared one (settings.json keeps its 0644) needs restoring. One syscall
    // fewer on the hook's path.
    if ((mode & 0o077) !== 0) chmodSync(tmp, mode);
    renameSync(tmp, path);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw error;
  }
}

/**
 * Creates `path` only if it does not exist (O_EXCL), 0600. True when this call created it: the
 * atomic "first one wins" that makes an alert fire once even with parallel hooks.
 */
export function createExclusive(path: string, content = ""): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    if (content !== "") writeFileSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Permission bits as `0600`. */
export function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, "0")}`;
}
