import type { ApiRequest, Session, Subagent, ToolCall, Turn } from "../model/types.js";
import { roundUsd } from "../util/usd.js";
import { callsById } from "../model/compaction-figures.js";
import { compactionSpan } from "./compaction-span.js";
import { ledgerSpan } from "./ledger-spans.js";
import { tokenTotals } from "../model/token-totals.js";
import { isUserTurn } from "../model/turn-origin.js";
import type { ContentOptions } from "./content.js";
import { DEFAULT_MAX_CONTENT_LENGTH, errorMessage, safeJson, safeText } from "./content.js";
import type { DestinationOptions } from "./destinations/index.js";
import type { LangsmithLayout } from "./destinations/index.js";
import { ALL_DESTINATIONS, destinationContext, langsmithLayout, withDestinationAttributes } from "./destinations/index.js";
import { chatOperationAttributes, exportedOutcome, genAiInputTokens } from "./exported-values.js";
import { sessionSpanId, spanIdFor, traceIdFor, turnKey } from "./ids.js";
import { packageVersion } from "../util/package-version.js";
import { AGENT_NAME, ATTR, OPERATION, PROVIDER_NAME, SPAN_NAME, TOOL_ERROR_TYPE, chatSpanName, subagentSpanName, toolSpanName } from "../semconv/names.js";
import type { Attributes, SpanBody, SpanData, SpanPlace } from "./span-data.js";
import { makeSpan } from "./span-data.js";
import { UNIT_OF_WORK } from "./units-of-work.js";

/** Options of `sessionToSpans`. */
export interface SpanMapOptions extends Partial<ContentOptions> {
  /** The session has ended: pending tool calls are reported as interrupted. */
  readonly final?: boolean;
  /** Langfuse and LangSmith attributes (destinations/): on by default; `false` for the core attributes only. */
  readonly destinations?: DestinationOptions | false;
  /** Units whose spans were sent before (planExport): a ledger line's span then corrects what they carried. */
  readonly sentBefore?: (unitKey: string) => boolean;
  /** Also the GenAI names of v1.41.0 that v0.1.0 renamed or removed; see semconv/stability.ts. */
  readonly legacyGenAiNames?: boolean;
}

/**
 * The session as a span tree (pure):
 *   claude_code.session
 *   ├─ invoke_agent claude-code        one per turn
 *   │  ├─ chat <model>                 main-thread requests of the turn
 *   │  ├─ execute_tool <tool>          tool calls of the turn (siblings of the chat spans)
 *   │  │  └─ invoke_agent <agentType>  the subagent an Agent/Task call started
 *   │  │     ├─ chat <model> ...       the subagent's own requests and tool calls
 *   │  └─ claude_code.compaction
 *   └─ (requests, tools, compactions outside any turn; subagents with no known parent call)
 */
