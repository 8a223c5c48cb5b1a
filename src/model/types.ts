/**
 * The session model: pure data built from transcript lines. No I/O, no clocks.
 * Times are milliseconds since the epoch, as the transcript records them.
 */
import type { TokenUsage } from "../transcript/line-types.js";

export type { TokenUsage };

export interface RequestCost {
  readonly usd: number;
  readonly known: boolean;
}

/** One Anthropic API response, after de-duplication by message id + request id. */
export interface ApiRequest {
  readonly key: string;
  readonly messageId: string;
  readonly requestId: string;
  readonly model: string;
  readonly usage: TokenUsage;
  readonly stopReason: string | undefined;
  readonly startTime: number;
  readonly endTime: number;
  /** The subagent that made it; undefined for the main thread. */
  readonly agentId: string | undefined;
  readonly turnIndex: number | undefined;
  readonly toolCallIds: readonly string[];
  /** The response's text blocks, in order (exported only when content capture is on). */
  readonly textParts: readonly string[];
  readonly cost: RequestCost;
}

export type ToolOutcome = "success" | "failure" | "pending";

export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly input: Readonly<Record<string, unknown>>;
  /** What the call acted on (command, path, pattern, url), for error reports. */
  readonly target: string | undefined;
  readonly requestKey: string;
  readonly agentId: string | undefined;
  readonly turnIndex: number | undefined;
  readonly startTime: number;
  readonly endTime: number | undefined;
  readonly outcome: ToolOutcome;
  readonly errorText: string | undefined;
  /** For Agent/Task calls: the subagent it started. */
  readonly spawnedAgentId: string | undefined;
}

export interface Turn {
  readonly index: number;
  readonly promptId: string | undefined;
  readonly uuid: string | undefined;
  readonly startTime: number;
  readonly endTime: number;
  readonly promptText: string;
}

export type SubagentLayout = "subagents-dir" | "sibling-file" | "inline";

export interface Subagent {
  readonly agentId: string;
  readonly agentType: string;
  readonly description: string | undefined;
  /** The Agent/Task tool call that started it, when it can be joined. */
  readonly parentToolUseId: string | undefined;
  readonly layout: SubagentLayout;
  readonly startTime: number;
  readonly endTime: number;
}

export interface Compaction {
  readonly uuid: string;
  readonly startTime: number;
  readonly endTime: number;
  readonly trigger: string;
  readonly preTokens: number | undefined;
  readonly postTokens: number | undefined;
  readonly droppedTokens: number | undefined;
  readonly turnIndex: number | undefined;
  /** The summarising call's cost, known only from Claude Code's ledger (it leaves no assistant line). */
  readonly unattributedCostUsd: number | undefined;
}

export interface ModelCost {
  readonly usd: number;
  readonly requests: number;
  readonly tokens: TokenUsage;
  readonly known: boolean;
}

export interface SessionCost {
  /** What the session cost: the ledger's total where one exists, else the sum of requests. */
  readonly totalUsd: number;
  readonly computedUsd: number;
  readonly ledgerUsd: number | undefined;
  /** Ledger total minus the sum of requests: calls that left no assistant line. */
  readonly unattributedUsd: number;
  readonly source: "ledger" | "computed";
  readonly complete: boolean;
  readonly unknownModels: readonly string[];
  readonly byModel: Readonly<Record<string, ModelCost>>;
}

export interface Session {
  readonly sessionId: string;
  readonly project: string;
  readonly projectDir: string;
  readonly cwd: string | undefined;
  readonly version: string | undefined;
  readonly gitBranch: string | undefined;
  readonly title: string | undefined;
  readonly startTime: number;
  readonly endTime: number;
  readonly turns: readonly Turn[];
  /** Every request, main thread and subagents, ordered by start time. */
  readonly requests: readonly ApiRequest[];
  /** Every tool call, main thread and subagents, ordered by start time. */
  readonly toolCalls: readonly ToolCall[];
  readonly subagents: readonly Subagent[];
  readonly compactions: readonly Compaction[];
  readonly cost: SessionCost;
  readonly warnings: readonly string[];
}

export const ZERO_USAGE: TokenUsage = { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, cacheCreation5m: 0, cacheCreation1h: 0 };

export const AGENT_TOOL_NAMES: ReadonlySet<string> = new Set(["Agent", "Task"]);
