/**
 * `doctor --send-test`: a test span to a destination's traces URL and a gauge point to its metrics
 * URL, posted as the hooks post (the same URLs, headers, userinfo, TLS files, compression; no
 * redirect followed), never through the outbox. Each answer's body is read for an OTLP partial
 * success: a 200 that rejected the span is not an acceptance.
 */
import type { Resource } from "@opentelemetry/resources";
import { JsonMetricsSerializer, JsonTraceSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { DoctorTestIds, DoctorTestOrigin } from "../sdk/doctor-test.js";
import { doctorTestMetrics, doctorTestSpan } from "../sdk/doctor-test.js";
import type { OtlpEncoding, OtlpSignal } from "../sdk/otlp-serialize.js";
import { serializeSpans } from "../sdk/otlp-serialize.js";
import type { OtlpDestination } from "./destination.js";
import type { PostResult } from "./otlp-post.js";
import { postOtlp } from "./otlp-post.js";

/** One signal's answer. */
export interface SendTestAnswer {
  readonly signal: OtlpSignal;
  /** The URL posted to, as shown (credentials masked). */
  readonly url: string;
  /** The HTTP status; undefined when nothing answered (refused, unresolvable, timed out). */
  readonly status: number | undefined;
  readonly result: PostResult;
  /** A 2xx's partial success: spans or points the receiver says it rejected, and why. */
  readonly rejected: number;
  readonly message: string | undefined;
}

function encodeMetrics(origin: DoctorTestOrigin, resource: Resource, encoding: OtlpEncoding): Uint8Array {
  const batch = doctorTestMetrics(origin, resource);
  const body = encoding === "json" ? JsonMetricsSerializer.serializeRequest(batch) : ProtobufMetricsSerializer.serializeRequest(batch);
  if (body === undefined) throw new Error("the OTLP serializer returned nothing for the test point");
  return body;
}

/** int64 fields arrive as numbers, decimal strings (JSON) or {low, high} (protobuf without Long). */
function count(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") return Number(value) || 0;
  if (typeof value === "object" && value !== null && "low" in value && "high" in value) {
    const { low, high } = value as { low: number; high: number };
    return (high >>> 0) * 2 ** 32 + (low >>> 0);
  }
  return 0;
}

/** The partial success of an OTLP export response body; none when the body is empty or not one. */
export function partialSuccess(signal: OtlpSignal, encoding: OtlpEncoding, body: Uint8Array): { rejected: number; message: string | undefined } {
  if (body.length === 0) return { rejected: 0, message: undefined };
  try {
    let partial: { errorMessage?: string } | undefined;
    let rejected = 0;
    if (signal === "traces") {
      const p = (encoding === "json" ? JsonTraceSerializer : ProtobufTraceSerializer).deserializeResponse(body).partialSuccess;
      rejected = count(p?.rejectedSpans);
      partial = p;
    } else {
      const p = (encoding === "json" ? JsonMetricsSerializer : ProtobufMetricsSerializer).deserializeResponse(body).partialSuccess;
      rejected = count(p?.rejectedDataPoints);
      partial = p;
    }
    if (partial === undefined || partial === null) return { rejected: 0, message: undefined };
    const message = typeof partial.errorMessage === "string" && partial.errorMessage !== "" ? partial.errorMessage : undefined;
    return { rejected, message };
  } catch {
    // A 2xx body that is not an OTLP response (a proxy's page): nothing to read.
    return { rejected: 0, message: undefined };
  }
}

async function post(destination: OtlpDestination, signal: OtlpSignal, body: Uint8Array): Promise<SendTestAnswer> {
  const encoding = destination.encoding[signal];
  let status: number | undefined;
  let answer: Buffer = Buffer.alloc(0);
  const tls = destination.tls[signal];
  const result = await postOtlp(body, encoding, {
    url: destination.url[signal],
    shownUrl: destination.shownUrl[signal],
    headers: destination.headers[signal],
    timeoutMs: destination.timeoutMs[signal],
    gzip: destination.gzip[signal],
    ...(tls === undefined ? {} : { tls }),
    onAnswer: (s, b) => {
      status = s;
      answer = b;
    },
  });
  const partial = result.kind === "ok" ? partialSuccess(signal, encoding, answer) : { rejected: 0, message: undefined };
  return { signal, url: destination.shownUrl[signal], status, result, ...partial };
}

/** Posts the test span and the test point (at once) and returns both answers, traces first. */
export async function sendTest(destination: OtlpDestination, resource: Resource, origin: DoctorTestOrigin, ids: DoctorTestIds): Promise<SendTestAnswer[]> {
  const [chunk] = serializeSpans([doctorTestSpan(ids, origin)], resource, destination.encoding.traces);
  if (chunk === undefined) throw new Error("the OTLP serializer returned nothing for the test span");
  return Promise.all([post(destination, "traces", chunk.body), post(destination, "metrics", encodeMetrics(origin, resource, destination.encoding.metrics))]);
}
