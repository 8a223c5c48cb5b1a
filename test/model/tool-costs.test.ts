/**
 * What each tool call cost (src/model/tool-costs.ts): exact figures on the insights corpus
 * recorded with the real Claude Code 2.1.330 (list prices, the scripted token figures, the result
 * sizes in the transcript), hand-built sessions for the edge cases, and the bound on every
 * recorded session: the calls of a session never cost more than its requests.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { buildSession } from "../../src/model/build-session.js";
import type { Pricer } from "../../src/model/pricer.js";
import type { Session, ToolCall } from "../../src/model/types.js";
import type { TranscriptLine } from "../../src/transcript/line-types.js";
import { CC_2_1_330, CC_2_1_332, EXAMPLES, INSIGHTS_2_1_330 as REC } from "../support/recorded-fixtures.js";
import { byId, loadAllSessions } from "../support/sessions.js";
import { apiRequest, assistant, at, compactBoundary, prompt, toolResults } from "../support/lines.js";

const M = 1e6;
/** List prices, USD per million tokens. */
const SONNET_4_5 = { input: 3, output: 15, read: 0.3, write5m: 3.75 };
const HAIKU_4_5 = { input: 1, output: 5, read: 0.1, write5m: 1.25 };
const tool = (name: string, n: number, i = 0): string => `toolu_${name}_insights_v2_1_330_${n}_${i}`;
const tokensOf = (bytes: number): number => Math.ceil(bytes / 4);
/** What a request's new tokens (uncached input + 5-minute writes) cost, per token. */
const newRate = (p: typeof SONNET_4_5, input: number, write5m: number): number => (input * p.input + write5m * p.write5m) / M / (input + write5m);

function call(s: Session, id: string): ToolCall {
  const c = s.toolCalls.find((x) => x.id === id);
  if (c === undefined) throw new Error(`no call ${id}`);
  return c;
}

describe("tool call costs, recorded with Claude Code 2.1.330", () => {
  let sessions: Session[];
  beforeAll(async () => {
    sessions = await loadAllSessions(REC.projects);
  });

  it("reread: each part from list prices, the scripted tokens and the result sizes", () => {
    const s = byId(sessions, REC.sessionId("reread"));
    // README.md (44 bytes) and src/index.ts (68 bytes), called together by the first response
    // (150 output tokens), reach the second request (90 input + 260 written); read from the cache
    // by the third and fourth; the first compaction drops them.
    const readme = call(s, tool("Read", 1, 0));
    expect(readme.cost.resultTokens).toBe(11);
    expect(readme.cost.callUsd).toBeCloseTo((150 * SONNET_4_5.output) / M / 2, 12);
    expect(readme.cost.resultUsd).toBeCloseTo(11 * newRate(SONNET_4_5, 90, 260), 12);
    expect(readme.cost.carriedUsd).toBeCloseTo((2 * 11 * SONNET_4_5.read) / M, 12);
    // seq 1 3000 (13,892 bytes: 3,473 tokens), read from the cache by the fourth request.
    const seq = call(s, tool("Bash", 2));
    expect(seq.cost).toEqual({
      usd: expect.closeTo(seq.cost.callUsd + seq.cost.resultUsd + seq.cost.carriedUsd, 12) as number,
      callUsd: expect.closeTo((80 * SONNET_4_5.output) / M, 12) as number,
      resultUsd: expect.closeTo(3_473 * newRate(SONNET_4_5, 110, 3_640), 12) as number,
      carriedUsd: expect.closeTo((3_473 * SONNET_4_5.read) / M, 12) as number,
      subagentUsd: 0,
      resultTokens: 3_473,
    });
    // data/big.txt (63,398 bytes: 15,850 tokens) reaches the fourth request, the turn's answer;
    // the compaction drops it before any other request.
    const big = call(s, tool("Read", 3));
    expect([big.cost.resultTokens, big.cost.carriedUsd]).toEqual([tokensOf(63_398), 0]);
    expect(big.cost.resultUsd).toBeCloseTo(15_850 * newRate(SONNET_4_5, 130, 16_200), 12);
    expect(big.cost.callUsd).toBeCloseTo((70 * SONNET_4_5.output) / M, 12);
    // Read again after the compaction: written again, then read from the cache twice before the next one.
    const again = call(s, tool("Read", 7));
    expect(again.cost.resultUsd).toBeCloseTo(15_850 * newRate(SONNET_4_5, 90, 16_150), 12);
    expect(again.cost.carriedUsd).toBeCloseTo((15_850 * SONNET_4_5.read) / M, 12);
    expect(again.cost.usd).toBeCloseTo(0.065026621, 9);
  });

  it("big-outputs: a Bash output kept in a file costs its 2 KB preview; the whole file through Read costs 16k tokens (claude-haiku-4-5)", () => {
    const s = byId(sessions, REC.sessionId("big-outputs"));
    const seq = call(s, tool("Bash", 19));
    expect([seq.persistedBytes, seq.resultBytes, seq.cost.resultTokens]).toEqual([228_894, 2_231, tokensOf(2_231)]);
    expect(seq.cost.resultUsd).toBeCloseTo(tokensOf(2_231) * newRate(HAIKU_4_5, 140, 700), 12);
    const read = call(s, tool("Read", 20));
    expect(read.cost.resultUsd).toBeCloseTo(15_850 * newRate(HAIKU_4_5, 150, 16_100), 12);
    expect(read.cost.carriedUsd).toBeCloseTo((15_850 * HAIKU_4_5.read) / M, 12);
    const cat = call(s, tool("Bash", 21));
    expect([cat.persistedBytes, cat.resultBytes, cat.cost.resultTokens, cat.cost.carriedUsd]).toEqual([57_000, 2_206, tokensOf(2_206), 0]);
    // The same 57,000 bytes: through Read 20 times what the preview of cat cost.
    expect(read.cost.usd / cat.cost.usd).toBeGreaterThan(19);
  });

  it("every recorded session: each call's parts add up, and a session's calls cost no more than its requests", async () => {
    for (const rec of [REC, CC_2_1_330, CC_2_1_332, EXAMPLES]) {
      for (const s of await loadAllSessions(rec.projects)) {
        let calls = 0;
        for (const c of s.toolCalls) {
          const p = c.cost;
          for (const part of [p.callUsd, p.resultUsd, p.carriedUsd, p.subagentUsd]) expect(part, c.id).toBeGreaterThanOrEqual(0);
          expect(p.usd).toBeCloseTo(p.callUsd + p.resultUsd + p.carriedUsd + p.subagentUsd, 12);
          calls += p.usd;
        }
        const requests = s.requests.reduce((sum, r) => sum + r.cost.usd, 0);
        expect(calls, s.sessionId).toBeLessThanOrEqual(requests + 1e-12);
      }
    }
  });
});

