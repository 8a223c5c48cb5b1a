import { randomBytes } from "node:crypto";
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { pidAlive } from "../util/pid-alive.js";

export interface LockOptions {
  /** How long to wait for a busy lock before giving up. */
  readonly waitMs?: number;
  /** A lock older than this is taken over even if its process seems alive (pid reuse, hung writer). */
  readonly staleMs?: number;
}

export class LockBusyError extends Error {}

/** A lock this process holds; `release` is idempotent and only removes our own file. */
export interface HeldLock {
  readonly path: string;
  release(): void;
}

interface LockBody {
  pid: number;
  createdMs: number;
  token: string;
}

const DEFAULT_WAIT_MS = 30_000;
const DEFAULT_STALE_MS = 120_000;

function readBody(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function isStale(text: string | undefined, staleMs: number): boolean {
  if (text === undefined) return false;
  try {
    const body = JSON.parse(text) as Partial<LockBody>;
    if (typeof body.pid !== "number" || typeof body.createdMs !== "number") return true;
    return !pidAlive(body.pid) || Date.now() - body.createdMs > staleMs;
  } catch {
    // A half-written lock whose writer died between create and write.
    return true;
  }
}

/**
 * Takes over a stale lock: rename it aside, and only delete it if it is still the stale one we
 * judged; if another process replaced it meanwhile, put theirs back.
 */
function takeOver(path: string, staleText: string): void {
  const aside = `${path}.${randomBytes(4).toString("hex")}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  if (readBody(aside) !== staleText) {
    try {
      linkSync(aside, path);
    } catch {
      // Someone created a new lock meanwhile: theirs stands.
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // Already gone.
  }
}

const TOKEN_PREFIX = randomBytes(6).toString("hex");
let tokenCounter = 0;

/**
 * One attempt to take the lock file (O_CREAT|O_EXCL), taking over a stale one. Synchronous: a
 * lock is a few syscalls, far cheaper inline than as thread-pool round trips. Returns undefined
 * when another live process holds it.
 */
export function tryAcquireLock(path: string, options: LockOptions = {}): HeldLock | undefined {
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const token = `${TOKEN_PREFIX}${(tokenCounter++).toString(36)}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, "wx", 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const text = readBody(path);
      if (text === undefined) continue; // released meanwhile: try again
      if (!isStale(text, staleMs)) return undefined;
      takeOver(path, text);
      continue;
    }
    try {
      writeSync(fd, JSON.stringify({ pid: process.pid, createdMs: Date.now(), token } satisfies LockBody));
    } finally {
      closeSync(fd);
    }
    let released = false;
    return {
      path,
      release(): void {
        if (released) return;
        released = true;
        // Only remove our own lock (a takeover after staleMs may have replaced it).
        const text = readBody(path);
        if (text !== undefined && text.includes(token)) {
          try {
            unlinkSync(path);
          } catch {
            // Gone already.
          }
        }
      },
    };
  }
  return undefined;
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

/** Runs `fn` holding an exclusive lock file (O_EXCL), so concurrent replay/watch/hooks never interleave. */
export async function withLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const held = await acquireLock(path, options);
  try {
    return await fn();
  } finally {
    held.release();
  }
}
