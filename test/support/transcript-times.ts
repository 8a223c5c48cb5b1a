/**
 * When things happened, read straight from a transcript's lines (plain JSON, none of our parser):
 * the independent truth for span times in tests.
 */
import { readFileSync } from "node:fs";

interface RawLine {
  type?: string;
  uuid?: string;
  timestamp?: string;
  message?: { id?: string; content?: unknown };
}

export interface TranscriptTimes {
  /** The first and last timestamped lines, as ISO strings. */
  readonly first: string;
  readonly last: string;
  /** The `api-request` line written just before the response with this message id. */
  requestSent(messageId: string): string;
  /** The last line of the response with this message id. */
  responseEnd(messageId: string): string;
  /** The assistant line holding a tool_use, and the user line holding its tool_result. */
  toolUse(id: string): string;
  toolResult(id: string): string;
}

export function transcriptTimes(path: string): TranscriptTimes {
  const lines = readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RawLine);
  const stamped = lines.filter((l) => l.timestamp !== undefined);
  const blocks = (l: RawLine): { type: string; id?: string; tool_use_id?: string }[] => (Array.isArray(l.message?.content) ? l.message.content : []);
  const need = (value: string | undefined, what: string): string => {
    if (value === undefined) throw new Error(`${path}: no ${what}`);
    return value;
  };
  return {
    first: need(stamped[0]?.timestamp, "timestamp"),
    last: need(stamped[stamped.length - 1]?.timestamp, "timestamp"),
    requestSent(messageId) {
      const at = lines.findIndex((l) => l.type === "assistant" && l.message?.id === messageId);
      return need(
        lines
          .slice(0, at)
          .reverse()
          .find((l) => l.type === "api-request")?.timestamp,
        `api-request before ${messageId}`,
      );
    },
    responseEnd(messageId) {
      return need(lines.filter((l) => l.type === "assistant" && l.message?.id === messageId).pop()?.timestamp, `response ${messageId}`);
    },
    toolUse(id) {
      return need(lines.find((l) => l.type === "assistant" && blocks(l).some((b) => b.type === "tool_use" && b.id === id))?.timestamp, `tool_use ${id}`);
    },
    toolResult(id) {
      return need(lines.find((l) => l.type === "user" && blocks(l).some((b) => b.type === "tool_result" && b.tool_use_id === id))?.timestamp, `tool_result ${id}`);
    },
  };
}
