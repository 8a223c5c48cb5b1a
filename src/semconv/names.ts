/**
 * The one home of every name in DESIGN.md §2 that leaves this process: span names, attribute
 * keys, metric names and units. Dashboards, alert rules and the collector config depend on
 * these strings; nothing else in the code base spells them.
 *
 * GenAI names are our own constants: the `gen_ai.*` exports of @opentelemetry/semantic-conventions
 * are deprecated (moved to the separate GenAI conventions, open-telemetry/semantic-conventions-genai,
 * whose first release v0.1.0 we follow). The names of the conventions up to v1.41.0 that v0.1.0
 * renamed or removed are marked "v1.41"; they are emitted only beside the current ones, on request
 * (semconv/stability.ts).
 */

export const SPAN_NAME = {
  session: "claude_code.session",
  compaction: "claude_code.compaction",
  /** One of Claude Code's ledger lines, when it charged what no chat or compaction span carries. */
  ledger: "claude_code.ledger",
  /** `invoke_agent claude-code`: one per user prompt. */
  turn: "invoke_agent claude-code",
} as const;

export const AGENT_NAME = "claude-code";
export const PROVIDER_NAME = "anthropic";

export function chatSpanName(model: string): string {
  return `chat ${model}`;
}

export function toolSpanName(tool: string): string {
  return `execute_tool ${tool}`;
}

export function subagentSpanName(agentType: string): string {
  return `invoke_agent ${agentType}`;
}

export const OPERATION = {
  invokeAgent: "invoke_agent",
  chat: "chat",
  executeTool: "execute_tool",
} as const;

/** Span attribute keys: OpenTelemetry GenAI semantic conventions where they exist, `claude_code.*` for the rest. */
export const ATTR = {
  // OpenTelemetry general
  sessionId: "session.id",
  vcsRefHeadName: "vcs.ref.head.name",
  errorType: "error.type",
  exceptionMessage: "exception.message",
  exceptionType: "exception.type",
  // GenAI semantic conventions
  operationName: "gen_ai.operation.name",
  providerName: "gen_ai.provider.name",
  /** Deprecated in semconv, still read by LangSmith: set beside gen_ai.provider.name. */
  system: "gen_ai.system",
  conversationId: "gen_ai.conversation.id",
  agentName: "gen_ai.agent.name",
  /** v1.41: on invoke_agent INTERNAL spans; v0.1.0 keeps it for hosted agents only. */
  agentId: "gen_ai.agent.id",
  agentDescription: "gen_ai.agent.description",
  requestModel: "gen_ai.request.model",
  responseModel: "gen_ai.response.model",
  responseId: "gen_ai.response.id",
  responseFinishReasons: "gen_ai.response.finish_reasons",
  /**
   * All input tokens, cached included, as the GenAI conventions define it
   * (Anthropic's own `input_tokens` excludes cache reads and writes).
   */
  usageInputTokens: "gen_ai.usage.input_tokens",
  usageOutputTokens: "gen_ai.usage.output_tokens",
  usageCacheReadInputTokens: "gen_ai.usage.cache_read.input_tokens",
  usageCacheWriteInputTokens: "gen_ai.usage.cache_write.input_tokens",
  /** v1.41 name of usageCacheWriteInputTokens. */
  usageCacheCreationInputTokens: "gen_ai.usage.cache_creation.input_tokens",
  toolName: "gen_ai.tool.name",
  toolCallId: "gen_ai.tool.call.id",
  toolType: "gen_ai.tool.type",
  toolCallArguments: "gen_ai.tool.call.arguments",
  inputMessages: "gen_ai.input.messages",
  outputMessages: "gen_ai.output.messages",
  tokenModality: "gen_ai.token.modality",
  /** v1.41: gen_ai.client.token.usage's input | output. */
  tokenType: "gen_ai.token.type",
  // claude-code-otel
  version: "claude_code.version",
  project: "claude_code.project",
  costUsd: "claude_code.cost_usd",
  /** What priced the cost on the span: ledger, learned, price_table, override, unknown (model/pricer.ts). */
  costSource: "claude_code.cost.source",
  /** With `--cost-source both`: our own price beside the cost. */
  costComputedUsd: "claude_code.cost.computed_usd",
  /** On the first main-thread chat span after a compaction: what writing the cache again cost. */
  compactionCacheRebuildUsd: "claude_code.compaction.cache_rebuild_usd",
  ledgerIndex: "claude_code.ledger.index",
  /** Claude Code's running total at its ledger line. */
  ledgerTotalUsd: "claude_code.ledger.total_usd",
  /** On the provisional session span only: totals so far, the final span replaces it. */
  sessionOpen: "claude_code.session.open",
  /** On every provisional span (units.ts provisionalUnit): the collector drops them for backends that must get each span once. */
  spanProvisional: "claude_code.span.provisional",
  costUnattributedUsd: "claude_code.cost.unattributed_usd",
  costComplete: "claude_code.cost.complete",
  turns: "claude_code.turns",
  requests: "claude_code.requests",
  toolCalls: "claude_code.tool_calls",
  toolFailures: "claude_code.tool_failures",
  compactions: "claude_code.compactions",
  subagents: "claude_code.subagents",
  promptId: "claude_code.prompt.id",
  turnIndex: "claude_code.turn.index",
  requestId: "claude_code.request.id",
  /** The subagent a request or tool call belongs to. */
  subagentId: "claude_code.agent.id",
  toolOutcome: "claude_code.tool.outcome",
  toolTarget: "claude_code.tool.target",
  toolUseId: "claude_code.tool_use_id",
  compactionTrigger: "claude_code.compaction.trigger",
  compactionPreTokens: "claude_code.compaction.pre_tokens",
  compactionPostTokens: "claude_code.compaction.post_tokens",
  compactionDroppedTokens: "claude_code.compaction.dropped_tokens",
} as const;

