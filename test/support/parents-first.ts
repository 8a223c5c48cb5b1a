import type { ReceivedSpan } from "./otlp-receiver.js";
import { requestOf } from "./otlp-receiver.js";

export interface ArrivalAudit {
  /** Spans whose parent had not arrived in an earlier request or in the same one. */
  readonly beforeParent: ReceivedSpan[];
  /** Spans whose parent never arrived at all. */
  readonly orphans: ReceivedSpan[];
  /** Span ids received more than once, with how many times. */
  readonly repeated: Map<string, number>;
  /** Provisional spans received (claude_code.span.provisional or claude_code.session.open). */
  readonly provisional: number;
}

const isProvisional = (s: ReceivedSpan): boolean => s.attributes["claude_code.span.provisional"] === true || s.attributes["claude_code.session.open"] === true;

/**
 * Audits spans in the order a receiver got them: a span "arrives before its parent" unless a span
 * with its parent's id (final or provisional) came in an earlier request or in the same request.
 */
export function auditArrivals(spans: readonly ReceivedSpan[]): ArrivalAudit {
  const firstRequest = new Map<string, number>();
  const counts = new Map<string, number>();
  spans.forEach((s, i) => {
    const request = requestOf(s) ?? i;
    if (!firstRequest.has(s.spanId)) firstRequest.set(s.spanId, request);
    counts.set(s.spanId, (counts.get(s.spanId) ?? 0) + 1);
  });
  const beforeParent: ReceivedSpan[] = [];
  const orphans: ReceivedSpan[] = [];
  spans.forEach((s, i) => {
    if (s.parentSpanId === undefined) return;
    const parentAt = firstRequest.get(s.parentSpanId);
    if (parentAt === undefined) orphans.push(s);
    else if (parentAt > (requestOf(s) ?? i)) beforeParent.push(s);
  });
  return { beforeParent, orphans, repeated: new Map([...counts].filter(([, n]) => n > 1)), provisional: spans.filter(isProvisional).length };
}
