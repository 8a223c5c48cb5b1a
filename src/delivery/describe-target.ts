import type { ExportTarget } from "../config/export-target.js";

/**
 * What a sink for `target` says it is, for humans. One home, because the lazy sink reports it
 * before the real sink (and the OpenTelemetry SDK behind it) is loaded.
 */
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
