import type { PromptLine } from "../transcript/line-types.js";

export type PromptKind = "prompt" | "command" | "not-a-turn";

/**
 * A turn starts with a prompt a person typed. Meta lines, compaction summaries and local
 * command output are lines of type `user` too, but nobody asked the model anything.
 * Slash commands count only if the model then answered (decided by the builder).
 */
export function promptKind(line: PromptLine): PromptKind {
  if (line.isMeta || line.isCompactSummary) return "not-a-turn";
  const text = line.text.trimStart();
  if (text.length === 0) return "not-a-turn";
  if (
    text.startsWith("<local-command-stdout>") ||
    text.startsWith("<local-command-stderr>") ||
    text.startsWith("<local-command-caveat>") ||
    text.startsWith("[Request interrupted")
  ) {
    return "not-a-turn";
  }
  if (text.startsWith("<command-name>") || text.startsWith("<command-message>")) return "command";
  return "prompt";
}
