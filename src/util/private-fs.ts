/**
 * Files that hold endpoints, credentials, session ids and costs: 0600 in 0700 directories, never
 * written through a link someone planted, never read from a FIFO or a device.
 * Synchronous on purpose: used by install (once) and by the hook's alert path (a handful of calls).
 */
import { basename, dirname, join } from "node:path";
import type { Stats } from "node:fs";
import { chmodSync, closeSync, fstatSync, lstatSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync, constants } from "node:fs";

/** A refusal with a code of its own, as Node's errors have: callers log `code: message`. */
export class UnsafeFileError extends Error {
  constructor(
    readonly code: "ENOTREG" | "EFBIG" | "EUNSAFE",
    message: string,
  ) {
    super(message);
  }
}

/** Our uid, or undefined where there is none (Windows): there, ownership is not checked. */
export function ourUid(): number | undefined {
  return process.geteuid?.();
}

/**
 * Why a file or folder that configures us or holds our data must not be trusted: owned by
 * someone else (root excepted), or writable by group or others (they could replace what we
 * read). Undefined when it is fine.
 */
export function untrustedReason(path: string, s: Stats): string | undefined {
  const uid = ourUid();
  if (uid !== undefined && s.uid !== uid && s.uid !== 0) return `${path} belongs to uid ${s.uid}, not to you (uid ${uid})`;
  if ((s.mode & 0o022) !== 0) return `${path} is ${octal(s.mode)}: writable by ${(s.mode & 0o002) !== 0 ? "others" : "its group"}`;
  return undefined;
}

/**
 * Why the folder `dir` must not be used as our home or state folder; undefined when it is fine
 * or does not exist yet (we create it 0700). Follows a symlinked folder (dotfile managers) and
 * judges what it points at.
 */
export function privateDirProblem(dir: string): string | undefined {
  return folderProblem(dir, (s) => untrustedReason(dir, s));
}

/**
 * Why `dir` must not be used as a folder of ours: it cannot be stat'ed, is not a folder (with
 * `noFollow`, a symlink in its place is refused, not followed), or `judge` says why. Undefined
 * when it is fine or missing.
 */
export function folderProblem(dir: string, judge: (s: Stats) => string | undefined, options: { noFollow?: boolean } = {}): string | undefined {
  let s: Stats;
  try {
    s = options.noFollow === true ? lstatSync(dir) : statSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? undefined : `cannot stat ${dir} (${code ?? "error"})`;
  }
  if (s.isSymbolicLink()) return `${dir} is a symlink, not a folder of ours`;
  if (!s.isDirectory()) return `${dir} is not a folder`;
  return judge(s);
}

export interface RegularFileText {
  readonly text: string;
  readonly stat: Stats;
}

/**
 * Opens `path` for reading only if it is a regular file, judged by fstat of the open descriptor
 * (nothing can be swapped in between). Opened non-blocking: a FIFO without a writer would block
 * the open itself (reads of a regular file are not affected). With `noFollow`, a symlink at
 * `path` is refused (ELOOP): for files only we create. The caller closes the descriptor.
 */
export function openRegularFile(path: string, options: { noFollow?: boolean } = {}): { fd: number; stat: Stats } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (options.noFollow === true ? constants.O_NOFOLLOW : 0));
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UnsafeFileError("ENOTREG", `${path} is not a regular file`);
    return { fd, stat };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

export interface ReadRegularOptions {
  /** Also refuse a file `untrustedReason` names (another user's, or writable by others). */
  readonly trusted?: boolean;
  /** Refuse a symlink (ELOOP). */
  readonly noFollow?: boolean;
}

/**
 * A whole file's bytes, read only if it is a regular file of at most `maxBytes`: a FIFO, a socket
 * or a device (a link to /dev/zero) is refused at once instead of blocking or filling memory.
 * Follows symlinks unless `noFollow`: a config file may be a dotfile manager's link.
 * Throws Node's error when the file cannot be opened (ENOENT for a missing one), else UnsafeFileError.
 */
export function readRegularBytes(path: string, maxBytes: number, options: ReadRegularOptions = {}): { bytes: Buffer; stat: Stats } {
  const { fd, stat } = openRegularFile(path, options);
  try {
    if (options.trusted === true) {
      const reason = untrustedReason(path, stat);
      if (reason !== undefined) throw new UnsafeFileError("EUNSAFE", reason);
    }
    if (stat.size > maxBytes) throw new UnsafeFileError("EFBIG", `${path} is larger than ${maxBytes} bytes`);
    // The size may change under us: read to the end, but never past the cap.
    let buf = Buffer.allocUnsafe(Math.min(maxBytes, stat.size) + 1);
    let used = 0;
    for (;;) {
      if (used === buf.length) {
        if (used > maxBytes) throw new UnsafeFileError("EFBIG", `${path} is larger than ${maxBytes} bytes`);
        const grown = Buffer.allocUnsafe(Math.min(maxBytes + 1, used * 2));
        buf.copy(grown, 0, 0, used);
        buf = grown;
      }
      const n = readSync(fd, buf, used, buf.length - used, null);
      if (n === 0) break;
      used += n;
    }
    if (used > maxBytes) throw new UnsafeFileError("EFBIG", `${path} is larger than ${maxBytes} bytes`);
    return { bytes: buf.subarray(0, used), stat };
  } finally {
    closeSync(fd);
  }
}

/** As readRegularBytes, as UTF-8 text. */
export function readRegularFile(path: string, maxBytes: number, options: ReadRegularOptions = {}): RegularFileText {
  const { bytes, stat } = readRegularBytes(path, maxBytes, options);
  return { text: bytes.toString("utf8"), stat };
}

/**
 * Appends to a private file (0600 when created), never through a symlink (O_NOFOLLOW), never
 * to a FIFO or device, never to a file someone else owns or that has another name elsewhere (a
 * planted hard link): the log, the local OTLP files and the state journal go through here.
 * One write(2) per call on an O_APPEND descriptor, so lines of concurrent writers do not mix.
 */
export function appendPrivate(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UnsafeFileError("ENOTREG", `${path} is not a regular file`);
    const uid = ourUid();
    if ((uid !== undefined && stat.uid !== uid) || stat.nlink > 1)
      throw new UnsafeFileError("EUNSAFE", `${path} is not a private file of ours (uid ${stat.uid}, ${stat.nlink} links)`);
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
  } finally {
    closeSync(fd);
  }
}

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
