import type { Attributes, Counter, Histogram, Meter } from "@opentelemetry/api";
import type { MetricPoint } from "../mapping/metric-point.js";
import type { MetricKey } from "../semconv/names.js";
import { METRIC } from "../semconv/names.js";

export interface MeterRecorderOptions {
  /** Added to every point's attributes (the same for all, so they add no attribute set). */
  readonly extraAttributes?: Readonly<Record<string, string>>;
  /**
   * The reader's cardinality limit: the OpenTelemetry SDK keeps `limit - 1` attribute sets per
   * instrument and merges every further one into a single set `otel.metric.overflow=true`.
   * `onLimit` is called once per instrument when its distinct attribute sets reach the limit.
   */
  readonly cardinality?: { readonly limit: number; onLimit(instrument: string, limit: number): void };
}

/** Records metric points on an OpenTelemetry meter, creating each contract instrument once. */
export function createMeterRecorder(meter: Meter, options: MeterRecorderOptions = {}): (points: readonly MetricPoint[]) => number {
  const instruments = new Map<MetricKey, Counter | Histogram>();
  const instrument = (key: MetricKey): Counter | Histogram => {
    let i = instruments.get(key);
    if (i === undefined) {
      const def = METRIC[key];
      i =
        def.kind === "counter"
          ? meter.createCounter(def.name, { unit: def.unit, description: def.description })
          : meter.createHistogram(def.name, {
              unit: def.unit,
              description: def.description,
              advice: { explicitBucketBoundaries: [...("boundaries" in def ? def.boundaries : [])] },
            });
      instruments.set(key, i);
    }
    return i;
  };
  const count = options.cardinality === undefined ? undefined : attributeSetCounter(options.cardinality);
  const extra = options.extraAttributes;
  return (points) => {
    for (const p of points) {
      const i = instrument(p.metric);
      count?.(p.metric, p.attributes);
      const attributes: Attributes = extra === undefined ? p.attributes : { ...p.attributes, ...extra };
      if ("add" in i) i.add(p.value, attributes);
      else i.record(p.value, attributes);
    }
    return points.length;
  };
}

/**
 * Counts distinct attribute sets per instrument, as the SDK's storage does, and reports the one
 * that reaches the limit. Points share frozen attribute objects (map-metrics.ts), so the set's
 * key is computed once per object.
 */
function attributeSetCounter(cardinality: NonNullable<MeterRecorderOptions["cardinality"]>): (metric: MetricKey, attributes: Readonly<Record<string, string>>) => void {
  const keys = new WeakMap<object, string>();
  const sets = new Map<MetricKey, Set<string>>();
  const reported = new Set<MetricKey>();
  return (metric, attributes) => {
    if (reported.has(metric)) return;
    let key = keys.get(attributes);
    if (key === undefined) {
      key = JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      keys.set(attributes, key);
    }
    let seen = sets.get(metric);
    if (seen === undefined) sets.set(metric, (seen = new Set()));
    seen.add(key);
    if (seen.size >= cardinality.limit) {
      reported.add(metric);
      sets.delete(metric);
      cardinality.onLimit(METRIC[metric].name, cardinality.limit);
    }
  };
}
