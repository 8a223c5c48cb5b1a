/**
 * API requests from assistant lines. One response is written as several lines (one per content
 * block), each repeating `message.id`, `requestId` and the usage: de-duplicated by message id +
 * request id, keeping the largest usage (before 2.1.97 the first copy holds streaming placeholder
 * usage). A request starts when it was sent: its `api-request` line, else the line it answers.
 */
import type { AssistantLine, TokenUsage, TranscriptLine } from "../transcript/line-types.js";
import { flatString } from "../util/flat-string.js";
import type { ApiRequest, RequestCost } from "./types.js";
import { ZERO_USAGE } from "./types.js";
import type { TurnDraft } from "./turns.js";

export interface RequestDraft {
  key: string;
  messageId: string;
  requestId: string;
  model: string;
  usage: TokenUsage;
  stopReason: string | undefined;
  requestRef: string | undefined;
  parentUuid: string | undefined;
  firstTime: number | undefined;
  endTime: number;
  agentId: string | undefined;
  turn: TurnDraft | undefined;
  toolCallIds: string[];
  textParts: string[];
  /** Ordinal of the first line in the main file, for ledger reconciliation. */
  position: number | undefined;
  /** The Claude Code release that wrote it: rates are learned per release. */
  version: string | undefined;
}

export interface RequestLog {
  readonly drafts: Map<string, RequestDraft>;
  /** `api-request` line id → when the request was sent. */
  readonly sentAt: Map<string, number>;
  /** Line uuid → its time (a response's parent line: when the request was sent, before 2.1.x). */
  readonly timeByUuid: Map<string, number>;
  /** Flat (util/flat-string.ts): the model goes on every chat span and metric point. Cached: a session has a handful of models and thousands of requests. */
  readonly flatModels: Map<string, string>;
}

export function newRequestLog(): RequestLog {
  return { drafts: new Map(), sentAt: new Map(), timeByUuid: new Map(), flatModels: new Map() };
}

export const SYNTHETIC_MODEL = "<synthetic>";

export /** Usage totals decide which copy of a streamed response is final (placeholders come first). */
function usageWeight(u: TokenUsage): number {
  return u.input + u.output + u.cacheRead + u.cacheCreation;
}

/** Every line, of every file, may be the one a request's start time points at. */
export function noteLineTime(log: RequestLog, line: TranscriptLine): void {
  if (line.kind === "api-request" && line.timestamp !== undefined) log.sentAt.set(line.id, line.timestamp);
  if ("uuid" in line && line.uuid !== undefined && line.timestamp !== undefined) log.timeByUuid.set(line.uuid, line.timestamp);
}

function flatModel(log: RequestLog, model: string): string {
  let flat = log.flatModels.get(model);
  if (flat === undefined) {
    flat = flatString(model);
    log.flatModels.set(model, flat);
  }
  return flat;
}

/**
 * Adds an assistant line to its request (a new one counts in `turn`); undefined for Claude
 * Code's synthetic messages, which are no API call.
 */
export function addAssistantLine(
  log: RequestLog,
  line: AssistantLine,
  agentId: string | undefined,
  turn: TurnDraft | undefined,
  position: number | undefined,
): RequestDraft | undefined {
  if (line.model === SYNTHETIC_MODEL) return undefined;
  const messageId = line.messageId ?? line.uuid ?? "";
  const requestId = line.requestId ?? "";
  const key = `${messageId}:${requestId}`;
  const t = line.timestamp ?? 0;
  let draft = log.drafts.get(key);
  if (draft === undefined) {
    draft = {
      key,
      messageId,
      requestId,
      model: flatModel(log, line.model),
      usage: line.usage ?? ZERO_USAGE,
      stopReason: line.stopReason,
      requestRef: line.requestRef,
      parentUuid: line.parentUuid,
      firstTime: line.timestamp,
      endTime: t,
      agentId,
      turn,
      toolCallIds: [],
      textParts: [],
      position,
      version: line.version,
    };
    log.drafts.set(key, draft);
    if (turn !== undefined) turn.requests++;
  } else {
    if (line.usage !== undefined && usageWeight(line.usage) > usageWeight(draft.usage)) {
      draft.usage = line.usage;
      draft.stopReason = line.stopReason ?? draft.stopReason;
    }
    draft.endTime = Math.max(draft.endTime, t);
    draft.requestRef ??= line.requestRef;
  }
  if (line.text !== "") addTextPart(draft.textParts, line.text);
  return draft;
}

/**
 * A response's text arrives one block per line, and a line may repeat (copies of a streamed
 * response, placeholders first): a block already held, or the start of one held, adds nothing;
 * a longer version of a held block replaces it.
 */
export function addTextPart(parts: string[], text: string): void {
  const i = parts.findIndex((p) => text.startsWith(p) || p.startsWith(text));
  if (i === -1) parts.push(text);
  else if (text.length > (parts[i] as string).length) parts[i] = text;
}

/** When the request was sent: its `api-request` line, else its parent line, else its first line. */
export function sentTime(log: RequestLog, draft: RequestDraft): number {
  return (
    (draft.requestRef !== undefined ? log.sentAt.get(draft.requestRef) : undefined) ??
    (draft.parentUuid !== undefined ? log.timeByUuid.get(draft.parentUuid) : undefined) ??
    draft.firstTime ??
    draft.endTime
  );
}

/** The session's requests, ordered by start time; `costOf` prices each at the time it was sent. */
export function finishRequests(
  log: RequestLog,
  turnIndexOf: (turn: TurnDraft | undefined, agentId: string | undefined) => number | undefined,
  costOf: (draft: RequestDraft, sentAt: number) => RequestCost,
): ApiRequest[] {
  const requests: ApiRequest[] = [];
  for (const draft of log.drafts.values()) {
    const startTime = sentTime(log, draft);
    requests.push({
      key: draft.key,
      messageId: draft.messageId,
      requestId: draft.requestId,
      model: draft.model,
      usage: draft.usage,
      stopReason: draft.stopReason,
      startTime: Math.min(startTime, draft.endTime),
      endTime: draft.endTime,
      agentId: draft.agentId,
      turnIndex: turnIndexOf(draft.turn, draft.agentId),
      toolCallIds: draft.toolCallIds,
      textParts: draft.textParts,
      cost: costOf(draft, startTime),
    });
  }
  requests.sort((a, b) => a.startTime - b.startTime || a.key.localeCompare(b.key));
  return requests;
}

/** The request with its cost decided (the ledger's share): every field named, as built above. */
export function withCost(r: ApiRequest, cost: RequestCost): ApiRequest {
  return {
    key: r.key,
    messageId: r.messageId,
    requestId: r.requestId,
    model: r.model,
    usage: r.usage,
    stopReason: r.stopReason,
    startTime: r.startTime,
    endTime: r.endTime,
    agentId: r.agentId,
    turnIndex: r.turnIndex,
    toolCallIds: r.toolCallIds,
    textParts: r.textParts,
    cost,
  };
}
