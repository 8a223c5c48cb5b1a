/**
 * The spool: one small file per hook trigger in `<state home>/spool/`, written by hook processes
 * and drained by the single flusher. One file per trigger (temp + rename) means 50 parallel
 * hooks never write the same file, and a reader never sees half a record.
 * A record holds ids, paths, timings, a prompt's `source` and a fingerprint of the final answer:
 * never prompt text, tool input, tool output or the answer itself.
 */
import { readdirSync, unlinkSync } from "node:fs";
import { inDir } from "../config/state-dir.js";
import { randomTag, readRegularFile, writeFileAtomic } from "../util/private-fs.js";
import { join } from "node:path";
import { isObject, num, str } from "../util/json.js";
import type { HookPayload } from "./payload.js";

export const SPOOL_DIR = "spool";

/** A trigger is a few hundred bytes (ids, two paths, times). */
const MAX_TRIGGER_BYTES = 64 * 1024;

/** Events that give the flusher something to do (UserPromptSubmit only when Claude Code says a machine sent the prompt). */
export type TriggerEvent = "UserPromptSubmit" | "PostToolUse" | "PostToolUseFailure" | "Stop" | "SubagentStop" | "PostCompact" | "SessionEnd";

export interface Trigger {
  readonly v: 1;
  readonly event: TriggerEvent;
  readonly sessionId: string;
  readonly transcriptPath: string | undefined;
  readonly agentTranscriptPath: string | undefined;
  readonly agentId: string | undefined;
  readonly toolUseId: string | undefined;
  /** Claude Code's own measurement of the tool call (PostToolUse / PostToolUseFailure). */
  readonly durationMs: number | undefined;
  /** PostCompact: manual or auto. */
  readonly trigger: string | undefined;
  /** UserPromptSubmit: the prompt's id and its `source` (model/turn-origin.ts reads it). */
  readonly promptId?: string | undefined;
  readonly source?: string | undefined;
  /** Stop: the fingerprint of the turn's final answer (util/text-hash.ts), to know when the transcript holds it. */
  readonly answerHash?: string | undefined;
  /** When the hook ran (ms since epoch). */
  readonly time: number;
}

export interface SpooledTrigger {
  readonly file: string;
  readonly trigger: Trigger;
}

/** The trigger a payload becomes, or undefined when the event has nothing to export (PreToolUse, UserPromptSubmit, ...). */
export function triggerFor(payload: HookPayload, now: number): Trigger | undefined {
  const base = {
    v: 1 as const,
    sessionId: payload.sessionId,
    transcriptPath: payload.transcriptPath,
    agentTranscriptPath: undefined as string | undefined,
    agentId: payload.agentId,
    toolUseId: undefined as string | undefined,
    durationMs: undefined as number | undefined,
    trigger: undefined as string | undefined,
    time: now,
  };
  switch (payload.event) {
    case "PostToolUse":
    case "PostToolUseFailure":
      return { ...base, event: payload.event, toolUseId: payload.toolUseId, durationMs: payload.durationMs };
    case "SubagentStop":
      return { ...base, event: payload.event, agentTranscriptPath: payload.agentTranscriptPath };
    case "PostCompact":
      return { ...base, event: payload.event, trigger: payload.trigger };
    case "Stop":
      return { ...base, event: payload.event, answerHash: payload.answerHash };
    case "SessionEnd":
      return { ...base, event: payload.event };
    case "UserPromptSubmit":
      // A person's prompt (or a release that does not say) needs nothing: the transcript has the turn.
      return payload.source === undefined || PERSON_SOURCES.has(payload.source) ? undefined : { ...base, event: payload.event, promptId: payload.promptId, source: payload.source };
    case "SessionStart":
    case "PreToolUse":
    case "SubagentStart":
    case "PreCompact":
    case "unknown":
      return undefined;
  }
}

/**
 * `<ms>-<pid>-<random>.json`: names sort by time; pid + random keep parallel hooks apart. Not
 * node:crypto: loading it costs every hook ~4 ms, and a name needs uniqueness, not secrecy.
 */
function spoolName(now: number): string {
  return `${String(now).padStart(15, "0")}-${process.pid}-${randomTag()}.json`;
}

/** Writes one trigger (0600 in a 0700 folder). Throws on I/O errors: the caller logs them. */
export function writeTrigger(stateHome: string, trigger: Trigger): string {
  const dir = join(stateHome, SPOOL_DIR);
  const name = spoolName(trigger.time);
  const text = JSON.stringify(trigger);
  // The spool (0700) is made only when the write finds it missing: not up front, where it would
  // cost every hook two syscalls for a directory that almost always exists.
  inDir(dir, () => writeFileAtomic(join(dir, name), text, 0o600));
  return name;
}

const EVENTS: ReadonlySet<string> = new Set<TriggerEvent>(["UserPromptSubmit", "PostToolUse", "PostToolUseFailure", "Stop", "SubagentStop", "PostCompact", "SessionEnd"]);

/** UserPromptSubmit `source` values that mean a person (the interactive composer, or -p / the Agent SDK). */
const PERSON_SOURCES: ReadonlySet<string> = new Set(["user", "sdk"]);

function parseTrigger(text: string): Trigger | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(raw) || raw["v"] !== 1) return undefined;
  const event = str(raw["event"]);
  const sessionId = str(raw["sessionId"]);
  const time = num(raw["time"]);
  if (event === undefined || !EVENTS.has(event) || sessionId === undefined || time === undefined) return undefined;
  return {
    v: 1,
    event: event as TriggerEvent,
    sessionId,
    transcriptPath: str(raw["transcriptPath"]),
    agentTranscriptPath: str(raw["agentTranscriptPath"]),
    agentId: str(raw["agentId"]),
    toolUseId: str(raw["toolUseId"]),
    durationMs: num(raw["durationMs"]),
    trigger: str(raw["trigger"]),
    promptId: str(raw["promptId"]),
    source: str(raw["source"]),
    answerHash: str(raw["answerHash"]),
    time,
  };
}

export interface SpoolContents {
  readonly triggers: SpooledTrigger[];
  /** Files that could not be parsed: removed by the caller, counted in the log. */
  readonly corrupt: string[];
}

/** Every complete trigger in the spool, oldest first. Temp files of hooks still writing are skipped. */
export function readSpool(stateHome: string): SpoolContents {
  const dir = join(stateHome, SPOOL_DIR);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".json") && !n.startsWith("."));
  } catch {
    return { triggers: [], corrupt: [] };
  }
  names.sort();
  const triggers: SpooledTrigger[] = [];
  const corrupt: string[] = [];
  for (const name of names) {
    const file = join(dir, name);
    let text: string;
    try {
      text = readRegularFile(file, MAX_TRIGGER_BYTES).text;
    } catch (error) {
      // Removed by a concurrent drain; anything but a small regular file is not a trigger.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") corrupt.push(file);
      continue;
    }
    const trigger = parseTrigger(text);
    if (trigger === undefined) corrupt.push(file);
    else triggers.push({ file, trigger });
  }
  return { triggers, corrupt };
}

export function removeSpooled(files: readonly string[]): void {
  for (const f of files) {
    try {
      unlinkSync(f);
    } catch {
      // Already removed.
    }
  }
}
