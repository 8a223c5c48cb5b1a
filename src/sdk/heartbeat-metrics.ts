/**
 * A heartbeat as OTLP gauges (pure): that this machine's telemetry is alive, and the state of
 * what it has not delivered yet. Gauges, not delta sums: a heartbeat is a snapshot, sent by
 * whichever process is running, and a lost or repeated one changes nothing.
 */
import { ValueType } from "@opentelemetry/api";
import { millisToHrTime } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import { AggregationTemporality, DataPointType } from "@opentelemetry/sdk-metrics";
import type { MetricData, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { HEALTH_METRIC, INSTRUMENTATION_SCOPE, METRIC_ATTR } from "../semconv/names.js";
import type { HealthMetricKey } from "../semconv/names.js";
import { packageVersion } from "./resource.js";

export interface HeartbeatSnapshot {
  /** `hooks` (the hooks' flusher) or `watch`. */
  readonly component: "hooks" | "watch";
  /** This machine (os.hostname()). */
  readonly host: string;
  /** `user.id` of the resource attributes, when set. */
  readonly user: string | undefined;
  readonly timeMs: number;
  /** Requests waiting in the destination's outbox, their bytes, and how long the oldest has waited. */
  readonly outboxRequests: number;
  readonly outboxBytes: number;
  readonly outboxAgeMs: number;
  /** Hook triggers waiting in the spool. */
  readonly spoolTriggers: number;
  /** ERROR lines the hooks and the flusher logged in the last hour. */
  readonly logErrors: number;
}

export function heartbeatMetrics(s: HeartbeatSnapshot, resource: Resource): ResourceMetrics {
  const time = millisToHrTime(s.timeMs);
  const attributes: Record<string, string> = { [METRIC_ATTR.component]: s.component, [METRIC_ATTR.host]: s.host, [METRIC_ATTR.version]: packageVersion() };
  if (s.user !== undefined) attributes[METRIC_ATTR.user] = s.user;
  const gauge = (key: HealthMetricKey, value: number): MetricData => {
    const def = HEALTH_METRIC[key];
    return {
      descriptor: { name: def.name, description: def.description, unit: def.unit, valueType: ValueType.DOUBLE },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.GAUGE,
      dataPoints: [{ startTime: time, endTime: time, attributes, value }],
    };
  };
  return {
    resource,
    scopeMetrics: [
      {
        scope: { name: INSTRUMENTATION_SCOPE, version: packageVersion() },
        metrics: [
          gauge("heartbeat", s.timeMs / 1000),
          gauge("outboxRequests", s.outboxRequests),
          gauge("outboxBytes", s.outboxBytes),
          gauge("outboxAge", s.outboxAgeMs / 1000),
          gauge("spoolTriggers", s.spoolTriggers),
          gauge("logErrors", s.logErrors),
        ],
      },
    ],
  };
}
