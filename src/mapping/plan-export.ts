import type { Session } from "../model/types.js";
import type { MetricMapOptions } from "./map-metrics.js";
import { sessionToMetricPoints } from "./map-metrics.js";
import type { SpanMapOptions } from "./map-spans.js";
import { sessionToSpans, withDestinations } from "./map-spans.js";
import type { LangsmithLayout } from "./destinations/index.js";
import { ALL_DESTINATIONS, langsmithLayout, toLangsmithShape } from "./destinations/index.js";
import type { MetricPoint } from "./metric-point.js";
import type { SpanData } from "./span-data.js";
import { makeSpan } from "./span-data.js";
import { ATTR } from "../semconv/names.js";
import { UNIT_OF_WORK, completeUnitKeys, heldSpanUnitKeys, provisionalUnit } from "./units-of-work.js";

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
  /** The session's last activity: the ledger keeps it, to tell later when the session is over. */
  readonly lastActivityMs: number;
}

export type PlanOptions = SpanMapOptions &
  MetricMapOptions & {
    readonly final: boolean;
    /**
     * Send open parents provisionally ahead of their children (default). Off for a destination
     * that must get each span id once (Langfuse, LangSmith straight from this process): children
     * then go as they complete, and their parents once complete.
     */
    readonly provisionalSpans?: boolean;
    /**
     * The destination is LangSmith itself (not a collector): spans go out as LangSmith is to get
     * them (destinations/langsmith-traces.ts toLangsmithShape), as the collector's pipeline would.
     */
    readonly langsmithShape?: boolean;
  };

/**
 * The spans and points of complete units not yet exported (pure). Sessions are always rebuilt
 * from whole transcripts (turns and ledgers need context), so this is where incrementality lives.
 *
 * Parents first: every span goes out after its parent, whichever process sent that parent. A
 * parent neither in the ledger (final or provisional) nor planned here goes ahead of its child:
 * its final version if complete, else a provisional one (provisionalUnit), up to the root. The
 * plan's order is that order; sinks keep it across requests.
 */
export function planExport(session: Session, exported: ExportedUnits, options: PlanOptions): ExportPlan {
  const complete = completeUnitKeys(session, options.final);
  const held = heldSpanUnitKeys(session, options.final);
  const provisionalSpans = options.provisionalSpans !== false;
  // Products' attributes only for the spans that go out: a live session re-maps all its spans
  // on every flush and sends a few.
  const all = sessionToSpans(session, { ...options, destinations: false, sentBefore: (unit) => exported.spanUnits.has(unit) });
  const layout = laidOutForLangsmith(session, all, options);
  const byId = new Map<string, SpanData>();
  for (const s of all) byId.set(s.spanId, s);
  if (layout !== undefined) {
    // A continuation trace's root is complete with its owner (its parent here).
    for (const part of layout.parts) {
      const owner = parentOf(part, byId);
      if (owner !== undefined && complete.has(owner.unitKey)) complete.add(part.unitKey);
      all.push(part);
      byId.set(part.spanId, part);
    }
  }
  const sentBefore = (s: SpanData): boolean => exported.spanUnits.has(s.unitKey) || exported.spanUnits.has(provisionalUnit(s.unitKey));
  const core: SpanData[] = [];
  const placed = new Set<string>();
  const ancestors: SpanData[] = [];
  for (const span of all) {
    if (placed.has(span.spanId) || !complete.has(span.unitKey) || held.has(span.unitKey) || exported.spanUnits.has(span.unitKey)) continue;
    ancestors.length = 0;
    for (let p = parentOf(span, byId); p !== undefined && !placed.has(p.spanId) && !sentBefore(p); p = parentOf(p, byId)) {
      if (complete.has(p.unitKey) || provisionalSpans) ancestors.push(p);
    }
    for (let i = ancestors.length - 1; i >= 0; i--) {
      const a = ancestors[i] as SpanData;
      core.push(complete.has(a.unitKey) ? a : provisional(a));
      placed.add(a.spanId);
    }
    core.push(span);
    placed.add(span.spanId);
  }
  const mapped = withDestinations(session, core, options, layout);
  const spans = options.langsmithShape === true ? toLangsmithShape(mapped) : mapped;
  const points = sessionToMetricPoints(session, { ...options, sentBefore: (unit) => exported.metricUnits.has(unit) }).filter(
    (p) => complete.has(p.unitKey) && !exported.metricUnits.has(p.unitKey),
  );
  return { spans, points, spanKeys: [...new Set(spans.map((s) => s.unitKey))], metricKeys: [...new Set(points.map((p) => p.unitKey))], lastActivityMs: session.endTime };
}

/** The LangSmith layout of the whole session, when LangSmith is among the products spans are for. */
function laidOutForLangsmith(session: Session, all: readonly SpanData[], options: PlanOptions): LangsmithLayout | undefined {
  if (options.destinations === false) return undefined;
  const products = options.destinations?.products ?? ALL_DESTINATIONS;
  return products.includes("langsmith") || options.langsmithShape === true ? langsmithLayout(session.sessionId, all) : undefined;
}

function parentOf(span: SpanData, byId: ReadonlyMap<string, SpanData>): SpanData | undefined {
  return span.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId);
}

/** The open span as known so far, marked provisional; its final version replaces it where backends allow. */
function provisional(span: SpanData): SpanData {
  const attributes =
    span.unitKey === UNIT_OF_WORK.session ? { ...span.attributes, [ATTR.sessionOpen]: true, [ATTR.spanProvisional]: true } : { ...span.attributes, [ATTR.spanProvisional]: true };
  return makeSpan(span, span, attributes, provisionalUnit(span.unitKey));
}
