import type { ExportTarget } from "../config/export-target.js";
import { describeTarget } from "./describe-target.js";
import type { Resource } from "@opentelemetry/resources";
import type { MetricPoint } from "../mapping/metric-point.js";
import type { ExportOutcome, TelemetrySink } from "./sink.js";
import type { MetricWindow } from "../state/metric-clock.js";
import type { SpanData } from "../mapping/span-data.js";

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
