/**
 * The session model: pure data built from transcript lines. No I/O, no clocks.
 * Times are milliseconds since the epoch, as the transcript records them.
 */
import type { TokenUsage } from "../transcript/line-types.js";
import type { CostMode, CostSourceKind } from "./pricer.js";
import type { ByTokenKind } from "./token-kinds.js";
import type { TurnOrigin } from "./turn-origin.js";

export type { TokenUsage };

/** One request's price: `known` false when no price was found (the cost is then incomplete, never silently zero). */
export interface RequestCost {
  /** What the request cost: its share of Claude Code's ledger once a ledger line covers it, else its price. */
  readonly usd: number;
  /** False: no price and no ledger (usd is 0 and incomplete). */
  readonly known: boolean;
  readonly source: CostSourceKind;
  /** The price before any ledger (learned rates, library, overrides): what a live export carried. */
  readonly pricedUsd: number;
  readonly pricedSource: Exclude<CostSourceKind, "ledger">;
  /** Our own price (library or overrides), independent of Claude Code. */
  readonly computedUsd: number;
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

/** A tool call's result; `pending` until its result line arrives. */
export type ToolOutcome = "success" | "failure" | "pending";

/** One tool call (a `tool_use` block and its result), in the main thread or a subagent. */
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
  /** UTF-8 bytes of its result as the model got it (undefined: no result yet). */
  readonly resultBytes: number | undefined;
  /** The whole output's size where Claude Code kept it in a file and gave the model a preview. */
  readonly persistedBytes: number | undefined;
  /** The compaction (uuid) that took its result out of the main thread's context; undefined while it is still there, or in a subagent. */
  readonly droppedBy: string | undefined;
  /** What it cost (tool-costs.ts): its share of the requests its call and its result took part in. */
  readonly cost: ToolCallCost;
}

/**
 * A tool call's attributed cost (tool-costs.ts). Parts of requests' costs, never more than them:
 * the calls' costs of a session sum to at most its cost.
 */
export interface ToolCallCost {
  /** callUsd + resultUsd + carriedUsd + subagentUsd. */
  readonly usd: number;
  /** Its share of the request that called it (what that request cost beyond the earlier results it carried). */
  readonly callUsd: number;
  /** Its result's tokens where they were first sent: uncached input or cache writes of the next request. */
  readonly resultUsd: number;
  /**
   * Its result's tokens in the later requests of its thread, until a compaction dropped them:
   * cache reads (or new input where the cache had gone cold).
   */
  readonly carriedUsd: number;
  /** For an Agent/Task call: what its subagent's requests cost beyond their own tool calls. */
  readonly subagentUsd: number;
  /** Tokens its result added to the context (estimated from its size, bounded by the next request's new tokens). */
  readonly resultTokens: number;
}

/** One turn: a prompt a person typed (or an answered slash command) and the work until the next. */
export interface Turn {
  readonly index: number;
  readonly promptId: string | undefined;
  readonly uuid: string | undefined;
  readonly startTime: number;
  readonly endTime: number;
  readonly promptText: string;
  /** Who started it, where Claude Code says (turn-origin.ts); undefined counts as a person. */
  readonly origin: TurnOrigin | undefined;
}

/** Where a subagent's lines were found: `<session>/subagents/`, a sibling `agent-<id>.jsonl` (2.0.x), or inline (before). */
export type SubagentLayout = "subagents-dir" | "sibling-file" | "inline";

/** A subagent (Agent/Task tool) and the call that started it, when it can be joined. */
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

/** One compaction (`compact_boundary` line): trigger, tokens before and after, and the summarising call's cost. */
export interface Compaction {
  readonly uuid: string;
  readonly startTime: number;
  readonly endTime: number;
  readonly trigger: string;
  readonly preTokens: number | undefined;
  readonly postTokens: number | undefined;
  /** This compaction's: pre − post (Claude Code's own figure is cumulative over the session). */
  readonly droppedTokens: number | undefined;
  readonly turnIndex: number | undefined;
  /** The summarising call's cost, known only from Claude Code's ledger (it leaves no assistant line). */
  readonly unattributedCostUsd: number | undefined;
  /** What priced it: `ledger`, or `price_table`/`override` where our prices decide (undefined with the cost). */
  readonly costSource: CostSourceKind | undefined;
  /**
   * What rebuilding the prompt cache cost after it: the first main-thread request that followed
   * and the cost of its cache writes (undefined until there is one). That request's chat span
   * carries the figure: it exists only once the request does.
   */
  readonly cacheRebuild: CacheRebuild | undefined;
  /** What left the main thread's context with it, and what the session read again after (context.ts). */
  readonly loss: CompactionLoss;
}

export interface CacheRebuild {
  readonly requestKey: string;
  readonly usd: number;
}

