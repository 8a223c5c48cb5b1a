import { UNIT_OF_WORK } from "../mapping/units-of-work.js";
import { quickStatSync } from "../state/cursor.js";
import type { FileRecord, IndexEntry, Ledger, ReplayIndex } from "../state/replay-index.js";
import { indexEntryOf, ledgerOf } from "../state/replay-index.js";
import { sessionEndedAt, sessionIsOver } from "../state/session-end.js";
import { peekSessionStateSync, sessionStateName, sessionStatePath } from "../state/session-state.js";
import type { SessionSource } from "../transcript/discover.js";
import { fileCount } from "../transcript/discover.js";

export interface UpToDateContext {
  /** The destination's ledgers. */
  readonly stateDir: string;
  /** The state folder shared by every destination (SessionEnd times, tool durations). */
  readonly factsDir: string;
  readonly idleMs: number;
  readonly now?: (() => number) | undefined;
}

/** A transcript's size and mtime: as discovery found it when it kept them, else a stat now. */
function statOf(source: SessionSource, path: string): readonly [number, number] | undefined {
  const kept = source.fileStats?.[path];
  if (kept !== undefined) return kept;
  const s = quickStatSync(path);
  return s === undefined ? undefined : [s.size, s.mtimeMs];
}

/** One file as the ledger recorded it at position `i` (discovery's order), or anywhere in it. */
function fileUnchanged(source: SessionSource, path: string, i: number, recorded: readonly FileRecord[]): boolean {
  const at = recorded[i];
  const was = at !== undefined && at[0] === path ? at : recorded.find((r) => r[0] === path);
  const now = statOf(source, path);
  return was !== undefined && now !== undefined && was[1] === now[0] && was[2] === now[1];
}

/**
 * Every file as the ledger last recorded it (same files, same size and mtime each). Walks the
 * source's files in place (no filesOf array): a replay with nothing new runs this per session.
 */
export function filesUnchanged(source: SessionSource, recorded: readonly FileRecord[]): boolean {
  const main = source.mainFile === undefined ? 0 : 1;
  const count = fileCount(source);
  if (count === 0 || recorded.length !== count) return false;
  if (source.mainFile !== undefined && !fileUnchanged(source, source.mainFile, 0, recorded)) return false;
  for (let i = 0; i < source.agentFiles.length; i++) {
    if (!fileUnchanged(source, (source.agentFiles[i] as { path: string }).path, main + i, recorded)) return false;
  }
  return true;
}

/**
 * Up to date by what a ledger recorded: files as exported, and nothing left to finish (the
 * session span went out, or the session is still open by its own timestamps and no SessionEnd).
 */
function upToDateBy(ledger: Ledger, source: SessionSource, ctx: UpToDateContext): boolean {
  if (!filesUnchanged(source, ledger.files)) return false;
  if (ledger.done) return true;
  const lastActivityMs = ledger.lastActivityMs > 0 ? ledger.lastActivityMs : source.mtimeMs;
  return !sessionIsOver(lastActivityMs, sessionEndedAt(ctx.factsDir, source.sessionId), ctx.idleMs, ctx.now?.() ?? Date.now());
}

/**
 * Nothing to do when every file is as last exported and no new unit can have become complete:
 * one small state file and a stat per transcript file, no transcript read. Read without the
 * lock (a state that says "done" was committed by whoever held it); corrupt files are left to
 * the locked load, which sets them aside.
 */
export function upToDate(source: SessionSource, ctx: UpToDateContext): boolean {
  const state = peekSessionStateSync(ctx.stateDir, source.sessionId);
  return state !== undefined && upToDateBy(ledgerOf(state, UNIT_OF_WORK.session), source, ctx);
}

/**
 * The replay index's entry (state/replay-index.ts) for the session's state file as it is now: the
 * entry kept while the file has the size, mtime and inode it recorded, else the file read again
 * (its stat taken first) and the entry renewed in `index`; undefined, and no entry, without a
 * usable state file.
 */
export function currentIndexEntry(source: SessionSource, stateDir: string, index: ReplayIndex): IndexEntry | undefined {
  const stat = quickStatSync(sessionStatePath(stateDir, source.sessionId));
  const kept = index.get(source.sessionId);
  if (stat !== undefined && kept !== undefined && kept.state.size === stat.size && kept.state.mtimeMs === stat.mtimeMs && kept.state.ino === stat.ino) return kept;
  const state = stat === undefined ? undefined : peekSessionStateSync(stateDir, source.sessionId);
  if (stat === undefined || state === undefined) {
    index.delete(source.sessionId);
    return undefined;
  }
  const entry = indexEntryOf(stat, state, UNIT_OF_WORK.session);
  index.set(source.sessionId, entry);
  return entry;
}

/**
 * `upToDate` through the replay index: a stat per state file, and a read only of those changed.
 * `stateFiles`, when no one but replays wrote a state since the index was made (state-changes.ts):
 * the names in the state folder, and an entry whose file is there stands without its stat.
 */
export function upToDateIndexed(source: SessionSource, ctx: UpToDateContext, index: ReplayIndex, stateFiles?: ReadonlySet<string>): boolean {
  const kept = stateFiles?.has(sessionStateName(source.sessionId)) === true ? index.get(source.sessionId) : undefined;
  const entry = kept ?? currentIndexEntry(source, ctx.stateDir, index);
  return entry !== undefined && upToDateBy(entry, source, ctx);
}
