/** buildSession on a small hand-built session that touches every module: the whole Session asserted. */
import { describe, expect, it } from "vitest";
import { buildSession, projectNameOf } from "../../src/model/build-session.js";
import type { Pricer } from "../../src/model/pricer.js";
import type { SessionInput } from "../../src/transcript/session-input.js";
import { apiRequest, assistant, at, compactBoundary, costState, prompt, toolResults, usage } from "../support/lines.js";

/** $0.001 per output token. */
const pricer: Pricer = (_model, u) => ({ usd: u.output * 0.001, known: true, source: "override", linearUsd: u.output * 0.001, computedUsd: u.output * 0.001, computedKnown: true });

const input: SessionInput = {
  sessionId: "s1",
  projectDir: "-home-me-proj",
  main: [
    prompt("fix the bug", { promptId: "p1", uuid: "u1", timestamp: at(0), cwd: "/home/me/proj", version: "2.1.330", gitBranch: "main" }),
    apiRequest("ar1", at(1)),
    assistant("msg_1", {
      requestId: "r1",
      requestRef: "ar1",
      parentUuid: "u1",
      timestamp: at(3),
      usage: usage(10, 1),
      tools: [{ id: "t-agent", name: "Agent", input: { prompt: "look around", subagent_type: "Explore", description: "Survey" } }],
    }),
    assistant("msg_1", { requestId: "r1", timestamp: at(4), usage: usage(10, 50, 1000), stopReason: "tool_use", text: "Let me look." }),
    toolResults([{ id: "t-agent" }], { timestamp: at(20), spawnedAgentId: "a1" }),
    costState(0.3),
    compactBoundary("auto", { uuid: "c1", timestamp: at(30), durationMs: 5000, preTokens: 100_000, postTokens: 8_000 }),
    prompt("This session is being continued…", { promptId: "p-c", timestamp: at(31), isCompactSummary: true }),
    costState(0.45),
    prompt("thanks", { promptId: "p2", uuid: "u9", timestamp: at(40) }),
    assistant("msg_s", { model: "<synthetic>", timestamp: at(41) }),
    assistant("msg_2", { requestId: "r2", parentUuid: "u9", timestamp: at(42), usage: usage(5, 5), stopReason: "end_turn", text: "You're welcome." }),
    { kind: "summary", summary: "Bug fix", leafUuid: undefined },
  ],
  agents: [
    {
      agentId: "a1",
      layout: "subagents-dir",
      meta: { agentType: "Explore", toolUseId: "t-agent", description: "Survey", model: undefined },
      lines: [
        prompt("look around", { timestamp: at(5), isSidechain: true, agentId: "a1" }),
        assistant("msg_a1", {
          requestId: "ra1",
          timestamp: at(8),
          usage: usage(2, 20),
          stopReason: "tool_use",
          tools: [{ id: "t-read", name: "Read", input: { file_path: "/x" } }],
        }),
        toolResults([{ id: "t-read", isError: true, errorText: "ENOENT" }], { timestamp: at(9) }),
        assistant("msg_a2", { requestId: "ra2", timestamp: at(12), usage: usage(3, 4), stopReason: "end_turn" }),
      ],
    },
  ],
};

