/**
 * Claude Code hook payloads, parsed once at the boundary into a union on `hook_event_name`.
 * Deliberately no import beyond util/json and util/text-hash: this module is on the hook's fast path.
 * Tolerant of older payloads (no tool_use_id, custom_instructions null, no duration_ms) and of
 * the ~30 events we do not use (`kind: "unknown"`), and of fields newer releases add or omit:
 * UserPromptSubmit's `source` (declared since 2.1.330, "may be omitted while the field rolls
 * out") and Stop's `last_assistant_message`. Prompt text, tool input, tool output and the answer
 * are not kept (the answer only as a fingerprint): telemetry reads them from the transcript, with
 * redaction, when at all.
 */
import { isObject, num, str } from "../util/json.js";
import type { JsonObject } from "../util/json.js";
import { textHash } from "../util/text-hash.js";

interface Common {
  readonly sessionId: string;
  /** Absent in some hand-made payloads; then only the projects folder can lead to the transcript. */
  readonly transcriptPath: string | undefined;
  readonly cwd: string | undefined;
  readonly promptId: string | undefined;
  /** Set when the hook fires inside a subagent. */
  readonly agentId: string | undefined;
  readonly agentType: string | undefined;
}

interface ToolFields {
  readonly toolName: string | undefined;
  /** Missing before Claude Code ~1.0.40. */
  readonly toolUseId: string | undefined;
}

export type HookPayload =
  | (Common & { readonly event: "SessionStart"; readonly source: string | undefined })
  /** `source`: who submitted the prompt (user, sdk, system, schedule_wakeup, loop_wakeup, poll_event), when the release says. */
  | (Common & { readonly event: "UserPromptSubmit"; readonly source: string | undefined })
  | (Common & ToolFields & { readonly event: "PreToolUse" })
  | (Common & ToolFields & { readonly event: "PostToolUse"; readonly durationMs: number | undefined })
  | (Common & ToolFields & { readonly event: "PostToolUseFailure"; readonly durationMs: number | undefined; readonly isInterrupt: boolean })
  /** `answerHash`: textHash of `last_assistant_message`, the turn's final answer, when the release sends it. */
  | (Common & { readonly event: "Stop"; readonly stopHookActive: boolean; readonly answerHash: string | undefined })
  | (Common & { readonly event: "SubagentStart" })
  | (Common & { readonly event: "SubagentStop"; readonly agentTranscriptPath: string | undefined; readonly stopHookActive: boolean })
  | (Common & { readonly event: "PreCompact"; readonly trigger: string | undefined })
  | (Common & { readonly event: "PostCompact"; readonly trigger: string | undefined })
  | (Common & { readonly event: "SessionEnd"; readonly reason: string | undefined })
  | (Common & { readonly event: "unknown"; readonly name: string });

export type HookEventName = Exclude<HookPayload["event"], "unknown">;

export const HOOK_EVENT_NAMES: readonly HookEventName[] = [
  "SessionStart",
  "UserPromptSubmit",
  "PreToolUse",
  "PostToolUse",
  "PostToolUseFailure",
  "Stop",
  "SubagentStart",
  "SubagentStop",
  "PreCompact",
  "PostCompact",
  "SessionEnd",
];

export type PayloadResult = { readonly ok: true; readonly payload: HookPayload } | { readonly ok: false; readonly reason: string };

/** A duration Claude Code measured; anything else (negative, NaN, absurd) is dropped. */
function duration(value: unknown): number | undefined {
  const n = num(value);
  return n !== undefined && n >= 0 && n < 7 * 24 * 3600_000 ? n : undefined;
}

/** Parses the hook's stdin text. Never throws. */
export function parseHookInput(text: string): PayloadResult {
  if (text.trim() === "") return { ok: false, reason: "empty input" };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: `input is not JSON (${text.length} bytes)` };
  }
  if (!isObject(value)) return { ok: false, reason: `input is not a JSON object (${Array.isArray(value) ? "array" : typeof value})` };
  return parseHookPayload(value);
}

export function parseHookPayload(raw: JsonObject): PayloadResult {
  const sessionId = str(raw["session_id"]);
  const name = str(raw["hook_event_name"]);
  if (sessionId === undefined || sessionId === "") return { ok: false, reason: `payload has no session_id (event ${name ?? "?"})` };
  if (name === undefined) return { ok: false, reason: "payload has no hook_event_name" };
  const common: Common = {
    sessionId,
    transcriptPath: str(raw["transcript_path"]) || undefined,
    cwd: str(raw["cwd"]),
    promptId: str(raw["prompt_id"]),
    agentId: str(raw["agent_id"]),
    agentType: str(raw["agent_type"]),
  };
  const tool: ToolFields = { toolName: str(raw["tool_name"]), toolUseId: str(raw["tool_use_id"]) || undefined };
  const payload = ((): HookPayload => {
    switch (name) {
      case "SessionStart":
        return { ...common, event: name, source: str(raw["source"]) };
      case "UserPromptSubmit":
        return { ...common, event: name, source: str(raw["source"]) || undefined };
      case "SubagentStart":
        return { ...common, event: name };
      case "PreToolUse":
        return { ...common, ...tool, event: name };
      case "PostToolUse":
        return { ...common, ...tool, event: name, durationMs: duration(raw["duration_ms"]) };
      case "PostToolUseFailure":
        return { ...common, ...tool, event: name, durationMs: duration(raw["duration_ms"]), isInterrupt: raw["is_interrupt"] === true };
      case "Stop": {
        const answer = str(raw["last_assistant_message"]);
        return { ...common, event: name, stopHookActive: raw["stop_hook_active"] === true, answerHash: answer ? textHash(answer) : undefined };
      }
      case "SubagentStop":
        return { ...common, event: name, agentTranscriptPath: str(raw["agent_transcript_path"]) || undefined, stopHookActive: raw["stop_hook_active"] === true };
      case "PreCompact":
      case "PostCompact":
        return { ...common, event: name, trigger: str(raw["trigger"]) };
      case "SessionEnd":
        return { ...common, event: name, reason: str(raw["reason"]) };
      default:
        return { ...common, event: "unknown", name };
    }
  })();
  return { ok: true, payload };
}
