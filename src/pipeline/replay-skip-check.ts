import type { FileRecord, IndexEntry, ReplayIndex } from "../state/replay-index.js";
import { loadReplayIndex, pruneReplayIndex, saveReplayIndex } from "../state/replay-index.js";
import { stateChangesStamp, stateFileNames } from "../state/state-changes.js";
import type { SessionSource } from "../transcript/discover.js";
import { filesOf } from "../transcript/discover.js";
import type { UpToDateContext } from "./up-to-date.js";
import { currentIndexEntry, filesUnchanged, upToDateIndexed } from "./up-to-date.js";

/** The session's files with the size and mtime discovery found (keepStats), in discovery's order; undefined without them. */
function discoveredRecords(source: SessionSource): FileRecord[] | undefined {
  const records: FileRecord[] = [];
  for (const path of filesOf(source)) {
    const stat = source.fileStats?.[path];
    if (stat === undefined) return undefined;
    records.push([path, stat[0], stat[1]]);
  }
  return records;
}

/**
 * One replay's skip check through the replay index (state/replay-index.ts): which sessions have
 * nothing new, and the index brought up to date with what the replay saved. The index's entries
 * stand without a stat of their state files while the state-changes journal is as the index
 * vouched for (state/state-changes.ts).
 */
export class ReplaySkipCheck {
  private readonly index: ReplayIndex;
  /** Taken before any state is read: a write journaled from here on makes the next replay re-check. */
  private readonly journal: string;
  /** The state folder's names, when the index's entries stand without a stat each. */
  private readonly stateFiles: ReadonlySet<string> | undefined;
  /** Sessions whose entry came with their outcome (the state file as just saved). */
  private readonly saved = new Set<string>();
  /** Sessions read and found without activity. */
  private readonly empty = new Set<string>();

  constructor(private readonly ctx: UpToDateContext) {
    this.index = loadReplayIndex(ctx.stateDir);
    this.journal = stateChangesStamp(ctx.stateDir);
    this.stateFiles = this.index.journal === this.journal ? stateFileNames(ctx.stateDir) : undefined;
  }

  /** No entry at all (a first replay, or an index of an older format). */
  get isEmpty(): boolean {
    return this.index.entries.size === 0;
  }

  upToDate(source: SessionSource): boolean {
    return upToDateIndexed(source, this.ctx, this.index, this.stateFiles);
  }

  /** Files without activity as they were when last read (they hold no session): nothing to read. */
  inactive(source: SessionSource): boolean {
    const recorded = this.index.inactive.get(source.sessionId);
    return recorded !== undefined && filesUnchanged(source, recorded);
  }

  /** A session read and found without activity. */
  noteEmpty(sessionId: string): void {
    this.empty.add(sessionId);
  }

  /** A session's state as the replay just saved it. */
  noteSaved(sessionId: string, entry: IndexEntry): void {
    this.index.set(sessionId, entry);
    this.saved.add(sessionId);
  }

  /**
   * The index brought up to date and saved: the sessions read but not saved (failed, filtered,
   * empty) get their entries read now, those no longer discovered leave it, and the journal's
   * stamp is vouched for once every entry was checked against the journal as it is (a selection
   * leaves the others unchecked after a write elsewhere).
   */
  save(read: readonly SessionSource[], discovered: readonly SessionSource[], everySessionSelected: boolean): void {
    for (const s of read) {
      if (!this.saved.has(s.sessionId)) currentIndexEntry(s, this.ctx.stateDir, this.index);
      // Files as discovery found them, before they were read: any write since makes them read again.
      const files = this.empty.has(s.sessionId) ? discoveredRecords(s) : undefined;
      if (files !== undefined) this.index.setInactive(s.sessionId, files);
      else this.index.deleteInactive(s.sessionId);
    }
    pruneReplayIndex(this.index, new Set(discovered.map((s) => s.sessionId)));
    if (this.stateFiles !== undefined || everySessionSelected) this.index.vouchFor(this.journal);
    saveReplayIndex(this.ctx.stateDir, this.index);
  }
}
