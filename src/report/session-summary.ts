import { isUserTurn } from "../model/turn-origin.js";
import { tokenTotals } from "../model/token-totals.js";
import type { TokenTotals } from "../model/token-totals.js";
import type { Session } from "../model/types.js";
import { roundUsd } from "../util/usd.js";
import type { CompactionDetail } from "./compaction-details.js";
import { compactionDetails } from "./compaction-details.js";
import type { ToolCallDetail } from "./tool-call-details.js";
import { toolCallDetails } from "./tool-call-details.js";

/** One row of `report --json`. Field names are a contract: add, never rename. */
export interface SessionSummary {
  sessionId: string;
  project: string;
  projectDir: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  version: string | null;
  gitBranch: string | null;
  models: string[];
  turns: number;
  requests: number;
  tokens: TokenTotals;
  costUsd: number;
  costSource: "ledger" | "computed";
  computedCostUsd: number;
  /** Claude Code's own ledger (`cost-state`) total; null where the session has none. */
  ledgerCostUsd: number | null;
  unattributedCostUsd: number;
  costComplete: boolean;
  unknownModels: string[];
  toolCalls: number;
  toolFailures: number;
  failureRate: number;
  compactions: number;
  /** Per compaction: tokens, cost, what left the context and what was read again after it. */
  compactionDetails: CompactionDetail[];
  /** Per tool call: what it cost (its attributed share of the requests it took part in). */
  toolCallDetails: ToolCallDetail[];
  subagents: number;
  cacheHitRatio: number;
}

/** Share of input served from cache: cacheRead / (input + cacheRead + cacheCreation). */
export function cacheHitRatio(t: TokenTotals): number {
  const all = t.input + t.cacheRead + t.cacheCreation;
  return all === 0 ? 0 : t.cacheRead / all;
}

export function summariseSession(session: Session): SessionSummary {
  const tokens = tokenTotals(session);
  const toolFailures = session.toolCalls.filter((c) => c.outcome === "failure").length;
  const models: string[] = [];
  for (const r of session.requests) if (!models.includes(r.model)) models.push(r.model);
  return {
    sessionId: session.sessionId,
    project: session.project,
    projectDir: session.projectDir,
    startedAt: new Date(session.startTime).toISOString(),
    endedAt: new Date(session.endTime).toISOString(),
    durationMs: session.endTime - session.startTime,
    version: session.version ?? null,
    gitBranch: session.gitBranch ?? null,
    models,
    // Turns a person started; those Claude Code started itself (task notifications, schedules) are not counted.
    turns: session.turns.filter(isUserTurn).length,
    requests: session.requests.length,
    tokens,
    costUsd: roundUsd(session.cost.totalUsd),
    costSource: session.cost.source,
    computedCostUsd: roundUsd(session.cost.computedUsd),
    ledgerCostUsd: session.cost.ledgerUsd === undefined ? null : roundUsd(session.cost.ledgerUsd),
    unattributedCostUsd: roundUsd(session.cost.unattributedUsd),
    costComplete: session.cost.complete,
    unknownModels: [...session.cost.unknownModels],
    toolCalls: session.toolCalls.length,
    toolFailures,
    failureRate: session.toolCalls.length === 0 ? 0 : toolFailures / session.toolCalls.length,
    compactions: session.compactions.length,
    compactionDetails: compactionDetails(session),
    toolCallDetails: toolCallDetails(session),
    subagents: session.subagents.length,
    cacheHitRatio: cacheHitRatio(tokens),
  };
}
