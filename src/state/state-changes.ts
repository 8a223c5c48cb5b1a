/**
 * A journal of session-state writes made by anyone but a replay (hooks, watch, library callers,
 * a corrupt file set aside): one byte appended per write. A replay records the journal's size
 * and inode in its index before it reads any state; while they are unchanged, no one else has
 * written a state since, so the index's entries stand without a stat of each state file (2,015
 * stats, ~8 % of a replay with nothing new on the bench corpus). A replay's own writes are not
 * journaled: their entries come from the saves themselves (export-batch.ts, `savedAs`).
 *
 * Appends, never rewrites: the size only grows (a byte per write, whatever the clock's
 * granularity), and a replaced file has another inode. A state file deleted (by hand, to send a
 * session again) is seen by its name missing from the folder (`stateFileNames`, one readdir). A
 * write whose append failed (a full disk) leaves an entry stale, which is safe: a stale entry
 * records older transcript sizes, so the session is read again; only a state file edited in place
 * by hand goes unnoticed until the next journaled write or `replay --full`.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { sessionsDir } from "../config/state-dir.js";
import { appendPrivate } from "../util/private-fs.js";

function journalPath(stateDir: string): string {
  return join(sessionsDir(stateDir), ".changes");
}

/** Notes a state write in `stateDir` (best effort: see above). */
export function noteStateChange(stateDir: string): void {
  try {
    appendPrivate(journalPath(stateDir), "\n");
  } catch {
    // See above: a stale entry is a safe one.
  }
}

/** The journal as it is now: size and inode, or "none". */
export function stateChangesStamp(stateDir: string): string {
  try {
    const s = statSync(journalPath(stateDir));
    return `${s.size}:${s.ino}`;
  } catch {
    return "none";
  }
}

/** The names in the state folder's `sessions/` (state files, locks, the journal); empty if none. */
export function stateFileNames(stateDir: string): ReadonlySet<string> {
  try {
    return new Set(readdirSync(sessionsDir(stateDir)));
  } catch {
    return new Set();
  }
}
