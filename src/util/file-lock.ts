/**
 * Exclusive locks (session ledgers, a destination's pass, the metric clock, the flusher), held by
 * one process at a time: the project's one lock primitive.
 *
 * A lock is a hard link, at the lock's path, to its holder's owner file (`.<pid>.<token>.owner`
 * in the same directory, created once per process and directory, holding `{pid, createdMs,
 * token}`). link(2) fails with EEXIST when the lock is held, so taking it is atomic, and a lock
 * is never seen without its holder. Links, not an O_EXCL file per acquisition: creating a file
 * allocates an inode, the slowest metadata operation on ext4 (0.1 to 0.7 ms on the project's
 * machine, in a directory of a few thousand state files) while a link costs about 10 µs, and a
 * full replay takes one lock per session. Age: the holder touches its owner file each time it
 * takes a lock, so a lock is stale when its holder's pid is dead, or when that process has
 * taken no lock for `staleMs` (pid reuse, a hung holder). Lock files of earlier versions (a
 * file of their own with the same JSON) are judged by the same rule and taken over the same way.
 */
import type { Stats } from "node:fs";
import { linkSync, lstatSync, readdirSync, renameSync, statSync, unlinkSync, utimesSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { pidAlive } from "../util/pid-alive.js";
import { createExclusive, randomTag, readRegularFile, UnsafeFileError } from "../util/private-fs.js";

export interface LockOptions {
  /** How long to wait for a busy lock before giving up. */
  readonly waitMs?: number;
  /** A lock older than this is taken over even if its process seems alive (pid reuse, hung writer). */
  readonly staleMs?: number;
}

export class LockBusyError extends Error {}

/** A lock this process holds; `release` is idempotent and only removes our own lock. */
export interface HeldLock {
  readonly path: string;
  /** Marks the holder as alive and working (a long pass between takings of locks). */
  touch(): void;
  release(): void;
}

const DEFAULT_WAIT_MS = 30_000;
const DEFAULT_STALE_MS = 120_000;
const OWNER_SUFFIX = ".owner";
/** A lock holds `{pid, createdMs, token}`: anything larger is not one of ours. */
const MAX_LOCK_BYTES = 4096;

/** This process's lock token (with the pid, unique to it: owner files are told apart by name). */
const TOKEN = randomTag(12);

interface Owner {
  readonly path: string;
  readonly ino: number;
}

/** This process's owner file per directory. */
const owners = new Map<string, Owner>();
let exitHookInstalled = false;

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/** Owner files of processes that died without removing theirs (a crash): they hold no lock any more. */
function sweepDeadOwners(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^\.(\d+)\.[0-9a-f]+\.owner$/.exec(name);
    if (m === null || pidAlive(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // Another process swept it.
    }
  }
}

/** This process's owner file in `dir`, created on first use (throws ENOENT when `dir` is missing). */
function ownerIn(dir: string): Owner {
  const known = owners.get(dir);
  if (known !== undefined) return known;
  sweepDeadOwners(dir);
  const path = join(dir, `.${process.pid}.${TOKEN}${OWNER_SUFFIX}`);
  if (!createExclusive(path, JSON.stringify({ pid: process.pid, createdMs: Date.now(), token: TOKEN }))) throw new Error(`${path} exists already`);
  const owner = { path, ino: statSync(path).ino };
  owners.set(dir, owner);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const o of owners.values()) {
        try {
          unlinkSync(o.path);
        } catch {
          // Gone.
        }
      }
    });
  }
  return owner;
}

interface Judged {
  readonly ino: number;
  readonly stale: boolean;
}