/** Anthropic's ratios at $1 per million uncached input tokens. */
const ratioPricer: Pricer = (_model, u) => {
  const usd = (u.input + (u.cacheCreation - u.cacheCreation1h) * 1.25 + u.cacheCreation1h * 2 + u.cacheRead * 0.1 + u.output * 5) / M;
  return { usd, known: true, source: "override", linearUsd: usd, computedUsd: usd, computedKnown: true };
};

const u = (input: number, output: number, cacheRead: number, cacheCreation: number) => ({
  input,
  output,
  cacheRead,
  cacheCreation,
  cacheCreation5m: cacheCreation,
  cacheCreation1h: 0,
});

function session(main: TranscriptLine[], agents: { agentId: string; toolUseId: string; lines: TranscriptLine[] }[] = []): Session {
  return buildSession(
    {
      sessionId: "s",
      projectDir: "p",
      main,
      agents: agents.map((a) => ({
        agentId: a.agentId,
        layout: "subagents-dir",
        meta: { agentType: "Explore", toolUseId: a.toolUseId, description: undefined, model: undefined },
        lines: a.lines,
      })),
    },
    ratioPricer,
  );
}

describe("tool call costs: the model's edge cases", () => {
  it("results larger than the next request's new tokens share them; a cold cache carries the prefix at the new-token rate", () => {
    const s = session([
      prompt("go", { promptId: "p", uuid: "u0", timestamp: at(0) }),
      apiRequest("q1", at(1)),
      assistant("m1", {
        requestRef: "q1",
        timestamp: at(2),
        usage: u(100, 40, 0, 1_000),
        tools: [
          { id: "a", name: "Bash", input: {} },
          { id: "b", name: "Bash", input: {} },
        ],
      }),
      toolResults([{ id: "a", bytes: 3_000 }], { timestamp: at(3) }),
      toolResults([{ id: "b", bytes: 1_000 }], { timestamp: at(3) }),
      // New tokens 540, less the 40 of the previous output: 500 for estimates of 750 + 250.
      apiRequest("q2", at(4)),
      assistant("m2", { requestRef: "q2", timestamp: at(5), usage: u(40, 10, 1_100, 500), tools: [{ id: "c", name: "Bash", input: {} }] }),
      toolResults([{ id: "c", bytes: 400 }], { timestamp: at(6) }),
      // The cache went cold: 2,000 tokens uncached, nothing read; the new result (100 tokens) first.
      apiRequest("q3", at(600)),
      assistant("m3", { requestRef: "q3", timestamp: at(601), usage: u(2_000, 20, 0, 0), stopReason: "end_turn" }),
    ]);
    const [a, b, c] = ["a", "b", "c"].map((id) => call(s, id));
    expect([a?.cost.resultTokens, b?.cost.resultTokens, c?.cost.resultTokens]).toEqual([375, 125, 100]);
    const rate2 = (40 + 500 * 1.25) / M / 540;
    expect(a?.cost.resultUsd).toBeCloseTo(375 * rate2, 15);
    expect(b?.cost.resultUsd).toBeCloseTo(125 * rate2, 15);
    // Request 3: 2,000 new tokens at $1/M; c's 100 first, then a and b (500 tokens) at the same rate.
    expect(c?.cost.resultUsd).toBeCloseTo(100 / M, 15);
    expect(a?.cost.carriedUsd).toBeCloseTo(375 / M, 15);
    expect(b?.cost.carriedUsd).toBeCloseTo(125 / M, 15);
    expect([a?.cost.callUsd, b?.cost.callUsd, c?.cost.callUsd]).toEqual([(40 * 5) / M / 2, (40 * 5) / M / 2, (10 * 5) / M]);
  });

  it("a result a compaction summarised before any request carried it costs nothing as a result; one the compaction kept stays carried", () => {
    const s = session([
      prompt("go", { promptId: "p", uuid: "u0", timestamp: at(0) }),
      apiRequest("q1", at(1)),
      assistant("m1", {
        requestRef: "q1",
        timestamp: at(2),
        usage: u(100, 50, 0, 1_000),
        tools: [
          { id: "lost", name: "Read", input: { file_path: "/a" } },
          { id: "kept", name: "Bash", input: {} },
        ],
      }),
      toolResults([{ id: "lost", bytes: 4_000 }], { uuid: "r-lost", timestamp: at(3) }),
      toolResults([{ id: "kept", bytes: 400 }], { uuid: "r-kept", timestamp: at(3) }),
      compactBoundary("auto", { uuid: "c1", timestamp: at(4), keptUuids: ["r-kept"] }),
      apiRequest("q2", at(5)),
      assistant("m2", { requestRef: "q2", timestamp: at(6), usage: u(50, 10, 0, 2_000) }),
      apiRequest("q3", at(7)),
      assistant("m3", { requestRef: "q3", timestamp: at(8), usage: u(10, 10, 2_000, 10), stopReason: "end_turn" }),
    ]);
    expect(call(s, "lost").cost).toEqual({ usd: (50 * 5) / M / 2, callUsd: (50 * 5) / M / 2, resultUsd: 0, carriedUsd: 0, subagentUsd: 0, resultTokens: 0 });
    const kept = call(s, "kept").cost;
    expect(kept.resultTokens).toBe(100);
    expect(kept.resultUsd).toBeCloseTo((100 * (50 + 2_000 * 1.25)) / M / 2_050, 15);
    expect(kept.carriedUsd).toBeCloseTo((100 * 0.1) / M, 15);
    expect([call(s, "lost").droppedBy, call(s, "kept").droppedBy]).toEqual(["c1", undefined]);
  });

  it("a subagent: its calls get their own parts; whatever else its requests cost goes to the call that started it", () => {
    const s = session(
      [
        prompt("go", { promptId: "p", uuid: "u0", timestamp: at(0) }),
        apiRequest("q1", at(1)),
        assistant("m1", { requestRef: "q1", timestamp: at(2), usage: u(100, 30, 0, 1_000), tools: [{ id: "agent", name: "Agent", input: { prompt: "look" } }] }),
        toolResults([{ id: "agent", bytes: 800 }], { timestamp: at(20), spawnedAgentId: "a1" }),
        apiRequest("q2", at(21)),
        assistant("m2", { requestRef: "q2", timestamp: at(22), usage: u(10, 5, 1_100, 230), stopReason: "end_turn" }),
      ],
      [
        {
          agentId: "a1",
          toolUseId: "agent",
          lines: [
            prompt("look", { timestamp: at(3), isSidechain: true, agentId: "a1" }),
            assistant("s1", { timestamp: at(4), usage: u(500, 20, 0, 2_000), tools: [{ id: "ls", name: "Bash", input: {} }], isSidechain: true, agentId: "a1" }),
            toolResults([{ id: "ls", bytes: 1_200 }], { timestamp: at(5), isSidechain: true, agentId: "a1" }),
            assistant("s2", { timestamp: at(6), usage: u(20, 40, 2_000, 300), stopReason: "end_turn", isSidechain: true, agentId: "a1" }),
          ],
        },
      ],
    );
    const s1 = (500 + 2_000 * 1.25 + 20 * 5) / M;
    const s2 = (20 + 300 * 1.25 + 2_000 * 0.1 + 40 * 5) / M;
    const ls = call(s, "ls").cost;
    expect(ls.callUsd).toBeCloseTo((20 * 5) / M, 15);
    expect(ls.resultUsd).toBeCloseTo((300 * (20 + 300 * 1.25)) / M / 320, 15);
    const agent = call(s, "agent").cost;
    expect(agent.callUsd).toBeCloseTo((30 * 5) / M, 15);
    expect(agent.subagentUsd).toBeCloseTo(s1 + s2 - ls.callUsd - ls.resultUsd, 15);
    expect(agent.resultTokens).toBe(200);
    expect(agent.resultUsd).toBeCloseTo((200 * (10 + 230 * 1.25)) / M / 240, 15);
  });
});
