/**
 * The spans of what Claude Code's own ledger accounts for beside the requests: a compaction (its
 * summarising call's cost) and each ledger line (one per Claude Code process). Pure, as map-spans.ts.
 */
import type { CostMode } from "../model/pricer.js";
import type { Compaction, LedgerSegment, Session } from "../model/types.js";
import { roundUsd, sumUsd } from "../util/usd.js";
import { compactionCostSource, ledgerCorrection, mainModel } from "./ledger-correction.js";
import { ATTR, SPAN_NAME } from "../semconv/names.js";
import type { Attributes, SpanBody } from "./span-data.js";
import { UNIT_OF_WORK } from "./units-of-work.js";

export function compactionSpan(sessionId: string, c: Compaction, mode: CostMode): SpanBody {
  const attributes: Attributes = { [ATTR.sessionId]: sessionId, [ATTR.compactionTrigger]: c.trigger };
  if (c.preTokens !== undefined) attributes[ATTR.compactionPreTokens] = c.preTokens;
  if (c.postTokens !== undefined) attributes[ATTR.compactionPostTokens] = c.postTokens;
  if (c.droppedTokens !== undefined) attributes[ATTR.compactionDroppedTokens] = c.droppedTokens;
  if (c.unattributedCostUsd !== undefined) {
    attributes[ATTR.costUsd] = roundUsd(c.unattributedCostUsd);
    attributes[ATTR.costSource] = compactionCostSource(mode);
  }
  return {
    name: SPAN_NAME.compaction,
    kind: "INTERNAL",
    startTimeMs: c.startTime,
    endTimeMs: c.endTime,
    attributes,
    status: { code: "UNSET" },
    unitKey: UNIT_OF_WORK.compaction(c.uuid),
  };
}

/**
 * A ledger line's span (one per Claude Code process, over the stretch it accounts for): Claude
 * Code's running total, and as its cost what that process charged that no chat or compaction span
 * carries: calls no request explains, and (live) the difference between what the spans sent
 * before the line carried and their share of the ledger. Usually 0.
 */
export function ledgerSpan(session: Session, segment: LedgerSegment, from: number, sentBefore: ((unitKey: string) => boolean) | undefined): SpanBody {
  const correction = ledgerCorrection(session, segment, sentBefore, mainModel(session));
  const usd = sumUsd(correction.values());
  const attributes: Attributes = {
    [ATTR.sessionId]: session.sessionId,
    [ATTR.ledgerIndex]: segment.index,
    [ATTR.ledgerTotalUsd]: roundUsd(segment.totalUsd),
    [ATTR.costUsd]: roundUsd(usd),
    [ATTR.costSource]: "ledger",
  };
  return {
    name: SPAN_NAME.ledger,
    kind: "INTERNAL",
    startTimeMs: Math.min(from, segment.atMs),
    endTimeMs: segment.atMs,
    attributes,
    status: { code: "UNSET" },
    unitKey: UNIT_OF_WORK.ledger(segment.index),
  };
}
