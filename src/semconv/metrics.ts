/**
 * The metric instruments (DESIGN.md §2): names, kinds, units, descriptions and bucket
 * boundaries, a contract dashboards and alert rules read. Re-exported by names.ts, the home of
 * every other name; the instruments of the GenAI conventions up to v1.41.0 that v0.1.0 removed
 * are emitted only on request (semconv/stability.ts).
 */
export type InstrumentKind = "counter" | "histogram";

/** One instrument of `METRIC`. */
export interface MetricDefinition {
  readonly name: string;
  readonly kind: InstrumentKind;
  readonly unit: string;
  readonly description: string;
  /** Explicit histogram bucket boundaries; the SDK defaults suit milliseconds, not these. */
  readonly boundaries?: readonly number[];
}

/** The GenAI conventions' advised boundaries for token counts, durations in seconds and calls per invocation. */
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const SECONDS_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const CALL_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];

/** The metric instruments (name, kind, unit, description, histogram boundaries): a contract dashboards and alert rules read. */
export const METRIC = {
  sessionCount: { name: "claude_code.session.count", kind: "counter", unit: "{session}", description: "Claude Code sessions started" },
  costUsage: { name: "claude_code.cost.usage", kind: "counter", unit: "USD", description: "Cost of Claude Code API usage" },
  /**
   * What was counted in claude_code.cost.usage above Claude Code's ledger (live prices above what
   * it charged), counted here when its ledger line comes: the cost is usage minus overcount.
   */
  costOvercount: {
    name: "claude_code.cost.overcount",
    kind: "counter",
    unit: "USD",
    description: "Cost counted above Claude Code's ledger, taken back at its ledger line (subtract from claude_code.cost.usage)",
  },
  tokenUsage: { name: "claude_code.token.usage", kind: "counter", unit: "tokens", description: "Tokens used by Claude Code, by type" },
  /** Tokens of requests with no price and no ledger yet: their cost is missing from claude_code.cost.usage. */
  tokenUnpriced: { name: "claude_code.token.unpriced", kind: "counter", unit: "tokens", description: "Tokens no price covered, by type" },
  turnCount: { name: "claude_code.turn.count", kind: "counter", unit: "{turn}", description: "User prompts (turns) answered" },
  toolCalls: { name: "claude_code.tool.calls", kind: "counter", unit: "{call}", description: "Tool calls by tool and outcome" },
  toolDuration: {
    name: "claude_code.tool.duration",
    kind: "histogram",
    unit: "s",
    description: "Tool call duration",
    boundaries: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
  },
  compactionCount: { name: "claude_code.compaction.count", kind: "counter", unit: "{compaction}", description: "Context compactions" },
  hookErrors: {
    name: "claude_code.hook.errors",
    kind: "counter",
    unit: "{error}",
    description: "Hook runs that failed, as Claude Code recorded them in the transcript (by event and whose hook)",
  },
  toolCost: {
    name: "claude_code.tool.cost",
    kind: "counter",
    unit: "USD",
    description: "Attributed cost of tool calls by tool (a share of claude_code.cost.usage, counted when the session ends)",
  },
  compactionRereads: {
    name: "claude_code.compaction.rereads",
    kind: "counter",
    unit: "{read}",
    description: "Reads of files a compaction had taken out of the context (the observable cost of what it lost)",
  },
  sessionCost: {
    name: "claude_code.session.cost",
    kind: "histogram",
    unit: "USD",
    description: "Cost of each finished session",
    // prometheus/rules/claude-code.rules.yml: alert thresholds ($10, $50) must be bucket boundaries.
    boundaries: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100],
  },
  // GenAI conventions v0.1.0 (development): inference usage counters, per-operation histograms,
  // durations and per-invocation call counts, with the buckets the conventions advise.
  inferenceInputTokens: {
    name: "gen_ai.client.inference.usage.input_tokens",
    kind: "counter",
    unit: "{token}",
    description: "Input tokens used by inference operations, cached tokens included",
  },
  inferenceOutputTokens: { name: "gen_ai.client.inference.usage.output_tokens", kind: "counter", unit: "{token}", description: "Output tokens used by inference operations" },
  inferenceCacheReadTokens: {
    name: "gen_ai.client.inference.usage.cache_read.input_tokens",
    kind: "counter",
    unit: "{token}",
    description: "Input tokens read from the provider's cache (a subset of the input tokens)",
  },
  inferenceCacheWriteTokens: {
    name: "gen_ai.client.inference.usage.cache_write.input_tokens",
    kind: "counter",
    unit: "{token}",
    description: "Input tokens written to the provider's cache (a subset of the input tokens)",
  },
  inferenceOperationInputTokens: {
    name: "gen_ai.client.inference.operation.input_tokens",
    kind: "histogram",
    unit: "{token}",
    description: "Input tokens per inference operation",
    boundaries: TOKEN_BUCKETS,
  },
  inferenceOperationOutputTokens: {
    name: "gen_ai.client.inference.operation.output_tokens",
    kind: "histogram",
    unit: "{token}",
    description: "Output tokens per inference operation",
    boundaries: TOKEN_BUCKETS,
  },
  inferenceDuration: { name: "gen_ai.client.inference.duration", kind: "histogram", unit: "s", description: "Inference operation duration", boundaries: SECONDS_BUCKETS },
  executeToolDuration: { name: "gen_ai.execute_tool.duration", kind: "histogram", unit: "s", description: "Tool execution duration", boundaries: SECONDS_BUCKETS },
  invokeAgentDuration: {
    name: "gen_ai.invoke_agent.duration",
    kind: "histogram",
    unit: "s",
    description: "Agent invocation duration (a turn, or a subagent's run)",
    boundaries: [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6],
  },
  invokeAgentInferenceCalls: {
    name: "gen_ai.invoke_agent.inference_calls",
    kind: "histogram",
    unit: "{inference_call}",
    description: "The agent's own inference calls per invocation",
    boundaries: CALL_BUCKETS,
  },
  invokeAgentToolCalls: {
    name: "gen_ai.invoke_agent.tool_calls",
    kind: "histogram",
    unit: "{tool_call}",
    description: "The agent's own tool calls per invocation",
    boundaries: CALL_BUCKETS,
  },
  /** v1.41 (removed in v0.1.0): emitted only with gen_ai_latest_experimental/dup. */
  genAiTokenUsage: {
    name: "gen_ai.client.token.usage",
    kind: "histogram",
    unit: "{token}",
    description: "Tokens per GenAI operation",
    boundaries: TOKEN_BUCKETS,
  },
} as const satisfies Record<string, MetricDefinition>;

/** A key of `METRIC`. */
export type MetricKey = keyof typeof METRIC;
