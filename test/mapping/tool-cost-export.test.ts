/**
 * What each tool call cost, exported: `claude_code.tool.cost_usd` on the execute_tool span and the
 * `claude_code.tool.cost` counter by tool, both once the session is over (a call's result costs in
 * every later request that carries it). On the insights corpus recorded with the real Claude Code 2.1.330.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { sessionToMetricPoints } from "../../src/mapping/map-metrics.js";
import { sessionToSpans } from "../../src/mapping/map-spans.js";
import { NOTHING_EXPORTED, planExport } from "../../src/mapping/plan-export.js";
import type { Session } from "../../src/model/types.js";
import { roundUsd } from "../../src/util/usd.js";
import { INSIGHTS_2_1_330 as REC } from "../support/recorded-fixtures.js";
import { byId, loadAllSessions } from "../support/sessions.js";

const M = 1e6;
const tool = (name: string, n: number): string => `toolu_${name}_insights_v2_1_330_${n}_0`;
/** claude-haiku-4-5: a request's new tokens (uncached input at $1, 5-minute writes at $1.25 per million), per token. */
const newRate = (input: number, write5m: number): number => (input * 1 + write5m * 1.25) / M / (input + write5m);

describe("cost per tool call in spans and metrics", () => {
  let sessions: Session[];
  let big: Session;
  beforeAll(async () => {
    sessions = await loadAllSessions(REC.projects);
    big = byId(sessions, REC.sessionId("big-outputs"));
  });

  const toolCosts = (s: Session, final: boolean) =>
    sessionToSpans(s, { final, destinations: false })
      .filter((x) => x.name.startsWith("execute_tool "))
      .map((x) => [x.attributes["gen_ai.tool.call.id"], x.attributes["claude_code.tool.cost_usd"]]);

  it("the execute_tool span carries the call's attributed cost once the session is over, none before", () => {
    // big-outputs (test/cli/tool-costs-report.test.ts derives each part): the preview of seq 1 40000,
    // data/big.txt whole, the preview of cat data/big.txt.
    expect(toolCosts(big, true)).toEqual([
      [tool("Bash", 19), expect.closeTo((130 * 5) / M + 558 * newRate(140, 700) + (2 * 558 * 0.1) / M, 12)],
      [tool("Read", 20), expect.closeTo((80 * 5) / M + 15_850 * newRate(150, 16_100) + (15_850 * 0.1) / M, 12)],
      [tool("Bash", 21), expect.closeTo((90 * 5) / M + 552 * newRate(160, 700), 12)],
    ]);
    expect(toolCosts(big, false)).toEqual([
      [tool("Bash", 19), undefined],
      [tool("Read", 20), undefined],
      [tool("Bash", 21), undefined],
    ]);
  });

  it("claude_code.tool.cost: one point per tool at the session's end, its calls' sum, never more than the session's cost", () => {
    const costPoints = (s: Session, final: boolean) =>
      sessionToMetricPoints(s, { final })
        .filter((p) => p.metric === "toolCost")
        .map((p) => [p.value, p.unitKey, p.attributes]);
    const [seq, read, cat] = big.toolCalls.map((c) => c.cost.usd) as [number, number, number];
    expect(costPoints(big, true)).toEqual([
      [roundUsd(seq + cat), "session", { project: "shop-api", tool_name: "Bash" }],
      [roundUsd(read), "session", { project: "shop-api", tool_name: "Read" }],
    ]);
    expect(costPoints(big, false)).toEqual([]);
    for (const s of sessions) {
      const sum = costPoints(s, true).reduce((total, [value]) => total + (value as number), 0);
      expect(sum, s.sessionId).toBeLessThanOrEqual(s.cost.totalUsd);
      expect(sum, s.sessionId).toBeCloseTo(
        s.toolCalls.reduce((total, c) => total + c.cost.usd, 0),
        12,
      );
    }
  });

  it("live, the tool cost goes out once, at the end, with the session's own unit", () => {
    const live = planExport(big, NOTHING_EXPORTED, { final: false, destinations: false });
    expect(live.points.filter((p) => p.metric === "toolCost")).toEqual([]);
    expect(live.spans.filter((x) => x.name.startsWith("execute_tool ")).map((x) => x.attributes["claude_code.tool.cost_usd"])).toEqual([undefined, undefined, undefined]);
    const exported = { spanUnits: new Set(live.spanKeys), metricUnits: new Set(live.metricKeys) };
    const end = planExport(big, exported, { final: true, destinations: false });
    expect(end.points.filter((p) => p.metric === "toolCost").map((p) => p.attributes["tool_name"])).toEqual(["Bash", "Read"]);
    // The tool spans left with their results: not again.
    expect(end.spans.filter((x) => x.name.startsWith("execute_tool "))).toEqual([]);
    const after = { spanUnits: new Set([...exported.spanUnits, ...end.spanKeys]), metricUnits: new Set([...exported.metricUnits, ...end.metricKeys]) };
    expect(planExport(big, after, { final: true, destinations: false }).points).toEqual([]);
  });
});
