/**
 * Typed transcript records: the boundary between untrusted JSONL and the pure model.
 * Unknown line types are kept as `other` so they can be counted, never fatal.
 */

export interface TokenUsage {
  /** Uncached input tokens (Anthropic's meaning: excludes cache reads and writes). */
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  /** All cache-write tokens; the split below may not add up on old transcripts. */
  readonly cacheCreation: number;
  readonly cacheCreation5m: number;
  readonly cacheCreation1h: number;
}

export interface LineContext {
  readonly uuid: string | undefined;
  readonly parentUuid: string | undefined;
  readonly timestamp: number | undefined;
  readonly sessionId: string | undefined;
  readonly isSidechain: boolean;
  readonly agentId: string | undefined;
  readonly cwd: string | undefined;
  readonly version: string | undefined;
  readonly gitBranch: string | undefined;
}

export interface ToolUseBlock {
  readonly id: string;
  readonly name: string;
  readonly input: Record<string, unknown>;
}

export interface AssistantLine extends LineContext {
  readonly kind: "assistant";
  readonly messageId: string | undefined;
  readonly requestId: string | undefined;
  /** Links to the `api-request` line (2.1.x), whose timestamp is when the request was sent. */
  readonly requestRef: string | undefined;
  readonly model: string;
  readonly usage: TokenUsage | undefined;
  readonly stopReason: string | undefined;
  readonly toolUses: readonly ToolUseBlock[];
  readonly text: string;
}

export interface PromptLine extends LineContext {
  readonly kind: "prompt";
  readonly promptId: string | undefined;
  readonly text: string;
  readonly isMeta: boolean;
  readonly isCompactSummary: boolean;
  /** Who started the turn, as Claude Code records it (2.1.x: `human`, `sdk`, `task_notification`, `scheduled`, ...). */
  readonly turnOrigin: string | undefined;
  /** Where the prompt came from (`sdk`, `typed`, `system`, ...). */
  readonly promptSource: string | undefined;
}

export interface ToolResult {
  readonly toolUseId: string;
  readonly isError: boolean;
  /** Result text; only kept (bounded) for errors, where it explains the failure. */
  readonly errorText: string | undefined;
  /** UTF-8 bytes of the result as the model got it (text parts; an image counts its base64 data). */
  readonly bytes: number;
  /**
   * The whole output's size when Claude Code kept it in a file and gave the model a preview
   * (`toolUseResult.persistedOutputSize`, Bash outputs over 30,000 characters); known only when the
   * line carries one result.
   */
  readonly persistedBytes: number | undefined;
}

export interface ToolResultLine extends LineContext {
  readonly kind: "tool-results";
  readonly promptId: string | undefined;
  readonly results: readonly ToolResult[];
  /** `toolUseResult.agentId`: the subagent an Agent/Task call started. */
  readonly spawnedAgentId: string | undefined;
}

export interface CompactBoundaryLine extends LineContext {
  readonly kind: "compact-boundary";
  readonly trigger: string;
  readonly preTokens: number | undefined;
  readonly postTokens: number | undefined;
  /** `cumulativeDroppedTokens`: what every compaction of the session dropped so far, this one included. */
  readonly cumulativeDroppedTokens: number | undefined;
  readonly durationMs: number | undefined;
  /** Lines the compaction kept as they were (`preservedMessages.allUuids`): their content stays in the context. */
  readonly keptUuids: readonly string[];
}

/**
 * A file put into the context by an `attachment` line rather than a tool call: `whole` (type
 * `file`: its content, as after a compaction that restores recently read files, or an @-mention),
 * `reference` (type `compact_file_reference`: only its name, for a file too large to restore).
 */
export interface ContextFileLine extends LineContext {
  readonly kind: "context-file";
  readonly path: string;
  readonly how: "whole" | "reference";
  /** UTF-8 bytes of the content put into the context (0 for a reference). */
  readonly bytes: number;
}

/**
 * A hook that failed, as Claude Code recorded it in an `attachment` line: an async hook's response
 * with a non-zero exit code (`async_hook_response`), or a synchronous hook's error
 * (`hook_non_blocking_error`, `hook_blocking_error`, `hook_error_during_execution`, `hook_cancelled`).
 */
export interface HookErrorLine extends LineContext {
  readonly kind: "hook-error";
  /** The hook event (`PostToolUse`, `Stop`, ...). */
  readonly event: string;
  /** The attachment type Claude Code wrote. */
  readonly failure: string;
  readonly exitCode: number | undefined;
  /** The hook's command where Claude Code recorded it (not on every async response). */
  readonly command: string | undefined;
  /** The start of its stderr (bounded): it may name the command that failed. */
  readonly stderr: string;
}

/** One model's running totals in a `cost-state` line (`modelUsage[<model>]`). */
export interface ModelLedger {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadInputTokens: number;
  readonly cacheCreationInputTokens: number;
  /** The 5-minute and 1-hour parts of the cache writes (absent before 2.1.x: 0). */
  readonly cacheCreation5mInputTokens: number;
  readonly cacheCreation1hInputTokens: number;
  readonly webSearchRequests: number;
  readonly costUsd: number;
}

export interface CostStateLine {
  readonly kind: "cost-state";
  readonly sessionId: string | undefined;
  readonly totalCostUsd: number;
  readonly modelUsage: Readonly<Record<string, ModelLedger>>;
  /** Claude Code priced a model it does not know at its default model's rates. */
  readonly hasUnknownModelCost: boolean;
}

export interface ApiRequestLine {
  readonly kind: "api-request";
  readonly id: string;
  readonly timestamp: number | undefined;
}

export interface SummaryLine {
  readonly kind: "summary";
  readonly summary: string;
  readonly leafUuid: string | undefined;
}

export interface OtherLine {
  readonly kind: "other";
  readonly type: string;
  readonly timestamp: number | undefined;
}

/** One transcript line, parsed: a discriminated union on `kind`; unknown line types are `other`. */
export type TranscriptLine =
  AssistantLine | PromptLine | ToolResultLine | CompactBoundaryLine | ContextFileLine | HookErrorLine | CostStateLine | ApiRequestLine | SummaryLine | OtherLine;

/** Counts of what reading transcript lines met. */
export interface ParseStats {
  lines: number;
  /** Lines decided from their head to carry nothing we need (never JSON-parsed). */
  skipped: number;
  parsed: number;
  /** Blank, truncated or non-JSON lines. */
  invalid: number;
  /** Lines of types this version does not know. */
  unknownTypes: Record<string, number>;
  bytes: number;
}

export function emptyParseStats(): ParseStats {
  return { lines: 0, skipped: 0, parsed: 0, invalid: 0, unknownTypes: {}, bytes: 0 };
}

export function addParseStats(into: ParseStats, from: ParseStats): void {
  into.lines += from.lines;
  into.skipped += from.skipped;
  into.parsed += from.parsed;
  into.invalid += from.invalid;
  into.bytes += from.bytes;
  for (const [type, count] of Object.entries(from.unknownTypes)) {
    into.unknownTypes[type] = (into.unknownTypes[type] ?? 0) + count;
  }
}
