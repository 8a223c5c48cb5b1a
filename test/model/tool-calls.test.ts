import { describe, expect, it } from "vitest";
import { addAssistantLine, newRequestLog } from "../../src/model/requests.js";
import type { ToolCallDraft } from "../../src/model/tool-calls.js";
import { addToolResults, addToolUses, finishToolCalls } from "../../src/model/tool-calls.js";
import type { TurnDraft } from "../../src/model/turns.js";
import { assistant, at, toolResults } from "../support/lines.js";

const turn: TurnDraft = { kind: "prompt", promptId: "p1", uuid: "u0", startTime: at(0), endTime: at(9), promptText: "hi", origin: undefined, requests: 1 };

function open(calls: Map<string, ToolCallDraft>, messageId: string, t: number, tools: { id: string; name: string; input?: Record<string, unknown> }[], agentId?: string) {
  const log = newRequestLog();
  const line = assistant(messageId, { timestamp: at(t), tools: tools.map((x) => ({ id: x.id, name: x.name, input: x.input ?? {} })) });
  const request = addAssistantLine(log, line, agentId, agentId === undefined ? turn : undefined, undefined)!;
  addToolUses(calls, request, line, agentId, agentId === undefined ? turn : undefined);
  return request;
}

describe("tool calls: pairing tool_use with tool_result", () => {
  it("a use opens a pending call of its request; the first copy of a repeated block wins", () => {
    const calls = new Map<string, ToolCallDraft>();
    const first = open(calls, "m1", 1, [{ id: "t1", name: "Bash", input: { command: "ls" } }]);
    const repeat = open(calls, "m1-copy", 2, [{ id: "t1", name: "Bash", input: { command: "changed" } }]);
    expect(first.toolCallIds).toEqual(["t1"]);
    expect(repeat.toolCallIds).toEqual([]);
    expect(calls.get("t1")).toEqual({
      id: "t1",
      name: "Bash",
      input: { command: "ls" },
      requestKey: "m1:req_m1",
      agentId: undefined,
      turn,
      startTime: at(1),
      endTime: undefined,
      outcome: "pending",
      errorText: undefined,
      spawnedAgentId: undefined,
    });
  });

  it("results close calls as success or failure, once; results for unknown calls are ignored; an Agent result names its subagent", () => {
    const calls = new Map<string, ToolCallDraft>();
    open(calls, "m1", 1, [
      { id: "ok", name: "Read" },
      { id: "bad", name: "Bash" },
      { id: "agent", name: "Agent", input: { prompt: "look" } },
      { id: "open", name: "Grep" },
    ]);
    addToolResults(calls, toolResults([{ id: "ok" }, { id: "bad", isError: true, errorText: "exit 1" }, { id: "ghost" }], { timestamp: at(3) }));
    addToolResults(calls, toolResults([{ id: "agent" }], { timestamp: at(8), spawnedAgentId: "a-42" }));
    addToolResults(calls, toolResults([{ id: "bad" }], { timestamp: at(9) }));
    expect([...calls.values()].map((c) => [c.id, c.outcome, c.endTime, c.errorText, c.spawnedAgentId])).toEqual([
      ["ok", "success", at(3), undefined, undefined],
      ["bad", "failure", at(3), "exit 1", undefined],
      ["agent", "success", at(8), undefined, "a-42"],
      ["open", "pending", undefined, undefined, undefined],
    ]);
  });

  it("a result line without a time ends the call at its start; a non-Agent result never names a subagent", () => {
    const calls = new Map<string, ToolCallDraft>();
    open(calls, "m1", 4, [{ id: "t1", name: "Bash" }]);
    addToolResults(calls, toolResults([{ id: "t1" }], { spawnedAgentId: "a-1" }));
    expect([calls.get("t1")!.endTime, calls.get("t1")!.spawnedAgentId]).toEqual([at(4), undefined]);
  });

  it("finished calls: ordered by start then id, with their target, turn and the subagent that claimed them", () => {
    const calls = new Map<string, ToolCallDraft>();
    open(calls, "m2", 5, [{ id: "b", name: "Agent", input: { prompt: "p", description: "d" } }]);
    open(calls, "m1", 5, [{ id: "a", name: "Bash", input: { command: "npm test" } }], "agent-9");
    addToolResults(calls, toolResults([{ id: "a", bytes: 1_204, persistedBytes: 48_000 }], { timestamp: at(6) }));
    const cost = { usd: 0.5, callUsd: 0.2, resultUsd: 0.25, carriedUsd: 0.05, subagentUsd: 0, resultTokens: 301 };
    const finished = finishToolCalls(
      calls,
      (t, agentId) => (t === turn ? 0 : agentId === "agent-9" ? 3 : undefined),
      new Map([["b", "agent-9"]]),
      new Map([["a", "c-1"]]),
      new Map([["a", cost]]),
    );
    expect(finished).toEqual([
      {
        id: "a",
        name: "Bash",
        input: { command: "npm test" },
        target: "npm test",
        requestKey: "m1:req_m1",
        agentId: "agent-9",
        turnIndex: 3,
        startTime: at(5),
        endTime: at(6),
        outcome: "success",
        errorText: undefined,
        spawnedAgentId: undefined,
        resultBytes: 1_204,
        persistedBytes: 48_000,
        droppedBy: "c-1",
        cost,
      },
      {
        id: "b",
        name: "Agent",
        input: { prompt: "p", description: "d" },
        target: "d",
        requestKey: "m2:req_m2",
        agentId: undefined,
        turnIndex: 0,
        startTime: at(5),
        endTime: undefined,
        outcome: "pending",
        errorText: undefined,
        spawnedAgentId: "agent-9",
        resultBytes: undefined,
        persistedBytes: undefined,
        droppedBy: undefined,
        cost: { usd: 0, callUsd: 0, resultUsd: 0, carriedUsd: 0, subagentUsd: 0, resultTokens: 0 },
      },
    ]);
  });
});
