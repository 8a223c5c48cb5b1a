import type { Session } from "../model/types.js";
import type { MetricMapOptions } from "./map-metrics.js";
import { sessionToMetricPoints } from "./map-metrics.js";
import type { SpanMapOptions } from "./map-spans.js";
import { sessionToSpans, withDestinations } from "./map-spans.js";
import type { MetricPoint } from "./metric-point.js";
import type { SpanData } from "./span-data.js";
import { makeSpan } from "./span-data.js";
import { ATTR } from "../semconv/names.js";
import { UNIT_OF_WORK, completeUnitKeys } from "./units-of-work.js";

export interface ExportedUnits {
  readonly spanUnits: ReadonlySet<string>;
  readonly metricUnits: ReadonlySet<string>;
}

export const NOTHING_EXPORTED: ExportedUnits = { spanUnits: new Set(), metricUnits: new Set() };

export interface ExportPlan {
  readonly spans: SpanData[];
  readonly points: MetricPoint[];
  /** What to record in the ledger once the spans (resp. points) are delivered or safely queued. */
  readonly spanKeys: string[];
  readonly metricKeys: string[];
}

export type PlanOptions = SpanMapOptions & MetricMapOptions & { readonly final: boolean };

/**
 * The spans and points of complete units not yet exported (pure). Sessions are always rebuilt
 * from whole transcripts (turns and ledgers need context), so this is where incrementality lives.
 */
export function planExport(session: Session, exported: ExportedUnits, options: PlanOptions): ExportPlan {
  const complete = completeUnitKeys(session, options.final);
  // Products' attributes only for the spans that go out: a live session re-maps all its spans
  // on every flush and sends a few.
  const all = sessionToSpans(session, { ...options, destinations: false });
  const core = all.filter((s) => complete.has(s.unitKey) && !exported.spanUnits.has(s.unitKey));
  const root = all.find((s) => s.unitKey === UNIT_OF_WORK.session);
  const parentKnown = exported.spanUnits.has(UNIT_OF_WORK.session) || exported.spanUnits.has(UNIT_OF_WORK.sessionOpen) || core.some((s) => s.unitKey === UNIT_OF_WORK.session);
  if (core.length > 0 && !parentKnown && root !== undefined) {
    core.unshift(makeSpan(root, root, { ...root.attributes, [ATTR.sessionOpen]: true }, UNIT_OF_WORK.sessionOpen));
  }
  const spans = withDestinations(session, core, options);
  const points = sessionToMetricPoints(session, options).filter((p) => complete.has(p.unitKey) && !exported.metricUnits.has(p.unitKey));
  return { spans, points, spanKeys: [...new Set(spans.map((s) => s.unitKey))], metricKeys: [...new Set(points.map((p) => p.unitKey))] };
}
