import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { JsonMetricsSerializer, JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { Resource } from "@opentelemetry/resources";
import { describeTarget } from "./describe-target.js";
import { toResourceMetrics } from "../sdk/metric-batch.js";
import type { MetricPoint } from "../mapping/metric-point.js";
import { toReadableSpan } from "../sdk/readable-span.js";
import type { ExportOutcome, TelemetrySink } from "./sink.js";
import type { MetricWindow } from "../state/metric-clock.js";
import { errorText } from "./sink.js";
import type { SpanData } from "../mapping/span-data.js";

/** As the OTLP sink: one replay batch is one line. */
const SPANS_PER_LINE = 2_048;

export const TRACES_FILE = "traces.jsonl";
export const METRICS_FILE = "metrics.jsonl";

/**
 * OTLP JSON lines, one export request per line: the layout of the collector's `file` exporter,
 * so the files can be replayed into a collector (`otlpjsonfile` receiver) later.
 * Appends are single writes to O_APPEND files, so concurrent writers do not interleave lines.
 */
export function createFileSink(dir: string, resource: Resource): TelemetrySink {
  const tracesPath = join(dir, TRACES_FILE);
  const metricsPath = join(dir, METRICS_FILE);
  const write = async (path: string, lines: Uint8Array[]): Promise<ExportOutcome> => {
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const text = Buffer.concat(lines.flatMap((l) => [Buffer.from(l), Buffer.from("\n")]));
      await appendFile(path, text, { mode: 0o600 });
      return { ok: true, bytes: text.length };
    } catch (error) {
      return { ok: false, error: `cannot write ${path}: ${errorText(error)}` };
    }
  };
  return {
    description: describeTarget({ kind: "file", dir }),
    async exportSpans(spans: readonly SpanData[]): Promise<ExportOutcome> {
      if (spans.length === 0) return { ok: true, bytes: 0 };
      const lines: Uint8Array[] = [];
      for (let i = 0; i < spans.length; i += SPANS_PER_LINE) {
        const bytes = JsonTraceSerializer.serializeRequest(spans.slice(i, i + SPANS_PER_LINE).map((s) => toReadableSpan(s, resource, { shareAttributes: true })));
        if (bytes === undefined) return { ok: false, error: "could not serialise spans" };
        lines.push(bytes);
      }
      return write(tracesPath, lines);
    },
    async exportMetrics(points: readonly MetricPoint[], window: MetricWindow): Promise<ExportOutcome> {
      if (points.length === 0) return { ok: true, bytes: 0 };
      const bytes = JsonMetricsSerializer.serializeRequest(toResourceMetrics(points, resource, window.startMs, window.timeMs));
      if (bytes === undefined) return { ok: false, error: "could not serialise metrics" };
      return write(metricsPath, [bytes]);
    },
    async shutdown(): Promise<void> {},
  };
}
