/**
 * `claude-code-otel/internal`: building blocks of the CLI (exactly-once export, ledgers, sinks,
 * outboxes, the metric clock), for experiments and tools of our own. Unstable: any release may change or
 * remove them. The supported API is `claude-code-otel` (src/index.ts).
 */
export { planExport, NOTHING_EXPORTED } from "./mapping/plan-export.js";
export type { ExportPlan, ExportedUnits, PlanOptions } from "./mapping/plan-export.js";
export { UNIT_OF_WORK, completeUnitKeys } from "./mapping/units-of-work.js";
export { sessionSpanId } from "./mapping/ids.js";
export { mainModel } from "./mapping/ledger-correction.js";
export { METRIC_ATTR, TELEMETRY_SOURCE } from "./semconv/names.js";
export { redactSecrets, truncate } from "./redact/redact.js";
export { readTranscriptLinesSync } from "./transcript/read-lines.js";
export { toReadableSpan } from "./sdk/readable-span.js";
export type { ReadableSpanOptions } from "./sdk/readable-span.js";
export { toResourceMetrics } from "./sdk/metric-batch.js";
export { resourceAttributes } from "./sdk/resource.js";
export { resolveExportTarget, defaultOutputDir } from "./config/export-target.js";
export type { ExportTarget, ExportOverrides, OtlpTarget, FileTarget, ConsoleTarget, OtlpProtocol } from "./config/export-target.js";
export { defaultStateDir } from "./config/state-dir.js";
export { createConsoleSink } from "./delivery/console-sink.js";
export { createOutboxSink } from "./delivery/outbox-sink.js";
export { destinationOf, hooksDestination } from "./delivery/destination.js";
export type { TelemetrySink, ExportOutcome } from "./delivery/sink.js";
export { exportSession, commitUnits, cursorsOfSync } from "./pipeline/export-session.js";
export { openDestinationPass } from "./pipeline/destination-pass.js";
export type { ExportSessionOptions, ExportSessionResult } from "./pipeline/export-session.js";
export { withMetricWindow, nextWindow } from "./state/metric-clock.js";
export type { MetricWindow } from "./state/metric-clock.js";
export { loadSessionStateSync, saveSessionState, withSessionLock } from "./state/session-state.js";
export type { SessionState } from "./state/session-state.js";