describe("buildSession", () => {
  it("one pass over the main file and the subagent's: requests, tool calls, turns, the subagent, the compaction and the ledger's cost", () => {
    const cost = (output: number): number => output * 0.001;
    // Sums are compensated (util/usd.ts): the exact 0.079, not the naive 0.07900000000000001.
    const computedUsd = 0.079;
    const request = (
      key: string,
      agentId: string | undefined,
      turnIndex: number,
      start: number,
      end: number,
      u: ReturnType<typeof usage>,
      stop: string,
      calls: string[],
      text: string[],
    ) => ({
      key,
      messageId: key.split(":")[0],
      requestId: key.split(":")[1],
      model: "claude-sonnet-4-5",
      usage: u,
      stopReason: stop,
      startTime: at(start),
      endTime: at(end),
      agentId,
      turnIndex,
      toolCallIds: calls,
      textParts: text,
      cost: { usd: cost(u.output), known: true, source: "override", pricedUsd: cost(u.output), pricedSource: "override", computedUsd: cost(u.output) },
    });
    expect(buildSession(input, pricer)).toEqual({
      sessionId: "s1",
      project: "proj",
      projectDir: "-home-me-proj",
      cwd: "/home/me/proj",
      version: "2.1.330",
      gitBranch: "main",
      title: "Bug fix",
      startTime: at(0),
      endTime: at(42),
      turns: [
        { index: 0, promptId: "p1", uuid: "u1", startTime: at(0), endTime: at(31), promptText: "fix the bug" },
        { index: 1, promptId: "p2", uuid: "u9", startTime: at(40), endTime: at(42), promptText: "thanks" },
      ],
      requests: [
        request("msg_1:r1", undefined, 0, 1, 4, usage(10, 50, 1000), "tool_use", ["t-agent"], ["Let me look."]),
        request("msg_a1:ra1", "a1", 0, 8, 8, usage(2, 20), "tool_use", ["t-read"], []),
        request("msg_a2:ra2", "a1", 0, 12, 12, usage(3, 4), "end_turn", [], []),
        request("msg_2:r2", undefined, 1, 40, 42, usage(5, 5), "end_turn", [], ["You're welcome."]),
      ],
      toolCalls: [
        {
          id: "t-agent",
          name: "Agent",
          input: { prompt: "look around", subagent_type: "Explore", description: "Survey" },
          target: "Survey",
          requestKey: "msg_1:r1",
          agentId: undefined,
          turnIndex: 0,
          startTime: at(3),
          endTime: at(20),
          outcome: "success",
          errorText: undefined,
          spawnedAgentId: "a1",
          resultBytes: 0,
          persistedBytes: undefined,
          droppedBy: "c1",
          // Its request's output share (by Anthropic's price ratios: output 5x, cache reads 0.1x the
          // input rate), and what the subagent's requests cost beyond its own call's output.
          cost: {
            usd: expect.closeTo(cost(50) * (250 / 360) + cost(20) * (2 / 102) + cost(4), 15) as number,
            callUsd: cost(50) * (250 / 360),
            resultUsd: 0,
            carriedUsd: 0,
            subagentUsd: expect.closeTo(cost(20) * (2 / 102) + cost(4), 15) as number,
            resultTokens: 0,
          },
        },
        {
          id: "t-read",
          name: "Read",
          input: { file_path: "/x" },
          target: "/x",
          requestKey: "msg_a1:ra1",
          agentId: "a1",
          turnIndex: 0,
          startTime: at(8),
          endTime: at(9),
          outcome: "failure",
          errorText: "ENOENT",
          spawnedAgentId: undefined,
          resultBytes: 0,
          persistedBytes: undefined,
          droppedBy: undefined,
          cost: { usd: cost(20) * (100 / 102), callUsd: cost(20) * (100 / 102), resultUsd: 0, carriedUsd: 0, subagentUsd: 0, resultTokens: 0 },
        },
      ],
      subagents: [{ agentId: "a1", agentType: "Explore", description: "Survey", parentToolUseId: "t-agent", layout: "subagents-dir", startTime: at(5), endTime: at(12) }],
      compactions: [
        {
          uuid: "c1",
          startTime: at(25),
          endTime: at(30),
          trigger: "auto",
          preTokens: 100_000,
          postTokens: 8_000,
          droppedTokens: 92_000,
          turnIndex: 0,
          unattributedCostUsd: 0.45 - 0.3,
          costSource: "ledger",
          // The first main-thread request after it (msg_2) writes no cache.
          cacheRebuild: { requestKey: "msg_2:r2", usd: 0 },
          loss: {
            toolOutputs: 1,
            toolOutputBytes: 0,
            toolOutputIds: ["t-agent"],
            files: [],
            keptLines: 0,
            reReadCallIds: [],
            restoredReReadCallIds: [],
            duplicateOf: undefined,
            summaryBytes: Buffer.byteLength("This session is being continued…"),
          },
        },
      ],
      hookErrors: [],
      // The ledger lines name no model: the requests they cover keep their price, and what the
      // first line charged beyond them is its own; the second line's growth is the compaction's.
      ledger: [
        {
          index: 0,
          atMs: at(20),
          version: "2.1.330",
          totalUsd: 0.3,
          byModel: {},
          unattributedUsd: { "claude-sonnet-4-5": 0.3 - (cost(50) + cost(20) + cost(4)) },
          requestKeys: ["msg_1:r1", "msg_a1:ra1", "msg_a2:ra2"],
          compactionUuids: [],
          hasUnknownModelCost: false,
        },
        { index: 1, atMs: at(31), version: "2.1.330", totalUsd: 0.45, byModel: {}, unattributedUsd: {}, requestKeys: [], compactionUuids: ["c1"], hasUnknownModelCost: false },
      ],
      cost: {
        // The ledger's total, and the request after its last line.
        totalUsd: computedUsd + (0.3 - (cost(50) + cost(20) + cost(4))) + (0.45 - 0.3),
        computedUsd,
        ledgerUsd: 0.45,
        unattributedUsd: 0.3 - (cost(50) + cost(20) + cost(4)) + (0.45 - 0.3),
        source: "ledger",
        mode: "auto",
        complete: true,
        unknownModels: [],
        byModel: {
          "claude-sonnet-4-5": {
            usd: computedUsd,
            requests: 4,
            tokens: { input: 20, output: 79, cacheRead: 1000, cacheCreation: 0, cacheCreation5m: 0, cacheCreation1h: 0 },
            known: true,
            source: "override",
          },
        },
      },
      warnings: [],
    });
  });

  it("no timed line: the session spans 0..0; the project falls back to the projects folder's name", () => {
    const s = buildSession({ sessionId: "s2", projectDir: "-tmp-x", main: [costState(0.1)], agents: [] }, pricer);
    expect([s.startTime, s.endTime, s.project, s.cost.totalUsd, s.cost.source]).toEqual([0, 0, "-tmp-x", 0.1, "ledger"]);
    expect([projectNameOf("C:\\work\\repo\\", "d"), projectNameOf("/", "d"), projectNameOf(undefined, "d")]).toEqual(["repo", "d", "d"]);
  });

  it("inline sidechain lines (before 2.0.x) become a subagent joined by its prompt, outside the main thread's turns", () => {
    const s = buildSession(
      {
        sessionId: "s3",
        projectDir: "p",
        main: [
          prompt("go", { promptId: "p1", uuid: "m1", timestamp: at(0) }),
          assistant("m-task", { timestamp: at(1), usage: usage(1, 1), tools: [{ id: "t-task", name: "Task", input: { prompt: "dig", description: "Dig" } }] }),
          prompt("dig", { uuid: "abcdef12-root", parentUuid: undefined, timestamp: at(2), isSidechain: true }),
          assistant("m-side", { uuid: "side-2", parentUuid: "abcdef12-root", timestamp: at(3), usage: usage(1, 2), isSidechain: true }),
          toolResults([{ id: "t-task" }], { timestamp: at(4) }),
        ],
        agents: [],
      },
      pricer,
    );
    expect(s.subagents).toEqual([
      { agentId: "sidechain-abcdef12", agentType: "general-purpose", description: "Dig", parentToolUseId: "t-task", layout: "inline", startTime: at(2), endTime: at(3) },
    ]);
    expect(s.requests.map((r) => [r.key, r.agentId, r.turnIndex])).toEqual([
      ["m-task:req_m-task", undefined, 0],
      ["m-side:req_m-side", "sidechain-abcdef12", 0],
    ]);
    expect(s.toolCalls.map((c) => [c.id, c.spawnedAgentId])).toEqual([["t-task", "sidechain-abcdef12"]]);
    expect(s.turns).toEqual([{ index: 0, promptId: "p1", uuid: "m1", startTime: at(0), endTime: at(4), promptText: "go", origin: undefined }]);
  });
});
