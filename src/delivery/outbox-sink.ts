/**
 * A TelemetrySink that "delivers" into a destination's outbox: each request becomes a pending
 * entry (outbox.ts) carrying the units it holds; `commit` makes this batch's entries sendable
 * once their units are in the ledgers, `discard` removes them when nothing was recorded. Sending
 * is a separate step (send-outbox.ts), byte for byte what was written here.
 */
import type { Attributes } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import type { MetricPoint } from "../mapping/metric-point.js";
import type { SpanData } from "../mapping/span-data.js";
import { ATTR } from "../semconv/names.js";
import type { MetricWindow } from "../state/metric-clock.js";
import type { CarriedUnits, OutboxEntry } from "./outbox.js";
import type { OtlpEncoding, OtlpSignal, serializeMetrics, serializeSpans } from "../sdk/otlp-serialize.js";
import { markReady, removeEntry, writePendingEntry } from "./outbox.js";
import type { ExportOutcome, TelemetrySink, UnitsBySession } from "./sink.js";
import { errorText } from "./sink.js";

export interface OutboxSink extends TelemetrySink {
  /** Requests written since the sink was made. */
  written(): number;
}

/** The units a chunk of spans carries, per session (every span names its session). */
function spanUnits(spans: readonly SpanData[]): Record<string, CarriedUnits> {
  const out: Record<string, { spans: string[] }> = {};
  for (const s of spans) {
    const sessionId = String(s.attributes[ATTR.sessionId] ?? "");
    (out[sessionId] ??= { spans: [] }).spans.push(s.unitKey);
  }
  return out;
}

interface Serializer {
  readonly serializeSpans: typeof serializeSpans;
  readonly serializeMetrics: typeof serializeMetrics;
  readonly resource: Resource;
}

/**
 * `resource`: the attributes of the resource every request carries. The OTLP serialiser and the
 * SDK's Resource are loaded on the first export (~0.2 s of CPU at start), so a pass that writes
 * nothing, a replay with nothing new, never loads them.
 */
export function createOutboxSink(dir: string, encoding: Readonly<Record<OtlpSignal, OtlpEncoding>>, resource: Readonly<Attributes>, description: string): OutboxSink {
  let serializer: Promise<Serializer> | undefined;
  const load = (): Promise<Serializer> =>
    (serializer ??= Promise.all([import("../sdk/otlp-serialize.js"), import("@opentelemetry/resources")]).then(([s, r]) => ({
      serializeSpans: s.serializeSpans,
      serializeMetrics: s.serializeMetrics,
      resource: r.resourceFromAttributes(resource),
    })));
  let staged: OutboxEntry[] = [];
  let written = 0;
  const write = (signal: "traces" | "metrics", units: Readonly<Record<string, CarriedUnits>>, items: number, body: Uint8Array): number => {
    const entry = writePendingEntry(dir, { v: 1, signal, encoding: encoding[signal], items, units }, body);
    staged.push(entry);
    written++;
    return entry.bytes;
  };
  return {
    description,
    written: () => written,
    async exportSpans(spans: readonly SpanData[]): Promise<ExportOutcome> {
      if (spans.length === 0) return { ok: true, bytes: 0 };
      try {
        const { serializeSpans, resource } = await load();
        let bytes = 0;
        for (const chunk of serializeSpans(spans, resource, encoding.traces)) bytes += write("traces", spanUnits(chunk.spans), chunk.spans.length, chunk.body);
        return { ok: true, bytes };
      } catch (error) {
        return { ok: false, error: `cannot write the outbox: ${errorText(error)}` };
      }
    },
    async exportMetrics(points: readonly MetricPoint[], window: MetricWindow, units?: UnitsBySession): Promise<ExportOutcome> {
      if (points.length === 0) return { ok: true, bytes: 0 };
      try {
        const { serializeMetrics, resource } = await load();
        return { ok: true, bytes: write("metrics", units ?? {}, points.length, serializeMetrics(points, resource, window, encoding.metrics)) };
      } catch (error) {
        return { ok: false, error: `cannot write the outbox: ${errorText(error)}` };
      }
    },
    commit(): void {
      // Renames in order: a sender never sees a later entry of this batch sendable before an earlier one.
      for (const e of staged) markReady(e);
      staged = [];
    },
    discard(): void {
      for (const e of staged) removeEntry(e);
      staged = [];
    },
    async shutdown(): Promise<void> {},
  };
}
