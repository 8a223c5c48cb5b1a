// Where spans go in LangSmith (src/mapping/destinations/langsmith-traces.ts), on a hand-built
// tree with small bounds, so every placement is written out; the generated long session with the
// real bounds is test/e2e/langsmith-long-session.test.ts.
import { describe, expect, it } from "vitest";
import { langsmithLayout, toLangsmithShape } from "../../../src/mapping/destinations/langsmith-traces.js";
import { langsmithTraceIdFor, spanIdFor } from "../../../src/mapping/ids.js";
import type { Attributes, SpanData } from "../../../src/mapping/span-data.js";
import { makeSpan } from "../../../src/mapping/span-data.js";

const SID = "s-1";
const TRACE = "0af7651916cd43dd8448eb211c80319c";
let clock = 0;

function span(id: string, parent: string | undefined, name: string, attributes: Attributes, unitKey = `unit:${id}`): SpanData {
  clock += 10;
  return makeSpan(
    { traceId: TRACE, spanId: id.padStart(16, "0"), parentSpanId: parent?.padStart(16, "0") },
    { name, kind: "INTERNAL", startTimeMs: clock, endTimeMs: clock + 5, attributes, status: { code: "UNSET" }, unitKey },
  );
}
const turn = (id: string, index: number): SpanData =>
  span(id, "1", "invoke_agent claude-code", {
    "gen_ai.operation.name": "invoke_agent",
    "gen_ai.agent.name": "claude-code",
    "claude_code.turn.index": index,
    "claude_code.prompt.id": `p${index}`,
  });
const chat = (id: string, parent: string): SpanData => span(id, parent, "chat m", { "gen_ai.operation.name": "chat" });
const tool = (id: string, parent: string, name = "Bash"): SpanData =>
  span(id, parent, `execute_tool ${name}`, { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name });
const subagent = (id: string, parent: string): SpanData =>
  span(id, parent, "invoke_agent Explore", { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "Explore", "claude_code.agent.id": `agent-${id}` });
const id = (short: string): string => short.padStart(16, "0");
const trace = (owner: string, part: number): string => langsmithTraceIdFor(SID, `${id(owner)}/${part}`);

/**
 *   1 session ── c1 compaction, g2 subagent (no Agent call: 2 children)
 *   ├─ 2 turn 0 ── 10 chat, 11 tool, 12 Agent ─┬─ 20 subagent ── 21..25 (5 calls)
 *   │             13 chat, 14 tool, 15 tool,   └─ 30 subagent (a second one under one call) ── 31
 *   │             16 chat
 *   └─ 3 turn 1 ── 40 chat
 */
function tree(): SpanData[] {
  clock = 0;
  return [
    span("1", undefined, "claude_code.session", { "session.id": SID }, "session"),
    turn("2", 0),
    chat("10", "2"),
    tool("11", "2"),
    tool("12", "2", "Agent"),
    subagent("20", "12"),
    ...["21", "22", "23", "24", "25"].map((x) => tool(x, "20")),
    chat("13", "2"),
    tool("14", "2"),
    tool("15", "2"),
    chat("16", "2"),
    subagent("30", "12"),
    tool("31", "30"),
    turn("3", 1),
    chat("40", "3"),
    span("c1", "1", "claude_code.compaction", { "claude_code.compaction.trigger": "auto" }),
    subagent("50", "1"),
    tool("51", "50"),
    tool("52", "50"),
  ];
}

