/**
 * Compactions, from `compact_boundary` lines of the main file: their trigger and token counts,
 * the turn they happened in, and what the summarising call cost (known only from Claude Code's
 * ledger: it leaves no assistant line; pricing.ts works it out).
 */
import type { CompactBoundaryLine } from "../transcript/line-types.js";
import type { TurnDraft } from "./turns.js";
import type { Compaction } from "./types.js";

export interface CompactionDraft {
  readonly line: CompactBoundaryLine;
  readonly turn: TurnDraft | undefined;
  /** Ordinal of the line in the main file, for ledger reconciliation. */
  readonly position: number;
}

/** `costs[i]`: the ledger's growth across the i-th compaction that no request explains. */
export function finishCompactions(drafts: readonly CompactionDraft[], turnIndex: ReadonlyMap<TurnDraft, number>, costs: readonly (number | undefined)[]): Compaction[] {
  const compactions: Compaction[] = [];
  for (const [i, c] of drafts.entries()) {
    const end = c.line.timestamp ?? 0;
    compactions.push({
      uuid: c.line.uuid ?? `compaction-${i}`,
      startTime: end - (c.line.durationMs ?? 0),
      endTime: end,
      trigger: c.line.trigger,
      preTokens: c.line.preTokens,
      postTokens: c.line.postTokens,
      droppedTokens: c.line.droppedTokens ?? (c.line.preTokens !== undefined && c.line.postTokens !== undefined ? c.line.preTokens - c.line.postTokens : undefined),
      turnIndex: c.turn === undefined ? undefined : turnIndex.get(c.turn),
      unattributedCostUsd: costs[i],
    });
  }
  return compactions;
}
