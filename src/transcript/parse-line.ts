import { isObject, num, obj, parseJsonObject, str, time } from "../util/json.js";
import type { JsonObject } from "../util/json.js";
import type { AssistantLine, LineContext, ModelLedger, ToolResult, ToolUseBlock, TokenUsage, TranscriptLine } from "./line-types.js";

/** Longest error text we keep per failed tool call; the rest is never needed for telemetry. */
export const MAX_ERROR_TEXT = 2000;

/** Parses one JSONL line into a typed record; undefined for blank, truncated or non-JSON lines. */
export function parseTranscriptLine(text: string): TranscriptLine | undefined {
  const raw = parseJsonObject(text);
  if (raw === undefined) return undefined;
  return toTranscriptLine(raw);
}

export function toTranscriptLine(raw: JsonObject): TranscriptLine {
  const type = str(raw["type"]) ?? "";
  switch (type) {
    case "assistant":
      return toAssistant(raw);
    case "user":
      return toUser(raw);
    case "system":
      return toSystem(raw);
    case "cost-state":
      return toCostState(raw);
    case "api-request":
      return { kind: "api-request", id: str(raw["id"]) ?? "", timestamp: time(raw["timestamp"]) };
    case "summary":
      return { kind: "summary", summary: str(raw["summary"]) ?? "", leafUuid: str(raw["leafUuid"]) };
    case "attachment":
      return toAttachment(raw);
    default:
      return { kind: "other", type: type || "(none)", timestamp: time(raw["timestamp"]) };
  }
}

function context(raw: JsonObject): LineContext {
  return {
    uuid: str(raw["uuid"]),
    parentUuid: str(raw["parentUuid"]),
    timestamp: time(raw["timestamp"]),
    sessionId: str(raw["sessionId"]),
    isSidechain: raw["isSidechain"] === true,
    agentId: str(raw["agentId"]),
    cwd: str(raw["cwd"]),
    version: str(raw["version"]),
    gitBranch: str(raw["gitBranch"]),
  };
}

function toUsage(value: unknown): TokenUsage | undefined {
  const u = obj(value);
  if (u === undefined) return undefined;
  const creation = obj(u["cache_creation"]);
  const cacheCreation = num(u["cache_creation_input_tokens"]) ?? 0;
  const oneHour = num(creation?.["ephemeral_1h_input_tokens"]) ?? 0;
  // Before the split existed every cache write was a 5-minute write.
  const fiveMinutes = creation === undefined ? cacheCreation : (num(creation["ephemeral_5m_input_tokens"]) ?? 0);
  return {
    input: num(u["input_tokens"]) ?? 0,
    output: num(u["output_tokens"]) ?? 0,
    cacheRead: num(u["cache_read_input_tokens"]) ?? 0,
    cacheCreation,
    cacheCreation5m: fiveMinutes,
    cacheCreation1h: oneHour,
  };
}

function toAssistant(raw: JsonObject): AssistantLine {
  const message = obj(raw["message"]) ?? {};
  const toolUses: ToolUseBlock[] = [];
  let text = "";
  const content = message["content"];
  if (Array.isArray(content)) {
    for (const block of content) {
      if (!isObject(block)) continue;
      if (block["type"] === "tool_use") {
        toolUses.push({ id: str(block["id"]) ?? "", name: str(block["name"]) ?? "unknown", input: obj(block["input"]) ?? {} });
      } else if (block["type"] === "text") {
        text += str(block["text"]) ?? "";
      }
    }
  } else if (typeof content === "string") {
    text = content;
  }
  return {
    kind: "assistant",
    ...context(raw),
    messageId: str(message["id"]),
    requestId: str(raw["requestId"]),
    requestRef: str(raw["requestRef"]),
    model: str(message["model"]) ?? "unknown",
    usage: toUsage(message["usage"]),
    stopReason: str(message["stop_reason"]),
    toolUses,
    text,
  };
}

function resultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content) {
    if (isObject(part) && typeof part["text"] === "string") {
      text += (text ? "\n" : "") + part["text"];
      if (text.length > MAX_ERROR_TEXT) break;
    }
  }
  return text;
}

/** UTF-8 bytes of a tool result's content as the model gets it: text parts, and an image's base64 data. */
function resultBytes(content: unknown): number {
  if (typeof content === "string") return Buffer.byteLength(content);
  if (!Array.isArray(content)) return 0;
  let bytes = 0;
  for (const part of content) {
    if (!isObject(part)) continue;
    if (typeof part["text"] === "string") bytes += Buffer.byteLength(part["text"]);
    else {
      const data = obj(part["source"])?.["data"];
      if (typeof data === "string") bytes += data.length;
    }
  }
  return bytes;
}

