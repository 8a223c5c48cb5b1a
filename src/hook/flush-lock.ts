/**
 * One flusher at a time: the single writer of ledgers, cursors, the outbox and the metric clock,
 * which keeps delta metric windows contiguous and the ledger free of lost updates.
 *
 * `flush.lock` holds the owner's pid, created with O_EXCL. It is stale when that pid is dead or
 * the file has not been touched for STALE_MS (the owner touches it between steps); a stale lock
 * is taken over by renaming it aside and checking that the renamed file is the stale one.
 *
 * `flush.spawn` is a short-lived token a hook creates (O_EXCL) before spawning a flusher, so 50
 * parallel hooks spawn one process, not 50. The flusher removes it once it holds the lock.
 */
import { readFileSync, renameSync, statSync, unlinkSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { pidAlive } from "../util/pid-alive.js";
import { createExclusive } from "../util/private-fs.js";

export const LOCK_FILE = "flush.lock";
export const SPAWN_TOKEN = "flush.spawn";

/** A lock untouched this long is stale even if its pid seems alive (pid reuse). */
const STALE_MS = 5 * 60_000;
/** A spawn token older than this belongs to a flusher that never started. */
const SPAWN_TOKEN_MS = 10_000;

function readPid(path: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isNaN(n) ? undefined : n;
  } catch {
    return undefined;
  }
}

function isStale(path: string, now: number): boolean {
  const pid = readPid(path);
  let mtime: number;
  try {
    mtime = statSync(path).mtimeMs;
  } catch {
    return false; // Gone: not ours to judge, the next create decides.
  }
  // A lock being written (no pid yet) is fresh for a moment.
  if (pid === undefined) return now - mtime > 2_000;
  return !pidAlive(pid) || now - mtime > STALE_MS;
}

/** Is a live flusher holding the lock? */
export function flusherRunning(stateHome: string, now = Date.now()): boolean {
  const path = join(stateHome, LOCK_FILE);
  try {
    statSync(path);
  } catch {
    return false;
  }
  return !isStale(path, now);
}

export interface FlushLock {
  /** Marks the lock as in use (between sessions, between sends). */
  touch(): void;
  release(): void;
}

/** Takes the flusher lock, or returns undefined if a live flusher holds it. Throws on I/O errors. */
export function acquireFlushLock(stateHome: string, now = Date.now()): FlushLock | undefined {
  const path = join(stateHome, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusive(path, `${process.pid}\n`)) {
      return {
        touch: () => {
          try {
            const t = new Date();
            utimesSync(path, t, t);
          } catch {
            // Best effort.
          }
        },
        release: () => {
          if (readPid(path) === process.pid) {
            try {
              unlinkSync(path);
            } catch {
              // Already gone.
            }
          }
        },
      };
    }
    if (!isStale(path, now)) return undefined;
    const stalePid = readPid(path);
    const aside = `${path}.stale.${process.pid}`;
    try {
      renameSync(path, aside);
    } catch {
      continue; // Someone else took it over first.
    }
    // Did we move the stale lock, or one that a faster process just created?
    if (readPid(aside) !== stalePid) {
      try {
        renameSync(aside, path);
      } catch {
        // Leave it: the owner will find its lock gone and its release is a no-op.
      }
      return undefined;
    }
    try {
      unlinkSync(aside);
    } catch {
      // Gone.
    }
  }
  return undefined;
}

/**
 * Claims the right to spawn a flusher: true for exactly one of many parallel hooks, until the
 * spawned flusher takes the lock (it removes the token) or the token goes stale.
 */
export function claimSpawn(stateHome: string, now = Date.now()): boolean {
  const path = join(stateHome, SPAWN_TOKEN);
  if (createExclusive(path, `${process.pid}\n`)) return true;
  try {
    if (now - statSync(path).mtimeMs < SPAWN_TOKEN_MS) return false;
    // Stale: the flusher it announced never started. Replace it atomically.
    const tmp = `${path}.${process.pid}`;
    if (!createExclusive(tmp, `${process.pid}\n`)) return false;
    renameSync(tmp, path);
    return true;
  } catch {
    return false;
  }
}

/** Has a hook announced a flusher that may still be starting (a token younger than SPAWN_TOKEN_MS)? */
export function spawnPending(stateHome: string, now = Date.now()): boolean {
  try {
    return now - statSync(join(stateHome, SPAWN_TOKEN)).mtimeMs < SPAWN_TOKEN_MS;
  } catch {
    return false;
  }
}

export function clearSpawnToken(stateHome: string): void {
  try {
    unlinkSync(join(stateHome, SPAWN_TOKEN));
  } catch {
    // Not there.
  }
}
