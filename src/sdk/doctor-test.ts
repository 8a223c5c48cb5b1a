/**
 * `doctor --send-test`'s telemetry (pure): a one-span trace and a one-point gauge, under names of
 * their own (DOCTOR_TEST) so that they reach the same stores as our data and are counted by none
 * of its dashboards, alerts and reports.
 */
import { ValueType } from "@opentelemetry/api";
import { millisToHrTime } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import { AggregationTemporality, DataPointType } from "@opentelemetry/sdk-metrics";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { SpanData } from "../mapping/span-data.js";
import { makeSpan } from "../mapping/span-data.js";
import { DOCTOR_TEST, INSTRUMENTATION_SCOPE, METRIC_ATTR } from "../semconv/names.js";
import { packageVersion } from "./resource.js";

export interface DoctorTestIds {
  /** 32 hex digits: the test trace's id, printed so that it can be looked up. */
  readonly traceId: string;
  /** 16 hex digits. */
  readonly spanId: string;
}

/** Who sent it: this machine, the resource's user.id when set. */
export interface DoctorTestOrigin {
  readonly host: string;
  readonly user: string | undefined;
  readonly timeMs: number;
}

export function doctorTestSpan(ids: DoctorTestIds, origin: DoctorTestOrigin): SpanData {
  return makeSpan(
    { traceId: ids.traceId, spanId: ids.spanId, parentSpanId: undefined },
    {
      name: DOCTOR_TEST.span,
      kind: "INTERNAL",
      startTimeMs: origin.timeMs,
      endTimeMs: origin.timeMs + 1,
      attributes: { [DOCTOR_TEST.attribute]: true, "host.name": origin.host },
      status: { code: "OK" },
      unitKey: `doctor-test:${ids.traceId}`,
    },
  );
}

/** The gauge `claude_code.doctor.test` (Unix seconds of the test) by host, user and our version. */
export function doctorTestMetrics(origin: DoctorTestOrigin, resource: Resource): ResourceMetrics {
  const time = millisToHrTime(origin.timeMs);
  const attributes: Record<string, string> = { [METRIC_ATTR.host]: origin.host, [METRIC_ATTR.version]: packageVersion() };
  if (origin.user !== undefined) attributes[METRIC_ATTR.user] = origin.user;
  const def = DOCTOR_TEST.metric;
  return {
    resource,
    scopeMetrics: [
      {
        scope: { name: INSTRUMENTATION_SCOPE, version: packageVersion() },
        metrics: [
          {
            descriptor: { name: def.name, description: def.description, unit: def.unit, valueType: ValueType.DOUBLE },
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.GAUGE,
            dataPoints: [{ startTime: time, endTime: time, attributes, value: origin.timeMs / 1000 }],
          },
        ],
      },
    ],
  };
}
