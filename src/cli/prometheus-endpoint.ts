import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import type { ViewOptions } from "@opentelemetry/sdk-metrics";
import { createMeterRecorder } from "../sdk/meter-recorder.js";
import type { MetricPoint } from "../mapping/metric-point.js";
import { buildResource, packageVersion } from "../sdk/resource.js";
import { INSTRUMENTATION_SCOPE, METRIC, TELEMETRY_SOURCE } from "../semconv/names.js";
import { UsageError } from "./args.js";

export interface PrometheusEndpoint {
  readonly url: string;
  record(points: readonly MetricPoint[]): void;
  stop(): Promise<void>;
}

/**
 * The collector's `prometheus` exporter appends the unit to names (`claude_code_cost_usage_USD_total`);
 * the JS exporter does not. Renaming with views gives the same series names either way, so the
 * dashboards and alert rules work with or without a collector.
 */
const UNIT_SUFFIX: Readonly<Record<string, string>> = { USD: "USD", tokens: "tokens", s: "seconds" };

export function collectorCompatibleViews(): ViewOptions[] {
  return Object.values(METRIC).map((def) => {
    const suffix = UNIT_SUFFIX[def.unit];
    const limit = { aggregationCardinalityLimit: CARDINALITY_LIMIT };
    return suffix === undefined ? { instrumentName: def.name, ...limit } : { instrumentName: def.name, name: `${def.name}_${suffix}`, ...limit };
  });
}

/**
 * Attribute sets per instrument before the SDK merges the rest into one `otel_metric_overflow`
 * series: the SDK's default, stated here so that the warning names the limit in force.
 */
export const CARDINALITY_LIMIT = 2000;

export const overflowWarning = (instrument: string, limit: number): string =>
  `${instrument} has ${limit.toLocaleString("en-US")} attribute sets, the OpenTelemetry SDK's cardinality limit: further ones are added to one series labelled otel_metric_overflow="true" (drop --metric-session-id, or send to the collector, which has no such limit)`;

/**
 * `/metrics` served in-process through @opentelemetry/exporter-prometheus, for users with a
 * Prometheus and no collector. The exporter keeps cumulative totals itself. `warn` hears once
 * per instrument when its attribute sets reach the SDK's cardinality limit.
 */
export async function startPrometheusEndpoint(port: number, host: string, warn: (line: string) => void = () => undefined): Promise<PrometheusEndpoint> {
  // A usage mistake (exit 2, one line), not Node's RangeError from listen() (exit 1).
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--prometheus-port must be a port number from 0 to 65535, got "${port}"`);
  const exporter = new PrometheusExporter({ port, host, preventServerStart: true });
  await exporter.startServer();
  const provider = new MeterProvider({ resource: buildResource(), readers: [exporter], views: collectorCompatibleViews() });
  const record = createMeterRecorder(provider.getMeter(INSTRUMENTATION_SCOPE, packageVersion()), {
    // The label the collector adds to our series (collector/config.yaml), so queries select one source.
    extraAttributes: { source: TELEMETRY_SOURCE },
    cardinality: { limit: CARDINALITY_LIMIT, onLimit: (instrument, limit) => warn(overflowWarning(instrument, limit)) },
  });
  const address = (exporter as unknown as { _server?: { address(): { port: number } | string | null } })._server?.address();
  const boundPort = typeof address === "object" && address !== null ? address.port : port;
  return {
    url: `http://${host}:${boundPort}/metrics`,
    record: (points) => void record(points),
    stop: async () => {
      await provider.shutdown();
      await exporter.stopServer();
    },
  };
}
