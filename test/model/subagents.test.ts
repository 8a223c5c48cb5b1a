import { describe, expect, it } from "vitest";
import type { AgentDraft } from "../../src/model/subagents.js";
import { inlineSidechainRoots, joinSubagents, startedByCall, touchAgent, turnOfAgents } from "../../src/model/subagents.js";
import type { ToolCallDraft } from "../../src/model/tool-calls.js";
import type { TurnDraft } from "../../src/model/turns.js";
import { assistant, at, prompt } from "../support/lines.js";

const turn: TurnDraft = { kind: "prompt", promptId: "p1", uuid: "u0", startTime: at(0), endTime: at(9), promptText: "hi", origin: undefined, requests: 1 };

function call(id: string, name: string, input: Record<string, unknown>, spawnedAgentId?: string): ToolCallDraft {
  return {
    id,
    name,
    input,
    requestKey: `m-${id}`,
    agentId: undefined,
    turn,
    startTime: at(1),
    endTime: at(8),
    outcome: "success",
    errorText: undefined,
    spawnedAgentId,
    resultBytes: 0,
    persistedBytes: undefined,
  };
}

describe("subagents: the join with the calls that started them", () => {
  it("by the meta file's toolUseId, by the id the result named, by the first unclaimed call with the same prompt; else unjoined", () => {
    const agents = new Map<string, AgentDraft>();
    touchAgent(agents, "a-meta", "subagents-dir", { agentType: "Explore", toolUseId: "t-meta", description: "from meta", model: undefined }, at(2));
    touchAgent(agents, "a-named", "sibling-file", undefined, at(3));
    const byPrompt = touchAgent(agents, "a-prompt", "sibling-file", undefined, at(4));
    byPrompt.rootPrompt = "survey the repo";
    const orphan = touchAgent(agents, "a-orphan", "inline", undefined, undefined);
    orphan.rootPrompt = "nobody asked";
    const calls = new Map([
      ["t-meta", call("t-meta", "Agent", { subagent_type: "ignored-when-meta-says" })],
      ["t-named", call("t-named", "Task", { subagent_type: "reviewer", description: "review it" }, "a-named")],
      ["t-prompt-1", call("t-prompt-1", "Agent", { prompt: "survey the repo" })],
      ["t-prompt-2", call("t-prompt-2", "Agent", { prompt: "survey the repo" })],
      ["t-bash", call("t-bash", "Bash", { prompt: "nobody asked" })],
    ]);
    const subagents = joinSubagents(agents, calls);
    expect(subagents).toEqual([
      { agentId: "a-meta", agentType: "Explore", description: "from meta", parentToolUseId: "t-meta", layout: "subagents-dir", startTime: at(2), endTime: at(2) },
      { agentId: "a-named", agentType: "reviewer", description: "review it", parentToolUseId: "t-named", layout: "sibling-file", startTime: at(3), endTime: at(3) },
      { agentId: "a-prompt", agentType: "general-purpose", description: undefined, parentToolUseId: "t-prompt-1", layout: "sibling-file", startTime: at(4), endTime: at(4) },
      { agentId: "a-orphan", agentType: "general-purpose", description: undefined, parentToolUseId: undefined, layout: "inline", startTime: 0, endTime: 0 },
    ]);
    expect([...startedByCall(subagents)]).toEqual([
      ["t-meta", "a-meta"],
      ["t-named", "a-named"],
      ["t-prompt-1", "a-prompt"],
    ]);
    expect([...turnOfAgents(subagents, calls)]).toEqual([
      ["a-meta", turn],
      ["a-named", turn],
      ["a-prompt", turn],
    ]);
  });

  it("touchAgent widens the time span and keeps the first layout and meta", () => {
    const agents = new Map<string, AgentDraft>();
    touchAgent(agents, "a", "inline", undefined, at(5));
    touchAgent(agents, "a", "sibling-file", { agentType: "x", toolUseId: undefined, description: undefined, model: undefined }, at(2));
    touchAgent(agents, "a", "inline", undefined, undefined);
    touchAgent(agents, "a", "inline", undefined, at(7));
    expect(agents.get("a")).toEqual({ agentId: "a", layout: "inline", meta: undefined, rootPrompt: undefined, startTime: at(2), endTime: at(7) });
  });

  it("inline sidechains (before 2.0.x) are grouped by the root of their parentUuid chain; a loop ends the walk", () => {
    const side = (uuid: string, parentUuid: string | undefined) => assistant(`m-${uuid}`, { uuid, parentUuid, isSidechain: true });
    const lines = [
      prompt("main", { uuid: "main-1" }),
      side("aaaaaaaa-1", "main-1"),
      side("a-2", "aaaaaaaa-1"),
      side("a-3", "a-2"),
      side("bbbbbbbb-1", undefined),
      side("b-2", "bbbbbbbb-1"),
      side("loop-1", "loop-2"),
      side("loop-2", "loop-1"),
      assistant("m-x", { uuid: "x", parentUuid: "a-3", isSidechain: true, agentId: "explicit" }),
    ];
    expect([...inlineSidechainRoots(lines)]).toEqual([
      ["aaaaaaaa-1", "sidechain-aaaaaaaa"],
      ["a-2", "sidechain-aaaaaaaa"],
      ["a-3", "sidechain-aaaaaaaa"],
      ["bbbbbbbb-1", "sidechain-bbbbbbbb"],
      ["b-2", "sidechain-bbbbbbbb"],
      ["loop-1", "sidechain-loop-2"],
      ["loop-2", "sidechain-loop-1"],
    ]);
  });
});

/** The walk inlineSidechainRoots makes for each line, one line at a time, as it first was: the reference. */
function rootsOneByOne(parentOf: Map<string, string | undefined>): Map<string, string> {
  const rootOf = new Map<string, string>();
  for (const uuid of parentOf.keys()) {
    let current = uuid;
    const seen = new Set<string>();
    for (;;) {
      const parent = parentOf.get(current);
      if (parent === undefined || !parentOf.has(parent) || seen.has(parent)) break;
      seen.add(current);
      current = parent;
    }
    rootOf.set(uuid, `sidechain-${current.slice(0, 8)}`);
  }
  return rootOf;
}

describe("inline sidechain roots: each chain walked once", () => {
  it("gives every line the root the one-by-one walk gives it, on random forests with cycles, self-loops and parents outside the sidechain", () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const n = 1 + random(40);
      const ids = Array.from({ length: n }, (_, i) => `${String(random(3)).repeat(4)}${String(i).padStart(4, "0")}-line`);
      const parentOf = new Map<string, string | undefined>();
      const lines = ids.map((uuid) => {
        const pick = random(10);
        const parentUuid = pick === 0 ? undefined : pick === 1 ? "outside-the-sidechain" : (ids[random(n)] as string);
        parentOf.set(uuid, parentUuid);
        return assistant(`m-${uuid}`, { uuid, parentUuid, isSidechain: true });
      });
      expect(inlineSidechainRoots(lines)).toEqual(rootsOneByOne(parentOf));
    }
  });

  it("a chain of 5,000 lines: every line has the first line's agent id", () => {
    const lines = Array.from({ length: 5000 }, (_, i) =>
      assistant(`m-${i}`, { uuid: `${String(i).padStart(8, "0")}-x`, parentUuid: i === 0 ? undefined : `${String(i - 1).padStart(8, "0")}-x`, isSidechain: true }),
    );
    const roots = inlineSidechainRoots(lines);
    expect(roots.size).toBe(5000);
    expect(new Set(roots.values())).toEqual(new Set(["sidechain-00000000"]));
  });
});
