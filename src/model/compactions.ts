/**
 * Compactions, from `compact_boundary` lines of the main file: their trigger and token counts,
 * the turn they happened in, and what the summarising call cost (known only from Claude Code's
 * ledger: it leaves no assistant line; pricing.ts works it out).
 */
import type { CompactBoundaryLine } from "../transcript/line-types.js";
import type { TurnDraft } from "./turns.js";
import type { CacheRebuild, Compaction } from "./types.js";

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

/** `costs[i]`: the i-th compaction's summarising call, from the ledger; `rebuilds[i]`: the cache writes it caused. */
export function finishCompactions(
  drafts: readonly CompactionDraft[],
  turnIndex: ReadonlyMap<TurnDraft, number>,
  costs: readonly (number | undefined)[],
  rebuilds: readonly (CacheRebuild | undefined)[],
): Compaction[] {
  const compactions: Compaction[] = [];
  for (const [i, c] of drafts.entries()) {
    const end = c.line.timestamp ?? 0;
    compactions.push({
      uuid: compactionUuid(c.line.uuid, i),
      startTime: end - (c.line.durationMs ?? 0),
      endTime: end,
      trigger: c.line.trigger,
      preTokens: c.line.preTokens,
      postTokens: c.line.postTokens,
      droppedTokens: c.line.droppedTokens ?? (c.line.preTokens !== undefined && c.line.postTokens !== undefined ? c.line.preTokens - c.line.postTokens : undefined),
      turnIndex: c.turn === undefined ? undefined : turnIndex.get(c.turn),
      unattributedCostUsd: costs[i],
      cacheRebuild: rebuilds[i],
    });
  }
  return compactions;
}
