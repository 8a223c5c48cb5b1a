import type { ExportResult } from "@opentelemetry/core";
import { ExportResultCode } from "@opentelemetry/core";
import { OTLPMetricExporter as JsonMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import type { Resource } from "@opentelemetry/resources";
import type { PushMetricExporter, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { OtlpTarget } from "../config/export-target.js";
import { describeTarget } from "./describe-target.js";
import { toResourceMetrics } from "../sdk/metric-batch.js";
import type { MetricPoint } from "../mapping/metric-point.js";
import { toReadableSpan } from "../sdk/readable-span.js";
import type { ExportOutcome, TelemetrySink } from "./sink.js";
import type { MetricWindow } from "../state/metric-clock.js";
import { errorText } from "./sink.js";
import type { SpanData } from "../mapping/span-data.js";
import { estimateSpanBytes } from "../mapping/span-size.js";

/**
 * Bounds per traces request: a replay batch (export-batch.ts, ≤ 2,000 spans, ≤ 3 MiB estimated)
 * goes out as one request, well under collectors' default 4 MiB body limit.
 */
const SPANS_PER_REQUEST = 2_048;
const SPAN_BYTES_PER_REQUEST = 3 * 1024 * 1024;
/** The SDK bounds each export (timeout + retries); this is a last guard against a hung promise. */
const DEFAULT_TIMEOUT_MS = 10_000;

function settle(run: (done: (r: ExportResult) => void) => void, timeoutMs: number): Promise<ExportOutcome> {
  return new Promise<ExportOutcome>((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    // unref: a pending export must never keep a hook or CLI process alive on its own.
    timer.unref();
    try {
      run((r) => {
        clearTimeout(timer);
        resolve(r.code === ExportResultCode.SUCCESS ? { ok: true, bytes: 0 } : { ok: false, error: errorText(r.error ?? "export failed") });
      });
    } catch (error) {
      clearTimeout(timer);
      resolve({ ok: false, error: errorText(error) });
    }
  });
}

/**
 * OTLP/HTTP through the SDK's own exporters: they read OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_}
 * ENDPOINT / HEADERS / TIMEOUT / COMPRESSION / certificates themselves; we pick the protocol.
 */
export function createOtlpSink(target: OtlpTarget, resource: Resource): TelemetrySink {
  const common = {
    ...(target.headers !== undefined ? { headers: { ...target.headers } } : {}),
    ...(target.timeoutMillis !== undefined ? { timeoutMillis: target.timeoutMillis } : {}),
  };
  const traceConfig = { ...common, ...(target.tracesUrl !== undefined ? { url: target.tracesUrl } : {}) };
  const metricConfig = { ...common, ...(target.metricsUrl !== undefined ? { url: target.metricsUrl } : {}) };
  const traces: SpanExporter = target.tracesProtocol === "http/json" ? new JsonTraceExporter(traceConfig) : new ProtoTraceExporter(traceConfig);
  const metrics: PushMetricExporter = target.metricsProtocol === "http/json" ? new JsonMetricExporter(metricConfig) : new ProtoMetricExporter(metricConfig);
  const guardMs = (target.timeoutMillis ?? DEFAULT_TIMEOUT_MS) * 2 + 2_000;
  return {
    description: describeTarget(target),
    async exportSpans(spans: readonly SpanData[]): Promise<ExportOutcome> {
      let chunk: ReadableSpan[] = [];
      let chunkBytes = 0;
      const flush = async (): Promise<ExportOutcome> => {
        const body = chunk;
        chunk = [];
        chunkBytes = 0;
        return settle((done) => traces.export(body, done), guardMs);
      };
      for (const s of spans) {
        const bytes = estimateSpanBytes(s);
        if (chunk.length > 0 && (chunk.length >= SPANS_PER_REQUEST || chunkBytes + bytes > SPAN_BYTES_PER_REQUEST)) {
          const outcome = await flush();
          if (!outcome.ok) return outcome;
        }
        // Straight to the serializer: no copies of the attributes.
        chunk.push(toReadableSpan(s, resource, { shareAttributes: true }));
        chunkBytes += bytes;
      }
      return chunk.length > 0 ? flush() : { ok: true, bytes: 0 };
    },
    async exportMetrics(points: readonly MetricPoint[], window: MetricWindow): Promise<ExportOutcome> {
      if (points.length === 0) return { ok: true, bytes: 0 };
      const batch: ResourceMetrics = toResourceMetrics(points, resource, window.startMs, window.timeMs);
      return settle((done) => metrics.export(batch, done), guardMs);
    },
    async shutdown(): Promise<void> {
      await Promise.allSettled([traces.shutdown(), metrics.shutdown()]);
    },
  };
}
