/**
 * A TelemetrySink that "delivers" by serializing OTLP export requests into the outbox. Used with
 * pipeline/export-session.ts, it makes "written to the outbox" the moment units enter the ledger
 * and metric windows are stamped; sending is a separate step (send-outbox.ts).
 */
import { JsonMetricsSerializer, JsonTraceSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { Resource } from "@opentelemetry/resources";
import { toResourceMetrics } from "../sdk/metric-batch.js";
import type { MetricPoint } from "../mapping/metric-point.js";
import { toReadableSpan } from "../sdk/readable-span.js";
import type { ExportOutcome, TelemetrySink } from "./sink.js";
import type { MetricWindow } from "../state/metric-clock.js";
import { errorText } from "./sink.js";
import type { SpanData } from "../mapping/span-data.js";
import type { OtlpDelivery } from "./resolve-delivery.js";
import type { OutboxWriter } from "./outbox.js";

/** Spans per request, as the OTLP sink does: well under collectors' 4 MiB body limit. */
const SPANS_PER_REQUEST = 512;

export function createOutboxSink(outbox: OutboxWriter, delivery: OtlpDelivery, resource: Resource): TelemetrySink & { readonly written: () => number } {
  let written = 0;
  return {
    description: `outbox for ${delivery.description}`,
    written: () => written,
    async exportSpans(spans: readonly SpanData[]): Promise<ExportOutcome> {
      try {
        let bytes = 0;
        // Serialize every chunk before writing any: a failure leaves nothing half-queued.
        const bodies: Uint8Array[] = [];
        for (let i = 0; i < spans.length; i += SPANS_PER_REQUEST) {
          const chunk = spans.slice(i, i + SPANS_PER_REQUEST).map((s) => toReadableSpan(s, resource, { shareAttributes: true }));
          const body = delivery.encoding.traces === "json" ? JsonTraceSerializer.serializeRequest(chunk) : ProtobufTraceSerializer.serializeRequest(chunk);
          if (body === undefined) return { ok: false, error: "could not serialise spans" };
          bodies.push(body);
        }
        for (const body of bodies) {
          bytes += outbox.write("traces", delivery.encoding.traces, body).bytes;
          written++;
        }
        return { ok: true, bytes };
      } catch (error) {
        return { ok: false, error: `cannot write the outbox: ${errorText(error)}` };
      }
    },
    async exportMetrics(points: readonly MetricPoint[], window: MetricWindow): Promise<ExportOutcome> {
      if (points.length === 0) return { ok: true, bytes: 0 };
      try {
        const batch = toResourceMetrics(points, resource, window.startMs, window.timeMs);
        const body = delivery.encoding.metrics === "json" ? JsonMetricsSerializer.serializeRequest(batch) : ProtobufMetricsSerializer.serializeRequest(batch);
        if (body === undefined) return { ok: false, error: "could not serialise metrics" };
        const entry = outbox.write("metrics", delivery.encoding.metrics, body);
        written++;
        return { ok: true, bytes: entry.bytes };
      } catch (error) {
        return { ok: false, error: `cannot write the outbox: ${errorText(error)}` };
      }
    },
    async shutdown(): Promise<void> {},
  };
}
