/**
 * Turn segmentation: a turn starts with a prompt a person typed (prompt-kind.ts) and runs until
 * the next one; lines sharing the current prompt id (command output, expanded commands) continue
 * it. Slash commands the model never answered are not turns.
 */
import type { PromptLine } from "../transcript/line-types.js";
import { promptKind } from "./prompt-kind.js";
import type { TurnOrigin } from "./turn-origin.js";
import { transcriptTurnOrigin } from "./turn-origin.js";
import type { Turn } from "./types.js";

export interface TurnDraft {
  kind: "prompt" | "command";
  promptId: string | undefined;
  uuid: string | undefined;
  startTime: number;
  endTime: number;
  promptText: string;
  origin: TurnOrigin | undefined;
  /** Requests made in the turn (requests.ts counts them): a command nobody answered has none. */
  requests: number;
}

export interface TurnSegmenter {
  readonly turns: TurnDraft[];
  current: TurnDraft | undefined;
}

export function newTurnSegmenter(): TurnSegmenter {
  return { turns: [], current: undefined };
}

/** A prompt line of the main thread: starts a turn, continues the current one, or is not a turn. */
export function onPrompt(s: TurnSegmenter, line: PromptLine): void {
  const kind = promptKind(line);
  const continues = line.promptId !== undefined && s.current?.promptId === line.promptId;
  if (kind === "not-a-turn" || continues || line.timestamp === undefined) return;
  s.current = {
    kind,
    promptId: line.promptId,
    uuid: line.uuid,
    startTime: line.timestamp,
    endTime: line.timestamp,
    promptText: line.text,
    origin: transcriptTurnOrigin(line),
    requests: 0,
  };
  s.turns.push(s.current);
}

/** Any timed main-thread line (the prompt that started the turn included) extends the current turn. */
export function extendTurn(s: TurnSegmenter, timestamp: number | undefined): void {
  if (s.current !== undefined && timestamp !== undefined) s.current.endTime = Math.max(s.current.endTime, timestamp);
}

/** The turns that count, numbered in order: prompts, and commands the model answered. */
export function numberTurns(drafts: readonly TurnDraft[]): Map<TurnDraft, number> {
  const index = new Map<TurnDraft, number>();
  for (const t of drafts) if (t.kind === "prompt" || t.requests > 0) index.set(t, index.size);
  return index;
}

export function finishTurns(numbered: ReadonlyMap<TurnDraft, number>): Turn[] {
  const turns: Turn[] = [];
  for (const [t, index] of numbered) {
    turns.push({ index, promptId: t.promptId, uuid: t.uuid, startTime: t.startTime, endTime: t.endTime, promptText: t.promptText, origin: t.origin });
  }
  return turns;
}

/**
 * A request's or tool call's turn index: its own turn on the main thread, else (in a subagent)
 * the turn of the call that started the subagent (`turnOfAgent`, subagents.ts).
 */
export function turnIndexer(
  numbered: ReadonlyMap<TurnDraft, number>,
  turnOfAgent: ReadonlyMap<string, TurnDraft | undefined>,
): (turn: TurnDraft | undefined, agentId: string | undefined) => number | undefined {
  return (turn, agentId) => {
    const owner = turn ?? (agentId !== undefined ? turnOfAgent.get(agentId) : undefined);
    return owner === undefined ? undefined : numbered.get(owner);
  };
}
