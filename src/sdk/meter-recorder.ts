import type { Counter, Histogram, Meter } from "@opentelemetry/api";
import type { MetricPoint } from "../mapping/metric-point.js";
import type { MetricKey } from "../semconv/names.js";
import { METRIC } from "../semconv/names.js";

/** Records metric points on an OpenTelemetry meter, creating each contract instrument once. */
export function createMeterRecorder(meter: Meter): (points: readonly MetricPoint[]) => number {
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
  return (points) => {
    for (const p of points) {
      const i = instrument(p.metric);
      if ("add" in i) i.add(p.value, p.attributes);
      else i.record(p.value, p.attributes);
    }
    return points.length;
  };
}
