/**
 * One flusher at a time drains the spool: `flush.lock` in our home, the project's file lock
 * (util/file-lock.ts), which hooks only probe. Whatever the flusher then delivers goes through its
 * destination's own pass lock, shared with replay and watch.
 *
 * `flush.spawn` is a short-lived token a hook creates (O_EXCL) before spawning a flusher, so 50
 * parallel hooks spawn one process, not 50. The flusher removes it once it holds the lock.
 */
import { existsSync, renameSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { HeldLock } from "../util/file-lock.js";
import { lockHeld, tryAcquireLock } from "../util/file-lock.js";
import { createExclusive } from "../util/private-fs.js";

export const LOCK_FILE = "flush.lock";
export const SPAWN_TOKEN = "flush.spawn";
/** Present while the flusher holding the lock only lingers, waiting for triggers (flusher/linger.ts). */
export const IDLE_MARK = "flush.idle";

/** A flusher lock untouched this long is stale even if its pid seems alive (pid reuse). */
const STALE_MS = 5 * 60_000;
/** A spawn token older than this belongs to a flusher that never started. */
const SPAWN_TOKEN_MS = 10_000;

/** Is a live flusher holding the lock? */
export function flusherRunning(stateHome: string): boolean {
  return lockHeld(join(stateHome, LOCK_FILE), STALE_MS);
}

/** Is the live flusher only waiting for triggers (nothing in hand)? */
export function flusherIdle(stateHome: string): boolean {
  return existsSync(join(stateHome, IDLE_MARK)) && flusherRunning(stateHome);
}

/** Takes the flusher lock, or returns undefined if a live flusher holds it. Throws on I/O errors. */
export function acquireFlushLock(stateHome: string): HeldLock | undefined {
  return tryAcquireLock(join(stateHome, LOCK_FILE), { staleMs: STALE_MS });
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