/** The lock at `path` and whether it is stale; undefined when there is none. */
function judge(path: string, staleMs: number): Judged | undefined {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (error) {
    if (code(error) === "ENOENT") return undefined;
    throw error;
  }
  const { ino, mtimeMs } = st;
  // Anything but a regular file here (a planted symlink, a FIFO that would block a read) holds no lock.
  if (!st.isFile()) return { ino, stale: true };
  let text: string;
  try {
    text = readRegularFile(path, MAX_LOCK_BYTES, { noFollow: true }).text;
  } catch (error) {
    if (code(error) === "ENOENT") return undefined;
    // Swapped for something else since the lstat, or too large to be a lock: not one.
    if (error instanceof UnsafeFileError || code(error) === "ELOOP") return { ino, stale: true };
    throw error;
  }
  let pid: unknown;
  try {
    pid = (JSON.parse(text) as { pid?: unknown }).pid;
  } catch {
    // A legacy lock half written by a writer that died between create and write.
    return { ino, stale: true };
  }
  return { ino, stale: typeof pid !== "number" || !pidAlive(pid) || Date.now() - mtimeMs > staleMs };
}

/**
 * Takes over a stale lock: rename it aside, and only delete it if it is still the stale one we
 * judged; if another process replaced it meanwhile, put theirs back (a link that fails when a
 * newer lock already stands).
 */
function takeOver(path: string, judgedIno: number): void {
  const aside = join(dirname(path), `.${basename(path)}.${randomTag()}.stale`);
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  try {
    if (lstatSync(aside).ino !== judgedIno) linkSync(aside, path);
  } catch {
    // A newer lock stands at `path`: the one we moved lost it, as its holder will find.
  }
  try {
    unlinkSync(aside);
  } catch {
    // Gone.
  }
}

/**
 * One attempt to take the lock, taking over a stale one. Synchronous: a lock is a few syscalls,
 * far cheaper inline than as thread-pool round trips. Returns undefined when another live
 * process holds it. Throws on I/O errors (ENOENT when the directory does not exist).
 */
export function tryAcquireLock(path: string, options: LockOptions = {}): HeldLock | undefined {
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const dir = dirname(path);
  let owner = ownerIn(dir);
  // Taking a lock is what keeps this process's locks fresh (see the header).
  const now = new Date();
  try {
    utimesSync(owner.path, now, now);
  } catch (error) {
    if (code(error) !== "ENOENT") throw error;
    // Our owner file was removed (a state directory cleaned by hand): make another.
    owners.delete(dir);
    owner = ownerIn(dir);
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      linkSync(owner.path, path);
    } catch (error) {
      if (code(error) !== "EEXIST") throw error;
      const judged = judge(path, staleMs);
      if (judged === undefined) continue; // released meanwhile: try again
      if (!judged.stale) return undefined;
      takeOver(path, judged.ino);
      continue;
    }
    let released = false;
    return {
      path,
      touch(): void {
        try {
          const t = new Date();
          utimesSync(owner.path, t, t);
        } catch {
          // Best effort: a lock that goes stale is taken over, which its holder finds on release.
        }
      },
      release(): void {
        if (released) return;
        released = true;
        // Only remove our own lock (a takeover after staleMs may have replaced it).
        try {
          if (lstatSync(path).ino === owner.ino) unlinkSync(path);
        } catch {
          // Gone already.
        }
      },
    };
  }
  return undefined;
}

/** Is the lock at `path` held by a live process (taken within `staleMs`)? For a probe that never takes it. */
export function lockHeld(path: string, staleMs = DEFAULT_STALE_MS): boolean {
  try {
    const judged = judge(path, staleMs);
    return judged !== undefined && !judged.stale;
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Takes the lock, waiting (with backoff) up to `waitMs` for a live holder; LockBusyError after that. */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<HeldLock> {
  const deadline = Date.now() + (options.waitMs ?? DEFAULT_WAIT_MS);
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    const held = tryAcquireLock(path, options);
    if (held !== undefined) return held;
    if (Date.now() >= deadline) throw new LockBusyError(`${path} is held by another process`);
    await sleep(delay);
  }
}

/** Runs `fn` holding the exclusive lock at `path` (a hard link to this process's owner file), so concurrent replay/watch/hooks never interleave. */
export async function withLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const held = await acquireLock(path, options);
  try {
    return await fn();
  } finally {
    held.release();
  }
}
