/**
 * The span of each of Claude Code's ledger lines (one per Claude Code process): what its ledger
 * accounts for beside the requests and compactions. Pure, as map-spans.ts; the compaction's own
 * span is compaction-span.ts.
 */
import type { LedgerSegment, Session } from "../model/types.js";
import { roundUsd, sumUsd } from "../util/usd.js";
import { ledgerCorrection, mainModel } from "./ledger-correction.js";
import { ATTR, SPAN_NAME } from "../semconv/names.js";
import type { Attributes, SpanBody } from "./span-data.js";
import { UNIT_OF_WORK } from "./units-of-work.js";

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