/**
 * Keys Langfuse's OTLP ingestion reads (src/mapping/destinations/langfuse.ts sets them; the collector
 * strips them from what goes to LangSmith). https://langfuse.com/integrations/native/opentelemetry#property-mapping
 */
export const LANGFUSE_ATTR = {
  sessionId: "langfuse.session.id",
  userId: "langfuse.user.id",
  release: "langfuse.release",
  traceTags: "langfuse.trace.tags",
  traceMetadata: "langfuse.trace.metadata",
  observationType: "langfuse.observation.type",
  observationLevel: "langfuse.observation.level",
  observationStatusMessage: "langfuse.observation.status_message",
  observationMetadata: "langfuse.observation.metadata",
  /** JSON objects; Langfuse takes them over every other usage/cost convention. */
  usageDetails: "langfuse.observation.usage_details",
  costDetails: "langfuse.observation.cost_details",
} as const;

/**
 * Keys LangSmith's OTLP ingestion reads (src/mapping/destinations/langsmith.ts sets them; the
 * collector strips them from what goes to Langfuse).
 * https://docs.langchain.com/langsmith/trace-with-opentelemetry#supported-opentelemetry-attribute-and-event-mapping
 */
export const LANGSMITH_ATTR = {
  spanKind: "langsmith.span.kind",
  /** `langsmith.metadata.<key>` becomes the run's `metadata.<key>`. */
  metadata: "langsmith.metadata",
  tags: "langsmith.span.tags",
  /** JSON usage_metadata (tokens, token details, costs), as LangSmith's own OTel exporter sends it. */
  usageMetadata: "langsmith.usage_metadata",
} as const;

/** Resource attribute keys we set. */
export const RESOURCE_ATTR = {
  serviceName: "service.name",
  serviceVersion: "service.version",
  /** The collector keeps our data apart from Claude Code's own telemetry with this. Mandatory. */
  telemetrySource: "claude_code.telemetry.source",
} as const;

export const TELEMETRY_SOURCE = "claude-code-otel";
export const DEFAULT_SERVICE_NAME = "claude-code-otel";
export const INSTRUMENTATION_SCOPE = "claude-code-otel";

/** Attribute keys on metric points (short, Prometheus label friendly, shared with Claude Code's own metrics). */
export const METRIC_ATTR = {
  project: "project",
  model: "model",
  type: "type",
  toolName: "tool_name",
  outcome: "outcome",
  trigger: "trigger",
  sessionId: "session.id",
  /** On cost points: what priced them (ledger, learned, price_table, override, unknown). */
  costSource: "cost_source",
} as const;

export const TOKEN_TYPES = ["input", "output", "cacheRead", "cacheCreation"] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

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

/** `error.type` for a tool that reported an error result. */
export const TOOL_ERROR_TYPE = "tool_error";
/** Metric `outcome` for a call that never got a result in a finished session. */
export const OUTCOME_INTERRUPTED = "interrupted";

/**
 * `gen_ai.token.modality` on the usage counters: Anthropic's usage (and so Claude Code's
 * transcript) does not break tokens down by modality, for which the conventions say `unknown`.
 */
export const TOKEN_MODALITY_UNKNOWN = "unknown";

export const CAPTURE_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";
