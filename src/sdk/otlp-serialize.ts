/**
 * The one place spans and metric points become OTLP export request bytes: chunked under a request
 * bound, in the order given (parents first, as planned), protobuf or JSON.
 */
import { JsonMetricsSerializer, JsonTraceSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { Resource } from "@opentelemetry/resources";
import type { MetricPoint } from "../mapping/metric-point.js";
import type { SpanData } from "../mapping/span-data.js";
import { estimateSpanBytes } from "../mapping/span-size.js";
import { toResourceMetrics } from "./metric-batch.js";
import { toReadableSpan } from "./readable-span.js";

/** How an OTLP/HTTP request body is encoded: protobuf or JSON. */
export type OtlpEncoding = "pb" | "json";
/** The two signals we send, as OTLP names their paths (`/v1/traces`, `/v1/metrics`). */
export type OtlpSignal = "traces" | "metrics";

/**
 * Per traces request: well under collectors' default body limits (Langfuse Cloud takes 5 MB),
 * and a replay batch (≤ 2,000 spans, ≤ 3 MiB estimated) is one request. A destination with a
 * smaller limit answers 413 and the outbox splits the request.
 */
export const SPANS_PER_REQUEST = 2_000;
export const SPAN_BYTES_PER_REQUEST = 3 * 1024 * 1024;

export interface SpanChunk {
  readonly spans: readonly SpanData[];
  readonly body: Uint8Array;
}

/** The spans as requests, in order; throws if the serializer fails (it never has). */
export function serializeSpans(spans: readonly SpanData[], resource: Resource, encoding: OtlpEncoding): SpanChunk[] {
  const out: SpanChunk[] = [];
  let chunk: SpanData[] = [];
  let bytes = 0;
  const flush = (): void => {
    if (chunk.length === 0) return;
    // Straight to the serializer: the span data's attributes are read, never copied.
    const readable = chunk.map((s) => toReadableSpan(s, resource, { shareAttributes: true }));
    const body = encoding === "json" ? JsonTraceSerializer.serializeRequest(readable) : ProtobufTraceSerializer.serializeRequest(readable);
    if (body === undefined) throw new Error("the OTLP serializer returned nothing for a traces request");
    out.push({ spans: chunk, body });
    chunk = [];
    bytes = 0;
  };
  for (const s of spans) {
    const size = estimateSpanBytes(s);
    if (chunk.length >= SPANS_PER_REQUEST || (chunk.length > 0 && bytes + size > SPAN_BYTES_PER_REQUEST)) flush();
    chunk.push(s);
    bytes += size;
  }
  flush();
  return out;
}

/** One DELTA metrics request: every point aggregated into its stream, all in the window given. */
export function serializeMetrics(
  points: readonly MetricPoint[],
  resource: Resource,
  window: { readonly startMs: number; readonly timeMs: number },
  encoding: OtlpEncoding,
): Uint8Array {
  const batch = toResourceMetrics(points, resource, window.startMs, window.timeMs);
  const body = encoding === "json" ? JsonMetricsSerializer.serializeRequest(batch) : ProtobufMetricsSerializer.serializeRequest(batch);
  if (body === undefined) throw new Error("the OTLP serializer returned nothing for a metrics request");
  return body;
}
