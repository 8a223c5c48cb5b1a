import { reReadFiles } from "../model/compaction-figures.js";
import type { Compaction, Session, ToolCall } from "../model/types.js";
import { ATTR, SPAN_NAME } from "../semconv/names.js";
import { roundUsd, sumUsd } from "../util/usd.js";
import type { ContentOptions } from "./content.js";
import { safeText } from "./content.js";
import type { Attributes, SpanBody } from "./span-data.js";
import { UNIT_OF_WORK } from "./units-of-work.js";

/**
 * What the compaction lost and what reading it again cost: counts and sizes always, paths only
 * with content capture on. Sent when the session is over (units-of-work.ts), once re-reads are known.
 */
export function compactionSpan(session: Session, c: Compaction, calls: ReadonlyMap<string, ToolCall>, content: ContentOptions): SpanBody {
  const attributes: Attributes = { [ATTR.sessionId]: session.sessionId, [ATTR.compactionTrigger]: c.trigger };
  if (c.preTokens !== undefined) attributes[ATTR.compactionPreTokens] = c.preTokens;
  if (c.postTokens !== undefined) attributes[ATTR.compactionPostTokens] = c.postTokens;
  if (c.droppedTokens !== undefined) attributes[ATTR.compactionDroppedTokens] = c.droppedTokens;
  if (c.unattributedCostUsd !== undefined) {
    attributes[ATTR.costUsd] = roundUsd(c.unattributedCostUsd);
    if (c.costSource !== undefined) attributes[ATTR.costSource] = c.costSource;
  }
  // Also on the rebuilding request's chat span; here beside what the compaction lost.
  if (c.cacheRebuild !== undefined) attributes[ATTR.compactionCacheRebuildUsd] = roundUsd(c.cacheRebuild.usd);
  const loss = c.loss;
  const lost = loss.files.filter((f) => f.after !== "restored");
  const reread = reReadFiles(session, c, calls);
  attributes[ATTR.compactionToolOutputs] = loss.toolOutputs;
  attributes[ATTR.compactionToolOutputBytes] = loss.toolOutputBytes;
  attributes[ATTR.compactionFiles] = loss.files.length;
  attributes[ATTR.compactionFilesRestored] = loss.files.length - lost.length;
  attributes[ATTR.compactionFilesLost] = lost.length;
  attributes[ATTR.compactionRereads] = loss.reReadCallIds.length;
  attributes[ATTR.compactionRereadCostUsd] = roundUsd(sumUsd(reread.map((f) => f.costUsd)));
  attributes[ATTR.compactionRereadDurationMs] = reread.reduce((ms, f) => ms + f.durationMs, 0);
  attributes[ATTR.compactionKeptLines] = loss.keptLines;
  if (loss.summaryBytes !== undefined) attributes[ATTR.compactionSummaryBytes] = loss.summaryBytes;
  if (loss.duplicateOf !== undefined) attributes[ATTR.compactionDuplicateOf] = loss.duplicateOf;
  if (content.captureContent) {
    attributes[ATTR.compactionLostFilePaths] = lost.map((f) => safeText(f.path, content.maxContentLength));
    attributes[ATTR.compactionRereadFilePaths] = reread.map((f) => safeText(f.path, content.maxContentLength));
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
