/** Hand-built transcript lines (what parse-line.ts produces), every field named, for model tests. */
import type {
  ModelLedger,
  ApiRequestLine,
  AssistantLine,
  CompactBoundaryLine,
  ContextFileLine,
  CostStateLine,
  HookErrorLine,
  LineContext,
  PromptLine,
  TokenUsage,
  ToolResultLine,
  ToolUseBlock,
} from "../../src/transcript/line-types.js";

/** 2026-01-01T00:00:00Z plus `s` seconds. */
export const at = (s: number): number => Date.UTC(2026, 0, 1) + s * 1000;

export function usage(input: number, output: number, cacheRead = 0, cacheCreation = 0): TokenUsage {
  return { input, output, cacheRead, cacheCreation, cacheCreation5m: cacheCreation, cacheCreation1h: 0 };
}

function context(c: Partial<LineContext>): LineContext {
  return {
    uuid: c.uuid,
    parentUuid: c.parentUuid,
    timestamp: c.timestamp,
    sessionId: c.sessionId ?? "s1",
    isSidechain: c.isSidechain ?? false,
    agentId: c.agentId,
    cwd: c.cwd,
    version: c.version,
    gitBranch: c.gitBranch,
  };
}

export function prompt(
  text: string,
  c: Partial<LineContext> & Partial<Pick<PromptLine, "promptId" | "isMeta" | "isCompactSummary" | "turnOrigin" | "promptSource">> = {},
): PromptLine {
  return {
    kind: "prompt",
    ...context(c),
    promptId: c.promptId,
    text,
    isMeta: c.isMeta ?? false,
    isCompactSummary: c.isCompactSummary ?? false,
    turnOrigin: c.turnOrigin,
    promptSource: c.promptSource,
  };
}

export function assistant(
  messageId: string,
  c: Partial<LineContext> & Partial<Pick<AssistantLine, "requestId" | "requestRef" | "model" | "usage" | "stopReason" | "text">> & { tools?: readonly ToolUseBlock[] } = {},
): AssistantLine {
  return {
    kind: "assistant",
    ...context(c),
    messageId,
    requestId: c.requestId ?? `req_${messageId}`,
    requestRef: c.requestRef,
    model: c.model ?? "claude-sonnet-4-5",
    usage: c.usage,
    stopReason: c.stopReason,
    toolUses: c.tools ?? [],
    text: c.text ?? "",
  };
}

export function toolResults(
  results: readonly { id: string; isError?: boolean; errorText?: string; bytes?: number; persistedBytes?: number }[],
  c: Partial<LineContext> & { promptId?: string; spawnedAgentId?: string } = {},
): ToolResultLine {
  return {
    kind: "tool-results",
    ...context(c),
    promptId: c.promptId,
    results: results.map((r) => ({ toolUseId: r.id, isError: r.isError ?? false, errorText: r.errorText, bytes: r.bytes ?? 0, persistedBytes: r.persistedBytes })),
    spawnedAgentId: c.spawnedAgentId,
  };
}

export function compactBoundary(
  trigger: string,
  c: Partial<LineContext> & Partial<Pick<CompactBoundaryLine, "preTokens" | "postTokens" | "cumulativeDroppedTokens" | "durationMs" | "keptUuids">> = {},
): CompactBoundaryLine {
  return {
    kind: "compact-boundary",
    ...context(c),
    trigger,
    preTokens: c.preTokens,
    postTokens: c.postTokens,
    cumulativeDroppedTokens: c.cumulativeDroppedTokens,
    durationMs: c.durationMs,
    keptUuids: c.keptUuids ?? [],
  };
}

/** A file put back into the context by an attachment line (after a compaction, or mentioned). */
export function contextFile(path: string, how: "whole" | "reference", bytes: number, c: Partial<LineContext> = {}): ContextFileLine {
  return { kind: "context-file", ...context(c), path, how, bytes };
}

export function hookError(event: string, c: Partial<LineContext> & Partial<Pick<HookErrorLine, "failure" | "exitCode" | "command" | "stderr">> = {}): HookErrorLine {
  return {
    kind: "hook-error",
    ...context(c),
    event,
    failure: c.failure ?? "async_hook_response",
    exitCode: c.exitCode ?? 1,
    command: c.command,
    stderr: c.stderr ?? "",
  };
}

/** A ledger line; `models`: per model, [input, output, cacheRead, 5m writes, 1h writes, costUSD] (running totals). */
export function costState(totalCostUsd: number, models: Record<string, [number, number, number, number, number, number]> = {}, hasUnknownModelCost = false): CostStateLine {
  const modelUsage: Record<string, ModelLedger> = {};
  for (const [model, [input, output, read, w5m, w1h, usd]] of Object.entries(models)) {
    modelUsage[model] = {
      inputTokens: input,
      outputTokens: output,
      cacheReadInputTokens: read,
      cacheCreationInputTokens: w5m + w1h,
      cacheCreation5mInputTokens: w5m,
      cacheCreation1hInputTokens: w1h,
      webSearchRequests: 0,
      costUsd: usd,
    };
  }
  return { kind: "cost-state", sessionId: "s1", totalCostUsd, modelUsage, hasUnknownModelCost };
}

export function apiRequest(id: string, timestamp: number): ApiRequestLine {
  return { kind: "api-request", id, timestamp };
}
