/**
 * LangSmith's traces for a session (pure). LangSmith keeps at most 25,000 runs per trace and
 * drops any further run silently (its OTLP endpoint answers 200 first), and it buffers a run whose
 * parent has not arrived for hours at most. So LangSmith does not get one trace per session:
 *   - each turn is a trace of its own, its `invoke_agent claude-code` span the root (ls_agent_type
 *     root), all of them grouped in the session's thread by `thread_id` (as LangSmith's own Claude
 *     Code integration does: "each message ... appears as a trace");
 *   - the session span, with whatever happened outside turns, is a trace of its own too;
 *   - a trace never holds more than `runsPerTrace` runs: a turn's (or subagent's, or the
 *     session's) direct children fill it in order, and those that do not fit go to continuation
 *     traces, each under a root of its own (`<name> (part N)`, LangSmith only).
 * Where a span goes depends only on things that never change once the span exists (its ancestors,
 * the order of its owner's earlier children, whether a tool call is an Agent call), so live hooks
 * and any later replay place every span alike. A direct child weighs 1, an Agent/Task call 2 +
 * `subagentRuns` (its subagent and the part of the subagent's work that stays under it; the rest of
 * a large subagent goes to continuation traces too), so a trace's count is bounded however the
 * work is shaped.
 *
 * The placement travels as attributes (`claude_code.langsmith.trace_id`, `.parent_span_id`, ""
 * meaning "a root"), set only where it differs from the span's own; the collector's LangSmith
 * pipeline (collector/overlays/langsmith.yaml) moves each span there, as `toLangsmithShape` does
 * when this process sends to LangSmith itself. Span ids never change.
 */
import { langsmithTraceIdFor, spanIdFor } from "../ids.js";
import { ATTR, ATTR_PREFIX, OPERATION, SPAN_NAME } from "../../semconv/names.js";
import type { Attributes, SpanData } from "../span-data.js";
import { makeSpan } from "../span-data.js";
import { UNIT_OF_WORK } from "../units-of-work.js";

export interface LangsmithBounds {
  /** Runs of a trace besides its root (LangSmith's limit is 25,000). */
  readonly runsPerTrace: number;
  /** Runs of a subagent kept in its caller's trace; the rest of its work goes to continuation traces. */
  readonly subagentRuns: number;
}

export const LANGSMITH_BOUNDS: LangsmithBounds = { runsPerTrace: 20_000, subagentRuns: 500 };

/** Where a span is in LangSmith: its trace, and its parent there ("" for a root). */
export interface LangsmithPlace {
  readonly traceId: string;
  readonly parentSpanId: string;
}

export interface LangsmithLayout {
  /** Every span of the session by span id, the parts included. */
  readonly places: ReadonlyMap<string, LangsmithPlace>;
  /** The roots of continuation traces, in order (LangSmith only; none unless something overflowed). */
  readonly parts: readonly SpanData[];
}

const AGENT_TOOLS: ReadonlySet<string> = new Set(["Agent", "Task"]);

const isTurn = (s: SpanData): boolean => s.attributes[ATTR.operationName] === OPERATION.invokeAgent && s.attributes[ATTR.turnIndex] !== undefined;
const isSubagent = (s: SpanData): boolean => s.attributes[ATTR.operationName] === OPERATION.invokeAgent && s.attributes[ATTR.turnIndex] === undefined;
const isAgentCall = (s: SpanData): boolean => s.attributes[ATTR.operationName] === OPERATION.executeTool && AGENT_TOOLS.has(String(s.attributes[ATTR.toolName]));
const byStart = (a: SpanData, b: SpanData): number => a.startTimeMs - b.startTimeMs || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0);

