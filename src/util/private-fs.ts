/**
 * Files that hold endpoints, credentials, session ids and costs: 0600 in 0700 directories.
 * Synchronous on purpose: used by install (once) and by the hook's alert path (a handful of calls).
 */
import { basename, dirname, join } from "node:path";
import { chmodSync, closeSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync, constants } from "node:fs";

/** Creates `dir` (and parents) 0700; tightens an existing `dir` of ours to 0700. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = statSync(dir).mode & 0o777;
  if (mode !== 0o700) chmodSync(dir, 0o700);
}

/**
 * A file written piece by piece into a hidden temp file, then renamed into place (commit) or
 * removed (abort): as writeFileAtomic, for a document never held whole in memory (the report
 * cache: megabytes, written as sessions are read, under the report's memory bound).
 */
export class AtomicFileWriter {
  private readonly tmp: string;
  private fd: number | undefined;
  private readonly buf = Buffer.allocUnsafe(1 << 16);
  private used = 0;

  constructor(
    private readonly path: string,
    mode: number,
  ) {
    this.tmp = tempPathFor(path);
    this.fd = openSync(this.tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  }

  write(text: string): void {
    const fd = this.openFd();
    const bytes = Buffer.byteLength(text);
    if (this.used + bytes > this.buf.length) this.flush(fd);
    if (bytes > this.buf.length) writeSync(fd, text);
    else this.used += this.buf.write(text, this.used);
  }

  commit(): void {
    const fd = this.openFd();
    try {
      this.flush(fd);
    } finally {
      this.close();
    }
    renameSync(this.tmp, this.path);
  }

  abort(): void {
    this.close();
    try {
      unlinkSync(this.tmp);
    } catch {
      // already gone
    }
  }

  private openFd(): number {
    if (this.fd === undefined) throw new Error(`${this.path}: already committed or aborted`);
    return this.fd;
  }

  private flush(fd: number): void {
    if (this.used > 0) writeSync(fd, this.buf, 0, this.used);
    this.used = 0;
  }

  private close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Random hex digits (8 by default): with the pid, enough to keep this process's file names apart (no secret). */
export function randomTag(hexDigits = 8): string {
  let tag = "";
  while (tag.length < hexDigits)
    tag += Math.floor(Math.random() * 0x100000000)
      .toString(16)
      .padStart(8, "0");
  return tag.slice(0, hexDigits);
}

/** A hidden temp file beside `path`, unique to this process and call. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomTag()}.tmp`);
}

/**
 * Temp file in the same directory, then rename: readers see the old file or the new, never half.
 * The temp name is hidden (`.<name>.<pid>.<random>.tmp`), so directory listings of spool, outbox
 * and state never take it for data. Not node:crypto: the hook writes through here, and loading
 * it would cost every hook ~4 ms; the name needs uniqueness, not secrecy.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): void {
  const tmp = tempPathFor(path);
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
