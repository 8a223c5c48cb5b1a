/**
 * Each compaction of a session as `report --json` and `compactions <session>` show it: its tokens
 * and cost, what left the main thread's context with it (model/context.ts), and what the session
 * spent reading lost files again (their calls' attributed costs, model/tool-costs.ts).
 */
import type { ReReadFile } from "../model/compaction-figures.js";
import { callsById, reReadFiles } from "../model/compaction-figures.js";
import type { Session } from "../model/types.js";
import { roundUsd, sumUsd } from "../util/usd.js";

/** A file in the context when the compaction happened. */
export interface CompactionFile {
  path: string;
  /** Read calls of it whose results were in the context (0: it had come back whole after the previous compaction). */
  reads: number;
  bytes: number;
  /** restored (put back whole), referenced (by name only), lost. */
  after: "restored" | "referenced" | "lost";
}

/** One row of a session's `compactionDetails`. Field names are a contract: add, never rename. */
export interface CompactionDetail {
  uuid: string;
  at: string;
  trigger: string;
  /** 1-based, as `errors` numbers turns. */
  turn: number | null;
  preTokens: number | null;
  postTokens: number | null;
  droppedTokens: number | null;
  /** The summarising call, from Claude Code's ledger (null: no ledger line around it). */
  costUsd: number | null;
  /** The cache writes of the first main-thread request after it: the prompt cache rebuilt (null: no request yet). */
  rebuildCostUsd: number | null;
  /** Main-thread tool results that left the context (kept lines excluded). */
  toolOutputsBefore: { count: number; bytes: number; tokens: number };
  filesReadBefore: CompactionFile[];
  /** Files it lost (not put back whole) that the session read again later. */
  filesReReadAfter: ReReadFile[];
  reReads: number;
  reReadCostUsd: number;
  reReadDurationMs: number;
  /** Files it put back whole that the session read again anyway (redundant, not a loss). */
  restoredFilesReRead: number;
  keptLines: number;
  /** The same conversation summarised again: nothing happened since the previous compaction. */
  duplicate: boolean;
  duplicateOf: string | null;
  summaryBytes: number | null;
}

export function compactionDetails(session: Session): CompactionDetail[] {
  const calls = callsById(session);
  const details: CompactionDetail[] = [];
  for (const c of session.compactions) {
    const loss = c.loss;
    let tokens = 0;
    for (const id of loss.toolOutputIds) tokens += calls.get(id)?.cost.resultTokens ?? 0;
    const reRead = reReadFiles(session, c, calls).map((f) => ({ ...f, costUsd: roundUsd(f.costUsd) }));
    const reReadDurationMs = reRead.reduce((ms, f) => ms + f.durationMs, 0);
    details.push({
      uuid: c.uuid,
      at: new Date(c.endTime).toISOString(),
      trigger: c.trigger,
      turn: c.turnIndex === undefined ? null : c.turnIndex + 1,
      preTokens: c.preTokens ?? null,
      postTokens: c.postTokens ?? null,
      droppedTokens: c.droppedTokens ?? null,
      costUsd: c.unattributedCostUsd === undefined ? null : roundUsd(c.unattributedCostUsd),
      rebuildCostUsd: c.cacheRebuild === undefined ? null : roundUsd(c.cacheRebuild.usd),
      toolOutputsBefore: { count: loss.toolOutputs, bytes: loss.toolOutputBytes, tokens },
      filesReadBefore: loss.files.map((f) => ({ path: f.path, reads: f.reads, bytes: f.bytes, after: f.after })),
      filesReReadAfter: reRead,
      reReads: loss.reReadCallIds.length,
      reReadCostUsd: roundUsd(sumUsd(reRead.map((f) => f.costUsd))),
      reReadDurationMs,
      restoredFilesReRead: loss.restoredReReadCallIds.length,
      keptLines: loss.keptLines,
      duplicate: loss.duplicateOf !== undefined,
      duplicateOf: loss.duplicateOf ?? null,
      summaryBytes: loss.summaryBytes ?? null,
    });
  }
  return details;
}