/** The LangSmith layout of a session's spans (the whole session's, as sessionToSpans maps them). */
export function langsmithLayout(sessionId: string, spans: readonly SpanData[], bounds: LangsmithBounds = LANGSMITH_BOUNDS): LangsmithLayout {
  if (bounds.subagentRuns + 2 > bounds.runsPerTrace) throw new Error("LangSmith bounds: an Agent call must fit in a trace");
  const children = new Map<string, SpanData[]>();
  for (const s of spans) {
    if (s.parentSpanId === undefined) continue;
    const list = children.get(s.parentSpanId);
    if (list === undefined) children.set(s.parentSpanId, [s]);
    else list.push(s);
  }
  const places = new Map<string, LangsmithPlace>();
  const parts: SpanData[] = [];
  const weight = (s: SpanData): number => 1 + (isAgentCall(s) ? 1 + bounds.subagentRuns : isSubagent(s) ? bounds.subagentRuns : 0);

  /** An owner's direct children, in order, in its trace while they fit, then in continuation traces. */
  const placeChildren = (owner: SpanData, trace: string, firstBudget: number): void => {
    const kids = (children.get(owner.spanId) ?? []).filter((k) => !isTurn(k)).sort(byStart);
    let part = 0;
    let used = 0;
    let budget = firstBudget;
    let parent = owner.spanId;
    for (const kid of kids) {
      const w = weight(kid);
      if (used + w > budget) {
        part++;
        used = 0;
        budget = bounds.runsPerTrace;
        trace = langsmithTraceIdFor(sessionId, `${owner.spanId}/${part}`);
        const root = partSpan(sessionId, owner, part, kid.startTimeMs);
        parts.push(root);
        places.set(root.spanId, { traceId: trace, parentSpanId: "" });
        parent = root.spanId;
      }
      used += w;
      placeSubtree(kid, trace, parent);
    }
  };

  const placeSubtree = (node: SpanData, trace: string, parent: string): void => {
    places.set(node.spanId, { traceId: trace, parentSpanId: parent });
    if (isSubagent(node)) {
      placeChildren(node, trace, bounds.subagentRuns);
      return;
    }
    let inlined = false;
    for (const child of (children.get(node.spanId) ?? []).slice().sort(byStart)) {
      if (!isSubagent(child)) placeSubtree(child, trace, node.spanId);
      else if (isAgentCall(node) && !inlined) {
        // The one subagent an Agent call starts stays under it (its weight reserved room for it).
        inlined = true;
        placeSubtree(child, trace, node.spanId);
      } else {
        const own = langsmithTraceIdFor(sessionId, `${child.spanId}/0`);
        places.set(child.spanId, { traceId: own, parentSpanId: "" });
        placeChildren(child, own, bounds.runsPerTrace);
      }
    }
  };

  const root = spans.find((s) => s.parentSpanId === undefined);
  if (root !== undefined) {
    places.set(root.spanId, { traceId: root.traceId, parentSpanId: "" });
    placeChildren(root, root.traceId, bounds.runsPerTrace);
    for (const turn of (children.get(root.spanId) ?? []).filter(isTurn)) {
      const trace = langsmithTraceIdFor(sessionId, `${turn.spanId}/0`);
      places.set(turn.spanId, { traceId: trace, parentSpanId: "" });
      placeChildren(turn, trace, bounds.runsPerTrace);
    }
  }
  return { places, parts };
}

/** The root of an owner's continuation trace: the owner's name and identity, `(part N)`. */
function partSpan(sessionId: string, owner: SpanData, part: number, startTimeMs: number): SpanData {
  const attributes: Attributes = { [ATTR.sessionId]: sessionId, [ATTR.langsmithPart]: part + 1, [ATTR.langsmithOnly]: true };
  for (const key of [ATTR.operationName, ATTR.agentName, ATTR.turnIndex, ATTR.promptId, ATTR.subagentId]) {
    const v = owner.attributes[key];
    if (v !== undefined) attributes[key] = v;
  }
  const spanId = spanIdFor(sessionId, "langsmith", `${owner.spanId}/${part}`);
  // Elsewhere than in LangSmith (which gets it as the root of `traceId`) it is a child of its owner.
  return makeSpan(
    { traceId: owner.traceId, spanId, parentSpanId: owner.spanId },
    {
      name: `${owner.name} (part ${part + 1})`,
      kind: "INTERNAL",
      startTimeMs,
      endTimeMs: Math.max(startTimeMs, owner.endTimeMs),
      attributes,
      status: { code: "UNSET" },
      unitKey: UNIT_OF_WORK.langsmithPart(owner.unitKey, part),
    },
  );
}

const DROPPED_EVERYWHERE = [ATTR_PREFIX.langsmithPlacement, ATTR_PREFIX.langfuse];

/**
 * The spans as LangSmith is to get them when this process sends to it itself (otherwise the
 * collector's LangSmith pipeline does the same): each moved to its LangSmith trace and parent,
 * the placement attributes and Langfuse's removed, and the session span without its
 * `gen_ai.usage.*` totals (LangSmith would add them to the llm runs' own).
 */
export function toLangsmithShape(spans: readonly SpanData[]): SpanData[] {
  return spans.map((s) => {
    const a = s.attributes;
    const trace = a[ATTR.langsmithTraceId];
    const parent = a[ATTR.langsmithParentSpanId];
    const attributes: Attributes = {};
    for (const key in a) {
      if (DROPPED_EVERYWHERE.some((p) => key.startsWith(p)) || (s.name === SPAN_NAME.session && key.startsWith(ATTR_PREFIX.usage))) continue;
      attributes[key] = a[key] as Attributes[string];
    }
    const place = {
      traceId: typeof trace === "string" ? trace : s.traceId,
      spanId: s.spanId,
      parentSpanId: typeof parent === "string" ? (parent === "" ? undefined : parent) : s.parentSpanId,
    };
    return makeSpan(place, s, attributes);
  });
}
