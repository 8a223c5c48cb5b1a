/**
 * Plain span data: what the pure mapping produces and every exporter consumes.
 * No SDK types here, so mapping is testable without a provider and reusable by the hooks.
 */
export type SpanKindName = "INTERNAL" | "CLIENT";
export type StatusCodeName = "UNSET" | "OK" | "ERROR";

export type AttributeValue = string | number | boolean | string[];
export type Attributes = Record<string, AttributeValue>;

export interface SpanEventData {
  readonly name: string;
  readonly timeMs: number;
  readonly attributes: Attributes;
}

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
