import type { ExportTarget } from "../config/export-target.js";
import type { Resource } from "@opentelemetry/resources";
import type { MetricPoint } from "../mapping/metric-point.js";
import type { ExportOutcome, MetricWindow, TelemetrySink } from "./sink.js";
import type { SpanData } from "../mapping/span-data.js";

/** The description a sink for `target` reports (exporters.ts builds the same strings). */
export function describeTarget(target: ExportTarget): string {
  switch (target.kind) {
    case "otlp":
      return `OTLP ${target.tracesProtocol} to ${target.tracesUrlShown} and ${target.metricsUrlShown}`;
    case "file":
      return `OTLP JSON files in ${target.dir} (traces.jsonl, metrics.jsonl)`;
    case "console":
      return "the console";
  }
}

/**
 * The sink for `target`, whose modules (the OpenTelemetry SDK exporters and resources: a few
 * hundred ms to load) are imported on the first export: an incremental replay with nothing
 * new never pays for them.
 */
export function createLazySink(target: ExportTarget, options: { resource?: Resource; env?: NodeJS.ProcessEnv; write?: (text: string) => void } = {}): TelemetrySink {
  let sink: Promise<TelemetrySink> | undefined;
  const get = (): Promise<TelemetrySink> => (sink ??= import("./create-sink.js").then((m) => m.createSink(target, options)));
  return {
    description: describeTarget(target),
    async exportSpans(spans: readonly SpanData[]): Promise<ExportOutcome> {
      if (spans.length === 0) return { ok: true, bytes: 0 };
      return (await get()).exportSpans(spans);
    },
    async exportMetrics(points: readonly MetricPoint[], window: MetricWindow): Promise<ExportOutcome> {
      if (points.length === 0) return { ok: true, bytes: 0 };
      return (await get()).exportMetrics(points, window);
    },
    async shutdown(): Promise<void> {
      if (sink !== undefined) await (await sink).shutdown();
    },
  };
}
