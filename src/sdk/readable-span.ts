import { SpanKind, SpanStatusCode, TraceFlags } from "@opentelemetry/api";
import type { HrTime, SpanContext } from "@opentelemetry/api";
import { hrTimeDuration, millisToHrTime } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { packageVersion } from "./resource.js";
import { INSTRUMENTATION_SCOPE } from "../semconv/names.js";
import type { Attributes, SpanData, SpanKindName, StatusCodeName } from "../mapping/span-data.js";

const KIND: Record<SpanKindName, SpanKind> = { INTERNAL: SpanKind.INTERNAL, CLIENT: SpanKind.CLIENT };
const STATUS: Record<StatusCodeName, SpanStatusCode> = { UNSET: SpanStatusCode.UNSET, OK: SpanStatusCode.OK, ERROR: SpanStatusCode.ERROR };

function context(traceId: string, spanId: string, isRemote: boolean): SpanContext {
  return { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote };
}

/**
 * A copy down to array values, which the mapping shares between spans (frozen): the SDK's own
 * spans hold arrays of their own (it slices them), and a processor may change them in place.
 */
function copyAttributes(attributes: Attributes): Attributes {
  const copy = { ...attributes };
  for (const key in copy) {
    const value = copy[key];
    if (Array.isArray(value)) copy[key] = value.slice();
  }
  return copy;
}

export interface ReadableSpanOptions {
  /**
   * Share the span data's attribute objects instead of copying them (default false): only for a
   * ReadableSpan that goes straight to a serializer, which reads and never changes them (our
   * own sinks). A caller's span processor may change its spans, so those get copies.
   */
  readonly shareAttributes?: boolean;
}

/**
 * SpanData → the SDK's ReadableSpan, keeping our deterministic ids and the transcript's
 * historical timestamps (a Tracer would stamp new ids and "now").
 */
export function toReadableSpan(span: SpanData, resource: Resource, options: ReadableSpanOptions = {}): ReadableSpan {
  const copy = options.shareAttributes !== true;
  const startTime: HrTime = millisToHrTime(span.startTimeMs);
  // An end before the start (clock skew between lines) would be a negative duration: clamp.
  const endTime: HrTime = millisToHrTime(Math.max(span.endTimeMs, span.startTimeMs));
  const own = context(span.traceId, span.spanId, false);
  return {
    name: span.name,
    kind: KIND[span.kind],
    spanContext: () => own,
    // Remote: the parent may have been exported by another process (a hook, an earlier replay).
    parentSpanContext: span.parentSpanId === undefined ? undefined : context(span.traceId, span.parentSpanId, true),
    startTime,
    endTime,
    duration: hrTimeDuration(startTime, endTime),
    status: span.status.message === undefined ? { code: STATUS[span.status.code] } : { code: STATUS[span.status.code], message: span.status.message },
    // Copies: a library caller's span processor may change them, and the span data is the caller's.
    attributes: copy ? copyAttributes(span.attributes) : span.attributes,
    links: [],
    events: span.events.map((e) => ({ name: e.name, time: millisToHrTime(e.timeMs), attributes: copy ? copyAttributes(e.attributes) : e.attributes })),
    ended: true,
    resource,
    instrumentationScope: { name: INSTRUMENTATION_SCOPE, version: packageVersion() },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
