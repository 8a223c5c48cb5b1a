import { ValueType } from "@opentelemetry/api";
import { millisToHrTime } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import { AggregationTemporality, DataPointType } from "@opentelemetry/sdk-metrics";
import type { DataPoint, Histogram, MetricData, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { MetricPoint } from "../mapping/metric-point.js";
import { packageVersion } from "./resource.js";
import { INSTRUMENTATION_SCOPE, METRIC } from "../semconv/names.js";
import type { MetricKey } from "../semconv/names.js";

/** Default histogram boundaries if a definition has none (never for ours: each sets its own). */
const FALLBACK_BOUNDARIES = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

function attrKey(attributes: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function emptyHistogram(boundaries: readonly number[]): Histogram {
  return { buckets: { boundaries: [...boundaries], counts: new Array<number>(boundaries.length + 1).fill(0) }, sum: 0, count: 0, min: Infinity, max: -Infinity };
}

function record(h: Histogram, value: number): void {
  const bounds = h.buckets.boundaries;
  let i = 0;
  // Boundaries are inclusive upper bounds.
  while (i < bounds.length && value > (bounds[i] as number)) i++;
  h.buckets.counts[i] = (h.buckets.counts[i] ?? 0) + 1;
  h.sum = (h.sum ?? 0) + value;
  h.count++;
  h.min = Math.min(h.min ?? value, value);
  h.max = Math.max(h.max ?? value, value);
}

/**
 * Aggregates measurements into one DELTA batch, every point stamped with the same
 * (start, time) window: short-lived writers export deltas and the collector accumulates them
 * (see state/metric-clock.ts for how the window is chosen).
 */
export function toResourceMetrics(points: readonly MetricPoint[], resource: Resource, startMs: number, timeMs: number): ResourceMetrics {
  const startTime = millisToHrTime(startMs);
  const endTime = millisToHrTime(timeMs);
  const sums = new Map<MetricKey, Map<string, { attributes: Record<string, string>; value: number }>>();
  const histograms = new Map<MetricKey, Map<string, { attributes: Record<string, string>; value: Histogram }>>();
  // Points share attribute objects (map-metrics.ts): one key per object, not per point.
  const keys = new Map<Readonly<Record<string, string>>, string>();
  for (const p of points) {
    const def = METRIC[p.metric];
    let key = keys.get(p.attributes);
    if (key === undefined) {
      key = attrKey(p.attributes);
      keys.set(p.attributes, key);
    }
    if (def.kind === "counter") {
      const byAttr = sums.get(p.metric) ?? new Map();
      sums.set(p.metric, byAttr);
      const entry = byAttr.get(key) ?? { attributes: { ...p.attributes }, value: 0 };
      entry.value += p.value;
      byAttr.set(key, entry);
    } else {
      const byAttr = histograms.get(p.metric) ?? new Map();
      histograms.set(p.metric, byAttr);
      const entry = byAttr.get(key) ?? { attributes: { ...p.attributes }, value: emptyHistogram("boundaries" in def ? def.boundaries : FALLBACK_BOUNDARIES) };
      record(entry.value, p.value);
      byAttr.set(key, entry);
    }
  }
  const metrics: MetricData[] = [];
  for (const [metric, byAttr] of sums) {
    const def = METRIC[metric];
    const dataPoints: DataPoint<number>[] = [...byAttr.values()].map((e) => ({ startTime, endTime, attributes: e.attributes, value: e.value }));
    metrics.push({
      descriptor: { name: def.name, description: def.description, unit: def.unit, valueType: ValueType.DOUBLE },
      aggregationTemporality: AggregationTemporality.DELTA,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints,
    });
  }
  for (const [metric, byAttr] of histograms) {
    const def = METRIC[metric];
    const dataPoints: DataPoint<Histogram>[] = [...byAttr.values()].map((e) => ({ startTime, endTime, attributes: e.attributes, value: e.value }));
    metrics.push({
      descriptor: { name: def.name, description: def.description, unit: def.unit, valueType: ValueType.DOUBLE },
      aggregationTemporality: AggregationTemporality.DELTA,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints,
    });
  }
  return { resource, scopeMetrics: [{ scope: { name: INSTRUMENTATION_SCOPE, version: packageVersion() }, metrics }] };
}
