/**
 * claude-code-otel as a library: read Claude Code transcripts into a session model, map them to
 * OpenTelemetry spans and metric points (pure), hand them to an OpenTelemetry SDK of yours, or
 * replay them to a destination exactly once as the CLI does. ES modules only.
 * Internals, without stability promise, are on `claude-code-otel/internal`.
 */

// Reading: find sessions, read their files, parse a line
export { discoverSessionsSync, defaultProjectsDir } from "./transcript/discover.js";
export type { SessionSource, AgentFile, DiscoveryResult, DiscoverOptions } from "./transcript/discover.js";
export { loadSessionSync } from "./transcript/load-session.js";
export type { LoadedSession } from "./transcript/load-session.js";
export type { SessionInput, AgentTranscript, AgentMeta } from "./transcript/session-input.js";
export { parseTranscriptLine } from "./transcript/parse-line.js";
export type { TranscriptLine, ParseStats } from "./transcript/line-types.js";
export { scanSessions } from "./pipeline/scan-sessions.js";
export type { ScanResult } from "./pipeline/scan-sessions.js";
export type { SessionFilter } from "./pipeline/session-filter.js";

// The session model and its cost
export { buildSession } from "./model/build-session.js";
export type {
  Session,
  ApiRequest,
  ToolCall,
  ToolOutcome,
  Turn,
  Subagent,
  SubagentLayout,
  Compaction,
  LedgerSegment,
  SessionCost,
  ModelCost,
  RequestCost,
  TokenUsage,
} from "./model/types.js";
export { createPricer } from "./cost/price-request.js";
export type { PricerOptions } from "./cost/price-request.js";
export type { Pricer, RequestPrice, CostSourceKind } from "./model/pricer.js";
export type { PriceConfig, PriceOverride, CostMode } from "./config/price-overrides.js";

// Mapping (pure): spans and metric points, their ids and names
export { sessionToSpans } from "./mapping/map-spans.js";
export type { SpanMapOptions } from "./mapping/map-spans.js";
export type { DestinationOptions, DestinationName } from "./mapping/destinations/index.js";
export { sessionToMetricPoints } from "./mapping/map-metrics.js";
export type { MetricMapOptions } from "./mapping/map-metrics.js";
export type { SpanData, SpanEventData, Attributes, AttributeValue, SpanKindName, StatusCodeName } from "./mapping/span-data.js";
export type { MetricPoint } from "./mapping/metric-point.js";
export { traceIdFor, spanIdFor } from "./mapping/ids.js";
export type { SpanKey } from "./mapping/ids.js";
export { SPAN_NAME, ATTR, METRIC, RESOURCE_ATTR } from "./semconv/names.js";
export type { MetricKey, MetricDefinition } from "./semconv/names.js";

// Into an OpenTelemetry SDK of yours
export { emitSession, sessionToReadableSpans } from "./sdk/emit-session.js";
export type { EmitSessionOptions, ReadableSpansOptions } from "./sdk/emit-session.js";
export { SessionMetricProducer } from "./sdk/metric-producer.js";
export type { SessionMetricProducerOptions } from "./sdk/metric-producer.js";
export { buildResource } from "./sdk/resource.js";

// Replay: sessions to a destination, incremental and exactly once (what `claude-code-otel replay` does)
export { replay } from "./pipeline/replay.js";
export type { ReplayOptions, ReplayResult } from "./pipeline/replay-options.js";
export type { BatchedOutcome as ReplayOutcome } from "./pipeline/catch-up-types.js";
export { resolveDestination } from "./delivery/destination.js";
export type { Destination, OtlpDestination, FileDestination } from "./delivery/destination.js";
export type { ConsoleTarget, ExportOverrides } from "./config/export-target.js";
