/**
 * Each tool call of a session with what it cost, as `report --json` shows it: its attributed
 * cost (model/tool-costs.ts), parts of the requests it took part in, so a session's calls sum to
 * no more than its cost.
 */
import type { Session, ToolOutcome } from "../model/types.js";
import { redactSecrets, truncate } from "../redact/redact.js";
import { roundUsd } from "../util/usd.js";

/** Characters of a call's target kept (commands and prompts can be long). */
const TARGET_CHARS = 200;

/** One row of a session's `toolCallDetails`. Field names are a contract: add, never rename. */
export interface ToolCallDetail {
  id: string;
  tool: string;
  /** What it acted on (command, path, pattern, url), secrets redacted, cut at 200 characters. */
  target: string | null;
  outcome: ToolOutcome;
  /** The subagent it ran in; null in the main thread. */
  agentId: string | null;
  /** callCostUsd + resultCostUsd + carriedCostUsd + subagentCostUsd. */
  attributedCostUsd: number;
  /** Its share of the output of the response that made the call. */
  callCostUsd: number;
  /** Its result where it first reached the model (uncached input or cache writes). */
  resultCostUsd: number;
  /** Its result in later requests of its thread, until a compaction dropped it. */
  carriedCostUsd: number;
  /** For an Agent/Task call: its subagent's cost beyond the subagent's own calls. */
  subagentCostUsd: number;
  /** Tokens its result added to the context (estimated from its size). */
  resultTokens: number;
}

export function toolCallDetails(session: Session): ToolCallDetail[] {
  return session.toolCalls.map((c) => ({
    id: c.id,
    tool: c.name,
    target: c.target === undefined ? null : truncate(redactSecrets(c.target), TARGET_CHARS),
    outcome: c.outcome,
    agentId: c.agentId ?? null,
    attributedCostUsd: roundUsd(c.cost.usd),
    callCostUsd: roundUsd(c.cost.callUsd),
    resultCostUsd: roundUsd(c.cost.resultUsd),
    carriedCostUsd: roundUsd(c.cost.carriedUsd),
    subagentCostUsd: roundUsd(c.cost.subagentUsd),
    resultTokens: c.cost.resultTokens,
  }));
}
