/**
 * claude-code-otel as a library: read Claude Code transcripts into a session model, map them to
 * OpenTelemetry spans and metric points (pure), and export them (OTLP, files, your own SDK).
 */
// Reading and modelling
export { discoverSessions, defaultProjectsDir } from "./transcript/discover.js";
export type { SessionSource, DiscoveryResult } from "./transcript/discover.js";
export { loadSession } from "./transcript/load-session.js";
export type { LoadedSession } from "./transcript/load-session.js";
export { buildSession } from "./model/build-session.js";
export { scanSessions } from "./pipeline/scan-sessions.js";
export type { ScanResult } from "./pipeline/scan-sessions.js";
export type { SessionFilter } from "./pipeline/session-filter.js";
export { createPricer } from "./cost/price-request.js";
export type { Pricer, RequestPrice } from "./model/pricer.js";
export type { Session, ApiRequest, ToolCall, Turn, Subagent, Compaction, SessionCost, ModelCost, TokenUsage } from "./model/types.js";

// Pure mapping
export { sessionToSpans } from "./mapping/map-spans.js";
export type { SpanMapOptions } from "./mapping/map-spans.js";
export { sessionToMetricPoints, mainModel } from "./mapping/map-metrics.js";
export type { MetricMapOptions } from "./mapping/map-metrics.js";
export type { SpanData, SpanEventData, Attributes, AttributeValue, SpanKindName, StatusCodeName } from "./mapping/span-data.js";
export type { MetricPoint } from "./mapping/metric-point.js";
export { traceIdFor, spanIdFor, sessionSpanId } from "./mapping/ids.js";
export { UNIT_OF_WORK, completeUnitKeys } from "./mapping/units-of-work.js";
export { planExport, NOTHING_EXPORTED } from "./mapping/plan-export.js";
export type { ExportPlan, ExportedUnits, PlanOptions } from "./mapping/plan-export.js";
export { SPAN_NAME, ATTR, METRIC, METRIC_ATTR, RESOURCE_ATTR, TELEMETRY_SOURCE } from "./semconv/names.js";
export type { MetricKey, MetricDefinition } from "./semconv/names.js";
export { redactSecrets, truncate } from "./redact/redact.js";

// SDK bridges
export { emitSession, sessionToReadableSpans } from "./sdk/emit-session.js";
export type { EmitSessionOptions } from "./sdk/emit-session.js";
export { toReadableSpan } from "./sdk/readable-span.js";
export type { ReadableSpanOptions } from "./sdk/readable-span.js";
export { toResourceMetrics } from "./sdk/metric-batch.js";
export { buildResource, resourceAttributes } from "./sdk/resource.js";

// Export with exactly-once state
export { resolveExportTarget, defaultOutputDir } from "./config/export-target.js";
export type { ExportTarget, ExportOverrides, OtlpTarget, FileTarget, ConsoleTarget, OtlpProtocol } from "./config/export-target.js";
export { replay } from "./pipeline/replay.js";
export type { ReplayOptions, ReplayResult } from "./pipeline/replay.js";
export { resolveDestination } from "./delivery/destination.js";
export type { Destination } from "./delivery/destination.js";
export type { TelemetrySink, ExportOutcome } from "./delivery/sink.js";
export { exportSession, commitUnits, cursorsOfSync } from "./pipeline/export-session.js";
export type { ExportSessionOptions, ExportSessionResult } from "./pipeline/export-session.js";
export { defaultStateDir } from "./config/state-dir.js";
export { withMetricWindow, nextWindow } from "./state/metric-clock.js";
export type { MetricWindow } from "./state/metric-clock.js";
export { loadSessionStateSync, saveSessionState, withSessionLock } from "./state/session-state.js";
export type { SessionState } from "./state/session-state.js";
