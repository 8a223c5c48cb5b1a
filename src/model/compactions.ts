/**
 * Compactions, from `compact_boundary` lines of the main file: their trigger and token counts,
 * the turn they happened in, and what the summarising call cost (known only from Claude Code's
 * ledger: it leaves no assistant line; pricing.ts works it out).
 */
import type { CompactBoundaryLine } from "../transcript/line-types.js";
import type { CompactionCost } from "./ledger.js";
import type { TurnDraft } from "./turns.js";
import type { CacheRebuild, Compaction, CompactionLoss } from "./types.js";

export interface CompactionDraft {
  readonly line: CompactBoundaryLine;
  readonly turn: TurnDraft | undefined;
  /** Ordinal of the line in the main file, for ledger reconciliation. */
  readonly position: number;
}

/** A compaction's id: its line's uuid, else its place among the session's compactions. */
export function compactionUuid(uuid: string | undefined, index: number): string {
  return uuid ?? `compaction-${index}`;
}

/** `costs[i]`: the i-th compaction's summarising call, from the ledger; `rebuilds[i]`: the cache writes it caused; `losses[i]`: context.ts. */
export function finishCompactions(
  drafts: readonly CompactionDraft[],
  turnIndex: ReadonlyMap<TurnDraft, number>,
  costs: readonly (CompactionCost | undefined)[],
  rebuilds: readonly (CacheRebuild | undefined)[],
  losses: readonly CompactionLoss[],
): Compaction[] {
  const compactions: Compaction[] = [];
  let cumulative: number | undefined = 0;
  for (const [i, c] of drafts.entries()) {
    const end = c.line.timestamp ?? 0;
    const { preTokens, postTokens, cumulativeDroppedTokens } = c.line;
    // Claude Code's dropped figure is the session's running total: this compaction's share is the step.
    const dropped =
      preTokens !== undefined && postTokens !== undefined
        ? preTokens - postTokens
        : cumulativeDroppedTokens !== undefined && cumulative !== undefined
          ? cumulativeDroppedTokens - cumulative
          : undefined;
    cumulative = cumulativeDroppedTokens;
    compactions.push({
      uuid: compactionUuid(c.line.uuid, i),
      startTime: end - (c.line.durationMs ?? 0),
      endTime: end,
      trigger: c.line.trigger,
      preTokens,
      postTokens,
      droppedTokens: dropped,
      turnIndex: c.turn === undefined ? undefined : turnIndex.get(c.turn),
      unattributedCostUsd: costs[i]?.usd,
      costSource: costs[i]?.source,
      cacheRebuild: rebuilds[i],
      loss: losses[i] ?? NO_LOSS,
    });
  }
  return compactions;
}

const NO_LOSS: CompactionLoss = {
  toolOutputs: 0,
  toolOutputBytes: 0,
  toolOutputIds: [],
  files: [],
  keptLines: 0,
  reReadCallIds: [],
  restoredReReadCallIds: [],
  duplicateOf: undefined,
  summaryBytes: undefined,
};
