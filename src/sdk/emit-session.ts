/**
 * For users who already run an OpenTelemetry SDK: record sessions into THEIR providers.
 * `emitSession` goes through @opentelemetry/api only (so it works with any SDK version the
 * caller registered); `sessionToReadableSpans` keeps our deterministic ids for callers who feed
 * span processors or exporters directly.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Attributes as ApiAttributes, MeterProvider, Span, TracerProvider } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { Session } from "../model/types.js";
import type { MetricMapOptions } from "../mapping/map-metrics.js";
import { sessionToMetricPoints } from "../mapping/map-metrics.js";
import type { SpanMapOptions } from "../mapping/map-spans.js";
import { sessionToSpans } from "../mapping/map-spans.js";
import { toReadableSpan } from "./readable-span.js";
import { buildResource, packageVersion } from "./resource.js";
import { createMeterRecorder } from "./meter-recorder.js";
import { INSTRUMENTATION_SCOPE, RESOURCE_ATTR, TELEMETRY_SOURCE } from "../semconv/names.js";
import type { SpanData } from "../mapping/span-data.js";

/** Options of {@link emitSession}: the providers to record into, and the mapping's options. */
export interface EmitSessionOptions extends SpanMapOptions, MetricMapOptions {
  /** Spans go through its tracer (none recorded without it). */
  readonly tracerProvider?: TracerProvider;
  /** Metric measurements go through its meter (none recorded without it). */
  readonly meterProvider?: MeterProvider;
}

/** Parents before children, whatever order the mapping produced. */
function parentsFirst(spans: readonly SpanData[]): SpanData[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const depth = (s: SpanData): number => {
    let d = 0;
    for (let p = s.parentSpanId; p !== undefined && d < 64; p = byId.get(p)?.parentSpanId) d++;
    return d;
  };
  return spans
    .map((s) => ({ s, d: depth(s) }))
    .sort((a, b) => a.d - b.d || a.s.startTimeMs - b.s.startTimeMs)
    .map((x) => x.s);
}

/**
 * Records a session through the caller's providers: spans with the transcript's start/end
 * times and parent links (ids are the caller's SDK's own), and the metric measurements on the
 * caller's meter (timestamped by the caller's reader, i.e. now). Returns what was recorded.
 * Everything carries the providers' resource and our instrumentation scope (`claude-code-otel`),
 * by which the deployment kit's collector tells our data apart whatever the resource.
 */
export function emitSession(session: Session, options: EmitSessionOptions): { spans: number; points: number } {
  let spans = 0;
  let points = 0;
  if (options.tracerProvider !== undefined) {
    const tracer = options.tracerProvider.getTracer(INSTRUMENTATION_SCOPE, packageVersion());
    const created = new Map<string, Span>();
    for (const data of parentsFirst(sessionToSpans(session, options))) {
      const parent = data.parentSpanId === undefined ? undefined : created.get(data.parentSpanId);
      const ctx = parent === undefined ? ROOT_CONTEXT : trace.setSpan(ROOT_CONTEXT, parent);
      // Date, not a number: the SDK reads numbers below its time origin as performance.now() offsets.
      const span = tracer.startSpan(
        data.name,
        {
          kind: data.kind === "CLIENT" ? SpanKind.CLIENT : SpanKind.INTERNAL,
          startTime: new Date(data.startTimeMs),
          attributes: data.attributes as ApiAttributes,
          root: parent === undefined,
        },
        ctx,
      );
      for (const e of data.events) span.addEvent(e.name, e.attributes as ApiAttributes, new Date(e.timeMs));
      if (data.status.code === "ERROR") span.setStatus({ code: SpanStatusCode.ERROR, ...(data.status.message !== undefined ? { message: data.status.message } : {}) });
      span.end(new Date(Math.max(data.endTimeMs, data.startTimeMs)));
      created.set(data.spanId, span);
      spans++;
    }
  }
  if (options.meterProvider !== undefined) {
    const record = createMeterRecorder(options.meterProvider.getMeter(INSTRUMENTATION_SCOPE, packageVersion()));
    points = record(sessionToMetricPoints(session, options));
  }
  return { spans, points };
}

/** Options of {@link sessionToReadableSpans}. */
export interface ReadableSpansOptions extends SpanMapOptions {
  /**
   * The resource the spans carry; ours (`buildResource()`) by default. Yours keeps its attributes,
   * plus `claude_code.telemetry.source=claude-code-otel`, which the deployment kit's collector
   * routes our spans by.
   */
  readonly resource?: Resource;
}

/** Our spans as SDK ReadableSpans (deterministic ids, historical times), for the caller's processors/exporters. */
export function sessionToReadableSpans(session: Session, options: ReadableSpansOptions = {}): ReadableSpan[] {
  const resource = options.resource === undefined ? buildResource() : options.resource.merge(resourceFromAttributes({ [RESOURCE_ATTR.telemetrySource]: TELEMETRY_SOURCE }));
  return sessionToSpans(session, options).map((s) => toReadableSpan(s, resource));
}