describe("LangSmith's traces of a session", () => {
  it("a trace per turn, rooted at its turn; continuation traces past the bound, under roots of their own; every span placed", () => {
    const spans = tree();
    // runsPerTrace 10, subagentRuns 3: a call weighs 1, an Agent call 1 + 1 + 3, a subagent without one 1 + 3.
    const { places, parts } = langsmithLayout(SID, spans, { runsPerTrace: 10, subagentRuns: 3 });
    const at = (short: string): [string, string] => {
      const p = places.get(id(short));
      return [p?.traceId ?? "?", p?.parentSpanId ?? "?"];
    };
    const turn0Part2 = spanIdFor(SID, "langsmith", `${id("2")}/1`);
    const sub20Part2 = spanIdFor(SID, "langsmith", `${id("20")}/1`);
    expect(Object.fromEntries([...places.keys()].map((k) => [k.replace(/^0+/, ""), at(k)]))).toEqual({
      // The session's own trace (the OTel trace): the session, and what happened outside turns.
      "1": [TRACE, ""],
      c1: [TRACE, id("1")],
      "50": [TRACE, id("1")],
      "51": [TRACE, id("50")],
      "52": [TRACE, id("50")],
      // Turn 0: 10 + 11 + the Agent call (5) + 13 + 14 + 15 fill 10; 16 starts part 2.
      "2": [trace("2", 0), ""],
      "10": [trace("2", 0), id("2")],
      "11": [trace("2", 0), id("2")],
      "12": [trace("2", 0), id("2")],
      "13": [trace("2", 0), id("2")],
      "14": [trace("2", 0), id("2")],
      "15": [trace("2", 0), id("2")],
      "16": [trace("2", 1), turn0Part2],
      [turn0Part2.replace(/^0+/, "")]: [trace("2", 1), ""],
      // The Agent call's subagent stays under it with 3 of its calls; the other 2 go to its part 2.
      "20": [trace("2", 0), id("12")],
      "21": [trace("2", 0), id("20")],
      "22": [trace("2", 0), id("20")],
      "23": [trace("2", 0), id("20")],
      "24": [trace("20", 1), sub20Part2],
      "25": [trace("20", 1), sub20Part2],
      [sub20Part2.replace(/^0+/, "")]: [trace("20", 1), ""],
      // A second subagent under the same call had no room reserved: a trace of its own.
      "30": [trace("30", 0), ""],
      "31": [trace("30", 0), id("30")],
      "3": [trace("3", 0), ""],
      "40": [trace("3", 0), id("3")],
    });
    expect(parts.map((p) => [p.name, p.parentSpanId, p.traceId, p.attributes, p.unitKey, p.startTimeMs])).toEqual([
      [
        "invoke_agent Explore (part 2)",
        id("20"),
        TRACE,
        {
          "session.id": SID,
          "claude_code.langsmith.part": 2,
          "claude_code.langsmith.only": true,
          "gen_ai.operation.name": "invoke_agent",
          "gen_ai.agent.name": "Explore",
          "claude_code.agent.id": "agent-20",
        },
        "langsmith:unit:20/1",
        spans.find((s) => s.spanId === id("24"))?.startTimeMs,
      ],
      [
        "invoke_agent claude-code (part 2)",
        id("2"),
        TRACE,
        {
          "session.id": SID,
          "claude_code.langsmith.part": 2,
          "claude_code.langsmith.only": true,
          "gen_ai.operation.name": "invoke_agent",
          "gen_ai.agent.name": "claude-code",
          "claude_code.turn.index": 0,
          "claude_code.prompt.id": "p0",
        },
        "langsmith:unit:2/1",
        spans.find((s) => s.spanId === id("16"))?.startTimeMs,
      ],
    ]);
  });

  it("a span's place does not move as its owner gains children, whatever order they are mapped in", () => {
    const all = tree();
    const bounds = { runsPerTrace: 10, subagentRuns: 3 };
    const final = langsmithLayout(SID, all, bounds).places;
    // Earlier states of the session: every prefix of the turn's children (by start), the rest not yet there.
    const byStart = [...all].sort((a, b) => a.startTimeMs - b.startTimeMs);
    for (let cut = 2; cut < byStart.length; cut++) {
      const present = byStart.slice(0, cut).reverse();
      const earlier = langsmithLayout(SID, present, bounds).places;
      for (const s of present) expect(earlier.get(s.spanId), `${s.spanId} at cut ${cut}`).toEqual(final.get(s.spanId));
    }
  });

  it("toLangsmithShape moves each span where its attributes say and strips what LangSmith must not get", () => {
    const [session, child, moved, root] = [
      span("1", undefined, "claude_code.session", { "gen_ai.usage.input_tokens": 9, "session.id": SID, "langfuse.session.id": SID }),
      span("2", "1", "chat m", { "gen_ai.usage.input_tokens": 3, "langsmith.span.kind": "llm" }),
      span("3", "1", "execute_tool Bash", { "claude_code.langsmith.trace_id": "f".repeat(32), "claude_code.langsmith.parent_span_id": id("9") }),
      span("4", "1", "invoke_agent claude-code", { "claude_code.langsmith.trace_id": "e".repeat(32), "claude_code.langsmith.parent_span_id": "" }),
    ];
    const out = toLangsmithShape([session as SpanData, child as SpanData, moved as SpanData, root as SpanData]);
    expect(out.map((s) => [s.traceId, s.parentSpanId, s.attributes])).toEqual([
      [TRACE, undefined, { "session.id": SID }],
      [TRACE, id("1"), { "gen_ai.usage.input_tokens": 3, "langsmith.span.kind": "llm" }],
      ["f".repeat(32), id("9"), {}],
      ["e".repeat(32), undefined, {}],
    ]);
  });
});
