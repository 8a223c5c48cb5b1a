/**
 * A spawned flusher stays warm for a while after its work: a node start plus our module graph
 * costs more than everything else between a tool call and its span at the collector, so the
 * next hook trigger of an active session is handled by a process that is already running.
 *
 * While it lingers the flusher keeps the flush lock (hooks then spawn nothing) but not its
 * destination's pass lock (replay and watch are free to run). A `flush` from the command line
 * asks it to step aside with a `.yield` file in the spool.
 */
import { mkdirSync, readdirSync, unlinkSync, watch } from "node:fs";
import type { FSWatcher } from "node:fs";
import { join } from "node:path";
import { IDLE_MARK } from "../hook/flush-lock.js";
import { SPOOL_DIR } from "../hook/spool.js";
import { createExclusive, writeFileAtomic } from "../util/private-fs.js";

/** Polling backs up the file watcher (which may miss events on some file systems). */
const POLL_MS = 250;
export const YIELD_FILE = ".yield";

export type Wake = "work" | "yield" | "timeout" | "gone";

/** Asks a lingering flusher to release the flush lock now (a `flush` from the command line wants it). */
export function requestYield(stateHome: string): void {
  try {
    mkdirSync(join(stateHome, SPOOL_DIR), { recursive: true, mode: 0o700 });
    createExclusive(join(stateHome, SPOOL_DIR, YIELD_FILE), `${process.pid}\n`);
  } catch {
    // No home yet, or no room: the caller waits for the lock as before.
  }
}

/** Says the flusher holding the lock has nothing in hand (tests and tools waiting for quiet read it). */
export function markIdle(stateHome: string, idle: boolean): void {
  const path = join(stateHome, IDLE_MARK);
  try {
    // Renamed into place: a link planted at the mark is replaced, never written through.
    if (idle) writeFileAtomic(path, `${process.pid}\n`, 0o600);
    else unlinkSync(path);
  } catch {
    // Home gone, or the mark already absent.
  }
}

export function clearYield(stateHome: string): void {
  try {
    unlinkSync(join(stateHome, SPOOL_DIR, YIELD_FILE));
  } catch {
    // Not there.
  }
}

/**
 * Resolves when a trigger not in `kept` lands in the spool ("work"), a yield is requested, the
 * deadline passes, or our home is removed ("gone"). Never throws.
 */
export function waitForWork(stateHome: string, kept: ReadonlySet<string>, deadlineMs: number): Promise<Wake> {
  const dir = join(stateHome, SPOOL_DIR);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    return Promise.resolve("gone");
  }
  return new Promise((resolve) => {
    let watcher: FSWatcher | undefined;
    let done = false;
    const finish = (wake: Wake): void => {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(timer);
      watcher?.close();
      resolve(wake);
    };
    const check = (): void => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        finish("gone");
        return;
      }
      if (names.includes(YIELD_FILE)) finish("yield");
      else if (names.some((n) => n.endsWith(".json") && !n.startsWith(".") && !kept.has(join(dir, n)))) finish("work");
      else if (Date.now() >= deadlineMs) finish("timeout");
    };
    const poll = setInterval(check, POLL_MS);
    const timer = setTimeout(check, Math.max(0, deadlineMs - Date.now()) + 1);
    try {
      watcher = watch(dir, { persistent: true }, check);
      watcher.on("error", () => undefined);
    } catch {
      // Polling alone.
    }
    check();
  });
}