export function sessionToSpans(session: Session, options: SpanMapOptions = {}): SpanData[] {
  const content: ContentOptions = {
    captureContent: options.captureContent ?? false,
    maxContentLength: options.maxContentLength ?? DEFAULT_MAX_CONTENT_LENGTH,
  };
  const sid = session.sessionId;
  const traceId = traceIdFor(sid);
  const rootId = sessionSpanId(sid);
  const turnIds = new Map<number, string>(session.turns.map((t) => [t.index, spanIdFor(sid, "turn", turnKey(t))]));
  const toolIds = new Set(session.toolCalls.map((c) => c.id));
  // Each subagent's span id, derived once: every request and tool call inside it is its child.
  const agentSpanIds = new Map(session.subagents.map((a) => [a.agentId, spanIdFor(sid, "agent", a.agentId)]));

  const ownerOf = (agentId: string | undefined, turnIndex: number | undefined): string => {
    const agentSpan = agentId !== undefined ? agentSpanIds.get(agentId) : undefined;
    if (agentSpan !== undefined) return agentSpan;
    return (turnIndex !== undefined ? turnIds.get(turnIndex) : undefined) ?? rootId;
  };

  const legacy = options.legacyGenAiNames === true;
  const at = (spanId: string, parentSpanId: string | undefined): SpanPlace => ({ traceId, spanId, parentSpanId });
  const spans: SpanData[] = [makeSpan(at(rootId, undefined), sessionSpan(session, legacy))];
  for (const turn of session.turns) {
    spans.push(makeSpan(at(turnIds.get(turn.index) ?? rootId, rootId), turnSpan(session, turn, content)));
  }
  // The first main-thread request after a compaction writes the cache again: its span says what that cost.
  const rebuilds = new Map<string, number>();
  for (const c of session.compactions) if (c.cacheRebuild !== undefined) rebuilds.set(c.cacheRebuild.requestKey, c.cacheRebuild.usd);
  for (const r of session.requests) {
    const body = chatSpan(sid, r, content, session.cost.mode === "both", rebuilds.get(r.key), legacy);
    spans.push(makeSpan(at(spanIdFor(sid, "chat", r.key), ownerOf(r.agentId, r.turnIndex)), body));
  }
  const calls = callsById(session);
  const rereadOf = new Map<string, string>();
  for (const c of session.compactions) for (const id of c.loss.reReadCallIds) rereadOf.set(id, c.uuid);
  for (const c of session.toolCalls) {
    spans.push(makeSpan(at(spanIdFor(sid, "tool", c.id), ownerOf(c.agentId, c.turnIndex)), toolSpan(session, c, content, options.final ?? false, rereadOf.get(c.id))));
  }
  for (const a of session.subagents) {
    const parent = a.parentToolUseId !== undefined && toolIds.has(a.parentToolUseId) ? spanIdFor(sid, "tool", a.parentToolUseId) : rootId;
    spans.push(makeSpan(at(agentSpanIds.get(a.agentId) ?? spanIdFor(sid, "agent", a.agentId), parent), subagentSpan(sid, a, content, legacy)));
  }
  for (const c of session.compactions) {
    spans.push(makeSpan(at(spanIdFor(sid, "compaction", c.uuid), ownerOf(undefined, c.turnIndex)), compactionSpan(session, c, calls, content)));
  }
  // A ledger line's span covers the stretch it accounts for: from the previous line (or the start).
  let from = session.startTime;
  for (const segment of session.ledger) {
    spans.push(makeSpan(at(spanIdFor(sid, "ledger", String(segment.index)), rootId), ledgerSpan(session, segment, from, options.sentBefore)));
    from = segment.atMs;
  }
  return withDestinations(session, spans, options);
}

/**
 * Adds the chosen products' attributes (destinations/) to spans of `session`, unless
 * `destinations: false`. For LangSmith, `layout` says where each span goes (langsmith-traces.ts);
 * without one, `spans` are the whole session's, laid out here, and the roots of any LangSmith
 * continuation traces join them.
 */
export function withDestinations(session: Session, spans: SpanData[], options: Pick<SpanMapOptions, "destinations">, layout?: LangsmithLayout): SpanData[] {
  if (options.destinations === false) return spans;
  const destinations = { integrationVersion: packageVersion(), ...options.destinations };
  const products = destinations.products ?? ALL_DESTINATIONS;
  let all = spans;
  let places = layout?.places;
  if (layout === undefined && products.includes("langsmith")) {
    const laid = langsmithLayout(session.sessionId, spans);
    all = laid.parts.length > 0 ? [...spans, ...laid.parts] : spans;
    places = laid.places;
  }
  return withDestinationAttributes(all, destinationContext(session, destinations, places), products);
}

