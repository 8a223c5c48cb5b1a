/**
 * Tool calls: a `tool_use` block of an assistant line opens one (the first copy of a repeated
 * block wins), the `tool_result` with its id closes it as a success or failure; a call with no
 * result stays pending. An Agent/Task result may name the subagent it started.
 */
import type { AssistantLine, ToolResultLine } from "../transcript/line-types.js";
import type { RequestDraft } from "./requests.js";
import { toolTarget } from "./tool-target.js";
import type { TurnDraft } from "./turns.js";
import type { ToolCall, ToolCallCost, ToolOutcome } from "./types.js";
import { AGENT_TOOL_NAMES } from "./types.js";

export interface ToolCallDraft {
  id: string;
  name: string;
  input: Readonly<Record<string, unknown>>;
  requestKey: string;
  agentId: string | undefined;
  turn: TurnDraft | undefined;
  startTime: number;
  endTime: number | undefined;
  outcome: ToolOutcome;
  errorText: string | undefined;
  spawnedAgentId: string | undefined;
  resultBytes: number | undefined;
  persistedBytes: number | undefined;
}

const NO_COST: ToolCallCost = { usd: 0, callUsd: 0, resultUsd: 0, carriedUsd: 0, subagentUsd: 0, resultTokens: 0 };

/** Opens the calls of an assistant line's `tool_use` blocks, as calls of `request`. */
export function addToolUses(calls: Map<string, ToolCallDraft>, request: RequestDraft, line: AssistantLine, agentId: string | undefined, turn: TurnDraft | undefined): void {
  const t = line.timestamp ?? 0;
  for (const use of line.toolUses) {
    if (calls.has(use.id)) continue;
    request.toolCallIds.push(use.id);
    calls.set(use.id, {
      id: use.id,
      name: use.name,
      input: use.input,
      requestKey: request.key,
      agentId,
      turn,
      startTime: t,
      endTime: undefined,
      outcome: "pending",
      errorText: undefined,
      spawnedAgentId: undefined,
      resultBytes: undefined,
      persistedBytes: undefined,
    });
  }
}

/** Closes the calls a user line carries results for; a result for an unknown or closed call is ignored. */
export function addToolResults(calls: Map<string, ToolCallDraft>, line: ToolResultLine): void {
  for (const result of line.results) {
    const call = calls.get(result.toolUseId);
    if (call === undefined || call.outcome !== "pending") continue;
    call.endTime = line.timestamp ?? call.startTime;
    call.outcome = result.isError ? "failure" : "success";
    call.errorText = result.errorText;
    call.resultBytes = result.bytes;
    call.persistedBytes = result.persistedBytes;
    if (line.spawnedAgentId !== undefined && AGENT_TOOL_NAMES.has(call.name)) call.spawnedAgentId = line.spawnedAgentId;
  }
}

/**
 * The session's calls, ordered by start time. `startedBy`: Agent call id → the subagent that
 * claimed it (subagents.ts), for calls whose result did not name one; `droppedBy`: call id → the
 * compaction that took its result out of the context (context.ts); `costs`: tool-costs.ts.
 */
export function finishToolCalls(
  calls: ReadonlyMap<string, ToolCallDraft>,
  turnIndexOf: (turn: TurnDraft | undefined, agentId: string | undefined) => number | undefined,
  startedBy: ReadonlyMap<string, string>,
  droppedBy: ReadonlyMap<string, string>,
  costs: ReadonlyMap<string, ToolCallCost>,
): ToolCall[] {
  const finished: ToolCall[] = [];
  for (const c of calls.values()) {
    finished.push({
      id: c.id,
      name: c.name,
      input: c.input,
      target: toolTarget(c.input),
      requestKey: c.requestKey,
      agentId: c.agentId,
      turnIndex: turnIndexOf(c.turn, c.agentId),
      startTime: c.startTime,
      endTime: c.endTime,
      outcome: c.outcome,
      errorText: c.errorText,
      spawnedAgentId: c.spawnedAgentId ?? startedBy.get(c.id),
      resultBytes: c.resultBytes,
      persistedBytes: c.persistedBytes,
      droppedBy: droppedBy.get(c.id),
      cost: costs.get(c.id) ?? NO_COST,
    });
  }
  finished.sort((a, b) => a.startTime - b.startTime || a.id.localeCompare(b.id));
  return finished;
}
