import type { ToolCall, TokenUsage } from "../model/types.js";
import { ATTR, OPERATION, OUTCOME_INTERRUPTED, PROVIDER_NAME } from "../semconv/names.js";

/** GenAI `input_tokens` counts all input; Anthropic's excludes cache reads and writes. */
export function genAiInputTokens(u: Pick<TokenUsage, "input" | "cacheRead" | "cacheCreation">): number {
  return u.input + u.cacheRead + u.cacheCreation;
}

/** A tool call's outcome as spans and metrics report it: still pending when its session ended means interrupted. */
export function exportedOutcome(c: Pick<ToolCall, "outcome">, final: boolean): string {
  return c.outcome === "pending" ? (final ? OUTCOME_INTERRUPTED : "pending") : c.outcome;
}

/** What a chat operation is in the GenAI conventions, on its span and on its metric points alike. */
export function chatOperationAttributes(model: string): Record<string, string> {
  return { [ATTR.operationName]: OPERATION.chat, [ATTR.providerName]: PROVIDER_NAME, [ATTR.requestModel]: model, [ATTR.responseModel]: model };
}