function sessionSpan(session: Session, legacy: boolean): SpanBody {
  const tokens = tokenTotals(session);
  const attributes: Attributes = {
    [ATTR.sessionId]: session.sessionId,
    [ATTR.conversationId]: session.sessionId,
    [ATTR.project]: session.project,
    [ATTR.costUsd]: roundUsd(session.cost.totalUsd),
    [ATTR.costSource]: session.cost.source,
    [ATTR.costUnattributedUsd]: roundUsd(session.cost.unattributedUsd),
    [ATTR.costComplete]: session.cost.complete,
    [ATTR.usageInputTokens]: genAiInputTokens(tokens),
    [ATTR.usageOutputTokens]: tokens.output,
    [ATTR.usageCacheReadInputTokens]: tokens.cacheRead,
    [ATTR.usageCacheWriteInputTokens]: tokens.cacheCreation,
    [ATTR.turns]: session.turns.filter(isUserTurn).length,
    [ATTR.requests]: session.requests.length,
    [ATTR.toolCalls]: session.toolCalls.length,
    [ATTR.toolFailures]: session.toolCalls.filter((c) => c.outcome === "failure").length,
    [ATTR.compactions]: session.compactions.length,
    [ATTR.subagents]: session.subagents.length,
  };
  if (session.cost.mode === "both") attributes[ATTR.costComputedUsd] = roundUsd(session.cost.computedUsd);
  if (legacy) attributes[ATTR.usageCacheCreationInputTokens] = tokens.cacheCreation;
  if (session.version !== undefined) attributes[ATTR.version] = session.version;
  if (session.gitBranch !== undefined) attributes[ATTR.vcsRefHeadName] = session.gitBranch;
  return {
    name: SPAN_NAME.session,
    kind: "INTERNAL",
    startTimeMs: session.startTime,
    endTimeMs: session.endTime,
    attributes,
    status: { code: "UNSET" },
    unitKey: UNIT_OF_WORK.session,
  };
}

function turnSpan(session: Session, turn: Turn, content: ContentOptions): SpanBody {
  const attributes: Attributes = {
    [ATTR.sessionId]: session.sessionId,
    [ATTR.operationName]: OPERATION.invokeAgent,
    [ATTR.agentName]: AGENT_NAME,
    [ATTR.turnIndex]: turn.index,
    [ATTR.turnOrigin]: turn.origin ?? "user",
  };
  if (turn.promptId !== undefined) attributes[ATTR.promptId] = turn.promptId;
  if (content.captureContent) {
    attributes[ATTR.inputMessages] = JSON.stringify([{ role: "user", parts: [{ type: "text", content: safeText(turn.promptText, content.maxContentLength) }] }]);
  }
  return {
    name: SPAN_NAME.turn,
    kind: "INTERNAL",
    startTimeMs: turn.startTime,
    endTimeMs: turn.endTime,
    attributes,
    status: { code: "UNSET" },
    unitKey: UNIT_OF_WORK.turn(turn.index),
  };
}

function chatSpan(sessionId: string, r: ApiRequest, content: ContentOptions, both: boolean, cacheRebuildUsd: number | undefined, legacy: boolean): SpanBody {
  const attributes: Attributes = {
    [ATTR.sessionId]: sessionId,
    ...chatOperationAttributes(r.model),
    [ATTR.system]: PROVIDER_NAME,
    [ATTR.responseId]: r.messageId,
    [ATTR.requestId]: r.requestId,
    [ATTR.usageInputTokens]: genAiInputTokens(r.usage),
    [ATTR.usageOutputTokens]: r.usage.output,
    [ATTR.usageCacheReadInputTokens]: r.usage.cacheRead,
    [ATTR.usageCacheWriteInputTokens]: r.usage.cacheCreation,
    // Never a silent $0: an unpriced request says so (source `unknown`).
    [ATTR.costUsd]: roundUsd(r.cost.usd),
    [ATTR.costSource]: r.cost.source,
  };
  if (legacy) attributes[ATTR.usageCacheCreationInputTokens] = r.usage.cacheCreation;
  if (both) attributes[ATTR.costComputedUsd] = roundUsd(r.cost.computedUsd);
  if (cacheRebuildUsd !== undefined) attributes[ATTR.compactionCacheRebuildUsd] = roundUsd(cacheRebuildUsd);
  if (r.stopReason !== undefined) attributes[ATTR.responseFinishReasons] = [r.stopReason];
  if (r.agentId !== undefined) attributes[ATTR.subagentId] = r.agentId;
  if (content.captureContent && r.textParts.length > 0) {
    const parts = r.textParts.map((t) => ({ type: "text", content: safeText(t, content.maxContentLength) }));
    // v0.1.0 deprecates the message's finish_reason for gen_ai.response.finish_reasons (set above).
    attributes[ATTR.outputMessages] = JSON.stringify([{ role: "assistant", parts, ...(legacy && r.stopReason !== undefined ? { finish_reason: r.stopReason } : {}) }]);
  }
  return {
    name: chatSpanName(r.model),
    kind: "CLIENT",
    startTimeMs: r.startTime,
    endTimeMs: r.endTime,
    attributes,
    status: { code: "UNSET" },
    unitKey: UNIT_OF_WORK.request(r.key),
  };
}