function toUser(raw: JsonObject): TranscriptLine {
  const ctx = context(raw);
  const message = obj(raw["message"]) ?? {};
  const content = message["content"];
  const promptId = str(raw["promptId"]);
  const results: ToolResult[] = [];
  let promptText: string | undefined = typeof content === "string" ? content : undefined;
  const toolUseResult = obj(raw["toolUseResult"]);
  if (Array.isArray(content)) {
    for (const block of content) {
      if (!isObject(block)) continue;
      if (block["type"] === "tool_result") {
        const isError = block["is_error"] === true;
        results.push({
          toolUseId: str(block["tool_use_id"]) ?? "",
          isError,
          errorText: isError ? resultText(block["content"]).slice(0, MAX_ERROR_TEXT) : undefined,
          bytes: resultBytes(block["content"]),
          persistedBytes: undefined,
        });
      } else if (block["type"] === "text" && promptText === undefined) {
        promptText = str(block["text"]);
      }
    }
  }
  if (results.length > 0) {
    // toolUseResult describes the line's one result; with several it says nothing about which.
    const persisted = results.length === 1 ? num(toolUseResult?.["persistedOutputSize"]) : undefined;
    const first = results[0] as ToolResult;
    if (persisted !== undefined) results[0] = { ...first, persistedBytes: persisted };
    return { kind: "tool-results", ...ctx, promptId, results, spawnedAgentId: str(toolUseResult?.["agentId"]) };
  }
  return {
    kind: "prompt",
    ...ctx,
    promptId,
    text: promptText ?? "",
    isMeta: raw["isMeta"] === true,
    isCompactSummary: raw["isCompactSummary"] === true,
    turnOrigin: str(raw["turnOrigin"]),
    promptSource: str(raw["promptSource"]),
  };
}

function toSystem(raw: JsonObject): TranscriptLine {
  const meta = obj(raw["compactMetadata"]);
  if (raw["subtype"] !== "compact_boundary" || meta === undefined) {
    return { kind: "other", type: `system:${str(raw["subtype"]) ?? "(none)"}`, timestamp: time(raw["timestamp"]) };
  }
  return {
    kind: "compact-boundary",
    ...context(raw),
    trigger: str(meta["trigger"]) ?? "unknown",
    preTokens: num(meta["preTokens"]),
    postTokens: num(meta["postTokens"]),
    cumulativeDroppedTokens: num(meta["cumulativeDroppedTokens"]),
    durationMs: num(meta["durationMs"]),
    keptUuids: strings(obj(meta["preservedMessages"])?.["allUuids"] ?? obj(meta["preservedMessages"])?.["uuids"]),
  };
}

function strings(value: unknown): string[] {
  const out: string[] = [];
  if (Array.isArray(value)) for (const v of value) if (typeof v === "string") out.push(v);
  return out;
}

/** Longest piece of a failed hook's stderr we keep: enough to name the command. */
const MAX_HOOK_STDERR = 500;

/** Hook failures Claude Code records as attachments of these types (and async responses with a non-zero exit code). */
const HOOK_FAILURES = new Set(["hook_non_blocking_error", "hook_blocking_error", "hook_error_during_execution", "hook_cancelled"]);

/**
 * The attachment lines we use (line-head.ts lets only these through to the parse): files put into
 * the context, and hooks that failed. Every other attachment is `other`.
 */
function toAttachment(raw: JsonObject): TranscriptLine {
  const a = obj(raw["attachment"]);
  const type = str(a?.["type"]);
  const base = context(raw);
  if (a !== undefined && (type === "file" || type === "compact_file_reference")) {
    const path = str(a["filename"]);
    if (path !== undefined) {
      const file = obj(obj(a["content"])?.["file"]);
      const content = str(file?.["content"]);
      return { kind: "context-file", ...base, path, how: type === "file" ? "whole" : "reference", bytes: content === undefined ? 0 : Buffer.byteLength(content) };
    }
  }
  if (a !== undefined && type !== undefined) {
    const exitCode = num(a["exitCode"]);
    if (HOOK_FAILURES.has(type) || (type === "async_hook_response" && exitCode !== undefined && exitCode !== 0)) {
      return {
        kind: "hook-error",
        ...base,
        event: str(a["hookEvent"]) ?? "unknown",
        failure: type,
        exitCode,
        command: str(a["command"]),
        stderr: (str(a["stderr"]) ?? "").slice(0, MAX_HOOK_STDERR),
      };
    }
  }
  return { kind: "other", type: "attachment", timestamp: base.timestamp };
}

function toCostState(raw: JsonObject): TranscriptLine {
  const modelUsage: Record<string, ModelLedger> = {};
  const usage = obj(raw["modelUsage"]) ?? {};
  for (const [model, value] of Object.entries(usage)) {
    const m = obj(value);
    if (m === undefined) continue;
    modelUsage[model] = {
      inputTokens: num(m["inputTokens"]) ?? 0,
      outputTokens: num(m["outputTokens"]) ?? 0,
      cacheReadInputTokens: num(m["cacheReadInputTokens"]) ?? 0,
      cacheCreationInputTokens: num(m["cacheCreationInputTokens"]) ?? 0,
      cacheCreation5mInputTokens: num(m["cacheCreationEphemeral5mInputTokens"]) ?? 0,
      cacheCreation1hInputTokens: num(m["cacheCreationEphemeral1hInputTokens"]) ?? 0,
      webSearchRequests: num(m["webSearchRequests"]) ?? 0,
      costUsd: num(m["costUSD"]) ?? 0,
    };
  }
  return {
    kind: "cost-state",
    sessionId: str(raw["sessionId"]),
    totalCostUsd: num(raw["totalCostUSD"]) ?? 0,
    modelUsage,
    hasUnknownModelCost: raw["hasUnknownModelCost"] === true,
  };
}
