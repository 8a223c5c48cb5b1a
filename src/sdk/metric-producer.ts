import type { Resource } from "@opentelemetry/resources";
import type { CollectionResult, MetricProducer } from "@opentelemetry/sdk-metrics";
import type { MetricMapOptions } from "../mapping/map-metrics.js";
import { sessionToMetricPoints } from "../mapping/map-metrics.js";
import type { MetricPoint } from "../mapping/metric-point.js";
import type { Session } from "../model/types.js";
import { toResourceMetrics } from "./metric-batch.js";
import { buildResource } from "./resource.js";

/** Options of {@link SessionMetricProducer}. */
export interface SessionMetricProducerOptions {
  /** Clock of the collection windows (milliseconds since the epoch); `Date.now` by default. */
  readonly now?: () => number;
  /** Resource of `collect()`'s result; a MetricReader keeps its own provider's resource instead. */
  readonly resource?: Resource;
}

/**
 * Sessions' metric points, pre-aggregated, for a MeterProvider of your own: give it to a
 * MetricReader (`new PeriodicExportingMetricReader({ exporter, metricProducers: [producer] })`).
 * Each collection reports the points added since the previous one, once, as DELTA sums and
 * histograms over the window from the previous collection to now (what `replay` sends, but
 * stamped with collection times): use one reader, whose exporter accepts delta temporality
 * (OTLP does; the deployment kit's collector accumulates deltas for Prometheus). The reader
 * keeps its provider's resource; our instrumentation scope (`claude-code-otel`) tells the
 * collector the points are ours.
 */
export class SessionMetricProducer implements MetricProducer {
  private pending: MetricPoint[] = [];
  private windowStartMs: number;
  private readonly now: () => number;
  private readonly resource: Resource;

  constructor(options: SessionMetricProducerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.resource = options.resource ?? buildResource();
    this.windowStartMs = this.now();
  }

  /** Queues a session's points (`sessionToMetricPoints`) for the next collection; returns how many. */
  addSession(session: Session, options: MetricMapOptions = {}): number {
    const points = sessionToMetricPoints(session, options);
    this.addPoints(points);
    return points.length;
  }

  /** Queues metric points for the next collection. */
  addPoints(points: readonly MetricPoint[]): void {
    for (const p of points) this.pending.push(p);
  }

  /** The points queued since the previous collection, aggregated; called by the MetricReader. */
  collect(): Promise<CollectionResult> {
    const points = this.pending;
    this.pending = [];
    const start = this.windowStartMs;
    // A window is never empty or backwards, even if the clock is.
    const end = Math.max(this.now(), start + 1);
    this.windowStartMs = end;
    const resourceMetrics = points.length === 0 ? { resource: this.resource, scopeMetrics: [] } : toResourceMetrics(points, this.resource, start, end);
    return Promise.resolve({ resourceMetrics, errors: [] });
  }
}
