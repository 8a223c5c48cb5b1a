import { join } from "node:path";
import { readJsonFileSync, writeJsonAtomicSync } from "./atomic-file.js";
import type { FileStat } from "./cursor.js";
import type { SessionState } from "./session-state.js";
import { ensureDirSync } from "../config/state-dir.js";

/**
 * What a session's state file said when `replay` last read it: the transcript files' cursors
 * (size and mtime) and whether the session span went out in both signals. A replay with nothing
 * new then reads this one file instead of one state file per session (2,015 of them: ~70 of its
 * ~250 ms).
 *
 * An entry stands for its state file only while that file keeps the size, mtime and inode it had
 * when the entry was made: stat taken before the file was read, or, for a file replay just saved,
 * taken of the content it wrote (atomic-file.ts). Every save is a new file (temp + rename), so a
 * later write changes the inode as well as the mtime, unless both the inode number is reused and
 * the mtime is too coarse to tell the writes apart. Any write to the ledger since (a hook, `watch`,
 * another replay) thus makes the next replay read the state file itself. Losing the index costs
 * one slower run, never a unit: it decides only what may be skipped, exactly as the state file would.
 *
 * The stat of each state file is itself skipped while the state-changes journal is as the index
 * recorded it (state-changes.ts): then only replays, which index their own saves, wrote states.
 */

/** A transcript as the state file's cursor recorded it. */
export type FileRecord = readonly [path: string, size: number, mtimeMs: number];

/** What the skip check reads of a ledger. */
export interface Ledger {
  /** The transcripts as the state file's cursors recorded them, in the cursors' order. */
  readonly files: readonly FileRecord[];
  /** The session span and cost went out in both signals. */
  readonly done: boolean;
  /** The session's last activity when last planned (0 when the ledger predates it). */
  readonly lastActivityMs: number;
}

export interface IndexEntry extends Ledger {
  /** The state file's size, mtime and inode when it was read. */
  readonly state: FileStat;
}

/** The entries, and whether any changed since they were read (then the file is worth writing). */
export class ReplayIndex {
  readonly entries = new Map<string, IndexEntry>();
  changed = false;
  /** The state-changes journal's stamp that every entry was checked against; "" if none. */
  journal = "";

  /** Every entry was checked against the journal as `stamp` says (state-changes.ts). */
  vouchFor(stamp: string): void {
    if (stamp !== this.journal) this.changed = true;
    this.journal = stamp;
  }

  get(sessionId: string): IndexEntry | undefined {
    return this.entries.get(sessionId);
  }

  /**
   * Sessions whose files held no activity (a summary-only or empty transcript: no session to
   * export), with the files as they were then: skipped while they stay so, never read again.
   */
  readonly inactive = new Map<string, readonly FileRecord[]>();

  setInactive(sessionId: string, files: readonly FileRecord[]): void {
    this.inactive.set(sessionId, files);
    this.changed = true;
  }

  deleteInactive(sessionId: string): void {
    if (this.inactive.delete(sessionId)) this.changed = true;
  }

  set(sessionId: string, entry: IndexEntry): void {
    this.entries.set(sessionId, entry);
    this.changed = true;
  }

  delete(sessionId: string): void {
    if (this.entries.delete(sessionId)) this.changed = true;
  }
}

/**
 * Arrays, not objects keyed by session id and path: JSON.parse then makes no hidden class per
 * entry and interns no key, which made version 2 (same content, objects) 2-3 times slower to load.
 */
interface IndexFile {
  readonly version: 5;
  /** The state-changes journal's stamp when the replay that wrote this began. */
  readonly journal: string;
  /** [session id, state size, state mtime, state inode, done, last activity, [[path, size, mtime], ...]] per session. */
  readonly sessions: readonly (readonly [string, number, number, number, boolean, number, readonly FileRecord[]])[];
  /** [session id, [[path, size, mtime], ...]] per session without activity (absent in older files). */
  readonly inactive?: readonly (readonly [string, readonly FileRecord[]])[];
}