function toolSpan(session: Session, c: ToolCall, content: ContentOptions, final: boolean, rereadAfter: string | undefined): SpanBody {
  const outcome = exportedOutcome(c, final);
  const attributes: Attributes = {
    [ATTR.sessionId]: session.sessionId,
    [ATTR.operationName]: OPERATION.executeTool,
    [ATTR.toolName]: c.name,
    [ATTR.toolCallId]: c.id,
    [ATTR.toolOutcome]: outcome,
  };
  if (c.agentId !== undefined) attributes[ATTR.subagentId] = c.agentId;
  if (rereadAfter !== undefined) attributes[ATTR.toolRereadAfter] = rereadAfter;
  // Its result goes on costing in every later request until a compaction drops it: whole only at the end.
  if (final) attributes[ATTR.toolCostUsd] = roundUsd(c.cost.usd);
  if (content.captureContent) {
    attributes[ATTR.toolCallArguments] = safeJson(c.input, content.maxContentLength);
    if (c.target !== undefined) attributes[ATTR.toolTarget] = safeText(c.target, content.maxContentLength);
  }
  const endTimeMs = c.endTime ?? (final ? Math.max(session.endTime, c.startTime) : c.startTime);
  const message = c.outcome === "failure" ? errorMessage(c.errorText, content) : undefined;
  if (message !== undefined) attributes[ATTR.errorType] = TOOL_ERROR_TYPE;
  return {
    name: toolSpanName(c.name),
    kind: "INTERNAL",
    startTimeMs: c.startTime,
    endTimeMs,
    attributes,
    status: message === undefined ? { code: "UNSET" } : { code: "ERROR", message },
    events: message === undefined ? undefined : [{ name: "exception", timeMs: endTimeMs, attributes: { [ATTR.exceptionType]: TOOL_ERROR_TYPE, [ATTR.exceptionMessage]: message } }],
    unitKey: UNIT_OF_WORK.tool(c.id),
  };
}

/** An invoke_agent INTERNAL span: no provider, no cache usage, and (v0.1.0) no gen_ai.agent.id; the run's id is ours. */
function subagentSpan(sessionId: string, a: Subagent, content: ContentOptions, legacy: boolean): SpanBody {
  const attributes: Attributes = {
    [ATTR.sessionId]: sessionId,
    [ATTR.operationName]: OPERATION.invokeAgent,
    [ATTR.agentName]: a.agentType,
    [ATTR.subagentId]: a.agentId,
  };
  if (legacy) attributes[ATTR.agentId] = a.agentId;
  if (content.captureContent && a.description !== undefined) attributes[ATTR.agentDescription] = safeText(a.description, content.maxContentLength);
  return {
    name: subagentSpanName(a.agentType),
    kind: "INTERNAL",
    startTimeMs: a.startTime,
    endTimeMs: a.endTime,
    attributes,
    status: { code: "UNSET" },
    unitKey: UNIT_OF_WORK.agent(a.agentId),
  };
}
