/**
 * Plain span data: what the pure mapping produces and every exporter consumes.
 * No SDK types here, so mapping is testable without a provider and reusable by the hooks.
 */
export type SpanKindName = "INTERNAL" | "CLIENT";
/** A span's status code. */
export type StatusCodeName = "UNSET" | "OK" | "ERROR";

/** One attribute value. */
export type AttributeValue = string | number | boolean | string[];
/** Span attributes: flat keys, primitive or string-array values. */
export type Attributes = Record<string, AttributeValue>;

/** A span event as plain data (`exception` on a failed tool call). */
export interface SpanEventData {
  readonly name: string;
  readonly timeMs: number;
  readonly attributes: Attributes;
}

/** A span as plain data (ids, names, times in ms, attributes, events): what the mapping produces, before any SDK. */
export interface SpanData {
  readonly traceId: string;
  readonly spanId: string;
  /** Undefined for the session (root) span. */
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly kind: SpanKindName;
  readonly startTimeMs: number;
  readonly endTimeMs: number;
  readonly attributes: Attributes;
  readonly status: { readonly code: StatusCodeName; readonly message?: string };
  readonly events: readonly SpanEventData[];
  /** The unit of work this span belongs to (see map-metrics.ts), for exactly-once export. */
  readonly unitKey: string;
}

/** Where a span sits in its trace. */
export type SpanPlace = Pick<SpanData, "traceId" | "spanId" | "parentSpanId">;

/** A span's own fields; no events when it has none. */
export type SpanBody = Omit<SpanData, "traceId" | "spanId" | "parentSpanId" | "events"> & { readonly events?: readonly SpanEventData[] | undefined };

const NO_EVENTS: readonly SpanEventData[] = Object.freeze([]);

/**
 * The span at `place` with `body`'s fields (and other attributes or unit, when given): every field
 * named, so every span has one shape, and no spread: V8 on Node 20 adds properties to a spread
 * copy several times slower than to a literal (docs/performance.md, "Sixth session"). A SpanData
 * is both a place and a body.
 */
export function makeSpan(place: SpanPlace, body: SpanBody, attributes: Attributes = body.attributes, unitKey: string = body.unitKey): SpanData {
  return {
    traceId: place.traceId,
    spanId: place.spanId,
    parentSpanId: place.parentSpanId,
    name: body.name,
    kind: body.kind,
    startTimeMs: body.startTimeMs,
    endTimeMs: body.endTimeMs,
    attributes,
    status: body.status,
    events: body.events ?? NO_EVENTS,
    unitKey,
  };
}