function isIndexFile(v: unknown): v is IndexFile {
  return typeof v === "object" && v !== null && (v as IndexFile).version === 5 && typeof (v as IndexFile).journal === "string" && Array.isArray((v as IndexFile).sessions);
}

function isFileRecord(v: unknown): v is FileRecord {
  return Array.isArray(v) && v.length === 3 && typeof v[0] === "string" && typeof v[1] === "number" && typeof v[2] === "number";
}

function replayIndexPath(stateDir: string): string {
  return join(stateDir, "replay-index.json");
}

/** The index, or an empty one when missing or unusable (then every state file is read). */
export function loadReplayIndex(stateDir: string): ReplayIndex {
  const index = new ReplayIndex();
  const read = readJsonFileSync(replayIndexPath(stateDir), isIndexFile);
  if (read.kind !== "ok") return index;
  index.journal = read.value.journal;
  for (const e of read.value.sessions as readonly unknown[]) {
    if (!Array.isArray(e) || e.length !== 7) continue;
    const [id, size, mtimeMs, ino, done, lastActivityMs, files] = e as unknown[];
    if (
      typeof id !== "string" ||
      typeof size !== "number" ||
      typeof mtimeMs !== "number" ||
      typeof ino !== "number" ||
      typeof done !== "boolean" ||
      typeof lastActivityMs !== "number" ||
      !Array.isArray(files)
    )
      continue;
    // Kept as parsed (a replay with nothing new reads every entry and builds nothing from it).
    if (files.every(isFileRecord)) index.entries.set(id, { state: { size, mtimeMs, ino }, files, done, lastActivityMs });
  }
  for (const e of (Array.isArray(read.value.inactive) ? read.value.inactive : []) as readonly unknown[]) {
    if (Array.isArray(e) && e.length === 2 && typeof e[0] === "string" && Array.isArray(e[1]) && e[1].every(isFileRecord)) index.inactive.set(e[0], e[1]);
  }
  return index;
}

/** Atomic, when an entry changed; a failure to write is ignored: the index only saves time. */
export function saveReplayIndex(stateDir: string, index: ReplayIndex): void {
  if (!index.changed) return;
  const sessions: [string, number, number, number, boolean, number, readonly FileRecord[]][] = [];
  for (const [id, e] of index.entries) sessions.push([id, e.state.size, e.state.mtimeMs, e.state.ino, e.done, e.lastActivityMs, e.files]);
  try {
    ensureDirSync(stateDir);
    writeJsonAtomicSync(replayIndexPath(stateDir), { version: 5, journal: index.journal, sessions, inactive: [...index.inactive] } satisfies IndexFile);
    index.changed = false;
  } catch {
    // Read-only or full: the next replay reads the state files, as without an index.
  }
}

/**
 * `sessionUnit` is the key of the unit that goes out once the session is over (the ledger stores
 * keys as strings; mapping/units-of-work.ts owns what they mean): done when both signals hold it.
 */
export function ledgerOf(state: SessionState, sessionUnit: string): Ledger {
  const files: FileRecord[] = [];
  for (const [path, c] of Object.entries(state.files)) files.push([path, c.size, c.mtimeMs]);
  return { files, done: state.spanUnits.includes(sessionUnit) && state.metricUnits.includes(sessionUnit), lastActivityMs: state.lastActivityMs ?? 0 };
}

/** The entry for a state file read after `stat` was taken (or saved with that stat). */
export function indexEntryOf(stat: FileStat, state: SessionState, sessionUnit: string): IndexEntry {
  return { state: stat, ...ledgerOf(state, sessionUnit) };
}

/** Drops the entries of sessions not in `sessionIds` (transcripts deleted since). */
export function pruneReplayIndex(index: ReplayIndex, sessionIds: ReadonlySet<string>): void {
  for (const id of index.entries.keys()) if (!sessionIds.has(id)) index.delete(id);
  for (const id of index.inactive.keys()) if (!sessionIds.has(id)) index.deleteInactive(id);
}
