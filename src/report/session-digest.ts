import type { Session } from "../model/types.js";
import type { SessionSummary } from "./session-summary.js";
import { summariseSession } from "./session-summary.js";

/**
 * Everything the report takes from one session, and nothing else: the summary row plus the
 * times and figures the per-day and per-tool tables fold. Plain JSON (numbers in flat arrays),
 * so the report cache can keep it for an unchanged session instead of reading its transcripts.
 */
export interface SessionDigest extends Pick<Session, "startTime" | "endTime" | "warnings"> {
  readonly summary: SessionSummary;
  /** Distinct tool names, indexed by `toolCalls`. */
  readonly toolNames: readonly string[];
  /** Per tool call, TOOL_CALL_FIELDS numbers: name index, 1 if it failed, start time, attributed cost. */
  readonly toolCalls: readonly number[];
  /** Per request, REQUEST_FIELDS numbers: start time, cost, input, output, cache read, cache write tokens. */
  readonly requests: readonly number[];
  readonly compactionEnds: readonly number[];
}

export const TOOL_CALL_FIELDS = 4;
export const REQUEST_FIELDS = 6;

export function digestSession(session: Session): SessionDigest {
  const toolNames: string[] = [];
  const nameIndex = new Map<string, number>();
  const toolCalls: number[] = [];
  for (const call of session.toolCalls) {
    let index = nameIndex.get(call.name);
    if (index === undefined) {
      index = toolNames.push(call.name) - 1;
      nameIndex.set(call.name, index);
    }
    toolCalls.push(index, call.outcome === "failure" ? 1 : 0, call.startTime, call.cost.usd);
  }
  const requests: number[] = [];
  for (const r of session.requests) {
    requests.push(r.startTime, r.cost.usd, r.usage.input, r.usage.output, r.usage.cacheRead, r.usage.cacheCreation);
  }
  return {
    summary: summariseSession(session),
    startTime: session.startTime,
    endTime: session.endTime,
    warnings: session.warnings,
    toolNames,
    toolCalls,
    requests,
    compactionEnds: session.compactions.map((c) => c.endTime),
  };
}