/**
 * What Claude Code's ledger says about one stretch of the session: from the previous `cost-state`
 * line (or the start) to this one. Each Claude Code process writes one when it exits.
 */
export interface LedgerSegment {
  /** 0, 1, ...: the ledger line's index among the session's ledger lines. */
  readonly index: number;
  /** When it was written (the main transcript's last time before it), ms. */
  readonly atMs: number;
  readonly version: string | undefined;
  /** Claude Code's running total at this line (segments of restarted ledgers added). */
  readonly totalUsd: number;
  /** Per ledger model: what Claude Code charged in this stretch, and for which tokens. */
  readonly byModel: Readonly<Record<string, { readonly usd: number; readonly tokens: ByTokenKind }>>;
  /**
   * Cost in this stretch that no chat or compaction span carries (a model with no request in
   * the transcript, tokens no request or compaction explains), by model (the requests' name for it).
   */
  readonly unattributedUsd: Readonly<Record<string, number>>;
  /** The requests it covers. */
  readonly requestKeys: readonly string[];
  /** The compactions it covers. */
  readonly compactionUuids: readonly string[];
  readonly hasUnknownModelCost: boolean;
}

/** A file in the main thread's context when a compaction happened. */
export interface ContextFile {
  readonly path: string;
  /** Read calls of it whose results were in the context (0: it came back whole after the previous compaction). */
  readonly reads: number;
  /** UTF-8 bytes of its content in the context (Read results, or the restored copy). */
  readonly bytes: number;
  /** What the compaction did with it: restored whole, kept only by name, or neither (lost). */
  readonly after: "restored" | "referenced" | "lost";
}

export interface CompactionLoss {
  /** Main-thread tool results in the context that the compaction replaced by its summary (not kept). */
  readonly toolOutputs: number;
  readonly toolOutputBytes: number;
  /** Their ids, largest first. */
  readonly toolOutputIds: readonly string[];
  /** Files in the context, by path (Read results and files restored by the previous compaction). */
  readonly files: readonly ContextFile[];
  /** Lines the compaction kept as they were (`preservedMessages`). */
  readonly keptLines: number;
  /** Files it lost (`after` lost or referenced) that the session read again later: the Read calls, in order. */
  readonly reReadCallIds: readonly string[];
  /** Files it restored whole that the session read again anyway (a redundant read, not a loss). */
  readonly restoredReReadCallIds: readonly string[];
  /** The previous compaction, when nothing happened between the two: the same conversation summarised again. */
  readonly duplicateOf: string | undefined;
  /** UTF-8 bytes of the summary that replaced the context. */
  readonly summaryBytes: number | undefined;
}

/** A hook Claude Code ran that failed, as it recorded it in the transcript. */
export interface HookError {
  readonly uuid: string | undefined;
  readonly time: number;
  readonly event: string;
  /** `async_hook_response` (exit code), `hook_non_blocking_error`, `hook_cancelled`, ... */
  readonly failure: string;
  readonly exitCode: number | undefined;
  /** `claude-code-otel` when its command or error names this package, else `unknown`. */
  readonly owner: "claude-code-otel" | "unknown";
  readonly command: string | undefined;
  /** In a subagent's transcript or lines. */
  readonly sidechain: boolean;
}

/** A session's cost and tokens for one model. */
export interface ModelCost {
  readonly usd: number;
  readonly requests: number;
  readonly tokens: TokenUsage;
  readonly known: boolean;
  /** Ledger, learned, price_table, override or unknown: what priced most of its cost. */
  readonly source: CostSourceKind;
}

/** What a session cost, and how that was worked out. */
export interface SessionCost {
  /** What the session cost: the ledger's total where one exists, else the sum of requests. */
  readonly totalUsd: number;
  /** Our own prices (library and overrides) of every request, independent of Claude Code. */
  readonly computedUsd: number;
  readonly ledgerUsd: number | undefined;
  /** The total minus the sum of requests: calls that left no assistant line (the compaction call). */
  readonly unattributedUsd: number;
  readonly source: "ledger" | "computed";
  readonly mode: CostMode;
  readonly complete: boolean;
  readonly unknownModels: readonly string[];
  readonly byModel: Readonly<Record<string, ModelCost>>;
}

/** One Claude Code session, modelled: its turns, API requests, tool calls, subagents, compactions and cost (all times in ms since the epoch). */
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
  /** Hooks that failed, in order (Claude Code 2.1.x records them). */
  readonly hookErrors: readonly HookError[];
  /** Claude Code's ledger lines, in order (empty before 2.1.x). */
  readonly ledger: readonly LedgerSegment[];
  readonly cost: SessionCost;
  readonly warnings: readonly string[];
}

export const ZERO_USAGE: TokenUsage = { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, cacheCreation5m: 0, cacheCreation1h: 0 };

export const AGENT_TOOL_NAMES: ReadonlySet<string> = new Set(["Agent", "Task"]);
