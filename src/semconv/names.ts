/**
 * The one home of every name in DESIGN.md §2 that leaves this process: span names, attribute
 * keys, metric names and units (the instruments themselves in metrics.ts, re-exported here). Dashboards, alert rules and the collector config depend on
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
  /** What writing the cache again after a compaction cost: on the first main-thread chat span after it and on the compaction span. */
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
  /** Who started the turn: user, or system / schedule / loop when Claude Code did (model/turn-origin.ts). */
  turnOrigin: "claude_code.turn.origin",
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
  /** Main-thread tool results the compaction replaced by its summary, and their bytes. */
  compactionToolOutputs: "claude_code.compaction.tool_outputs",
  compactionToolOutputBytes: "claude_code.compaction.tool_output_bytes",
  /** Files in the context when it compacted; those it put back whole; those it lost or kept only by name. */
  compactionFiles: "claude_code.compaction.files",
  compactionFilesRestored: "claude_code.compaction.files_restored",
  compactionFilesLost: "claude_code.compaction.files_lost",
  /** Reads of lost files after it, what they cost and how long they took. */
  compactionRereads: "claude_code.compaction.rereads",
  compactionRereadCostUsd: "claude_code.compaction.reread_cost_usd",
  compactionRereadDurationMs: "claude_code.compaction.reread_duration_ms",
  compactionKeptLines: "claude_code.compaction.kept_lines",
  compactionSummaryBytes: "claude_code.compaction.summary_bytes",
  /** The previous compaction's uuid, when nothing happened between the two. */
  compactionDuplicateOf: "claude_code.compaction.duplicate_of",
  /** Content capture only: the paths of the files it lost, and of those read again. */
  compactionLostFilePaths: "claude_code.compaction.lost_file_paths",
  compactionRereadFilePaths: "claude_code.compaction.reread_file_paths",
  /** On an execute_tool span: the compaction (uuid) whose loss this Read repairs. */
  toolRereadAfter: "claude_code.tool.reread_after_compaction",
  /**
   * A tool call's attributed cost (model/tool-costs.ts), on its execute_tool span when the span
   * leaves after the session is over: live, it leaves before the requests that carry its result.
   */
  toolCostUsd: "claude_code.tool.cost_usd",
  /**
   * Where LangSmith gets the span (destinations/langsmith-traces.ts), when not where it is: its
   * trace there, its parent there ("" for a root). Read and removed by the collector's LangSmith
   * pipeline (and by this process when it sends to LangSmith itself).
   */
  langsmithTraceId: "claude_code.langsmith.trace_id",
  langsmithParentSpanId: "claude_code.langsmith.parent_span_id",
  /** On the root of a LangSmith continuation trace: its part number (2, 3, ...). */
  langsmithPart: "claude_code.langsmith.part",
  /** That root is for LangSmith only: every other pipeline drops it. */
  langsmithOnly: "claude_code.langsmith.only",
} as const;

/** Key prefixes a pipeline drops whole: LangSmith placement keys (ATTR.langsmith*), Langfuse's keys, GenAI usage keys. */
export const ATTR_PREFIX = {
  langsmithPlacement: "claude_code.langsmith.",
  langfuse: "langfuse.",
  usage: "gen_ai.usage.",
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
  /** Hook errors: the hook event, and whose hook it was (claude-code-otel or unknown). */
  hookEvent: "hook_event",
  hook: "hook",
  /** Heartbeats: which process sent it (hooks, watch), from which machine and user, and our version. */
  component: "component",
  host: "host",
  user: "user",
  version: "version",
} as const;

export const TOKEN_TYPES = ["input", "output", "cacheRead", "cacheCreation"] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

export type { InstrumentKind, MetricDefinition, MetricKey } from "./metrics.js";
export { METRIC } from "./metrics.js";

export interface GaugeDefinition {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
}

/**
 * The heartbeat's gauges (sdk/heartbeat-metrics.ts): sent straight to the destination by the
 * hooks' flusher and `watch`, at most once a minute per machine, never through the outbox.
 */
export const HEALTH_METRIC = {
  heartbeat: { name: "claude_code.telemetry.heartbeat", unit: "s", description: "When this machine's telemetry last reported (Unix time)" },
  outboxRequests: { name: "claude_code.telemetry.outbox.requests", unit: "{request}", description: "Export requests waiting in the destination's outbox" },
  outboxBytes: { name: "claude_code.telemetry.outbox.size", unit: "By", description: "Bytes waiting in the destination's outbox" },
  outboxAge: { name: "claude_code.telemetry.outbox.age", unit: "s", description: "How long the oldest waiting export request has waited" },
  spoolTriggers: { name: "claude_code.telemetry.spool.triggers", unit: "{trigger}", description: "Hook triggers waiting in the spool" },
  logErrors: { name: "claude_code.telemetry.log.errors", unit: "{error}", description: "Errors the hooks and the flusher logged in the last hour" },
} as const satisfies Record<string, GaugeDefinition>;

export type HealthMetricKey = keyof typeof HEALTH_METRIC;

/**
 * What `doctor --send-test` writes (sdk/doctor-test.ts): one span and one gauge point under names
 * no dashboard, alert, report or cost reads, with our usual resource so that it takes the route
 * our data takes; the span is a trace of its own, marked `claude_code.doctor.test=true`.
 */
export const DOCTOR_TEST = {
  span: "claude_code.doctor.test",
  /** On the span: true. */
  attribute: "claude_code.doctor.test",
  metric: { name: "claude_code.doctor.test", unit: "s", description: "When doctor --send-test last wrote from this machine (Unix time)" },
} as const;

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
