// Reads ../shared/fixtures (2.1.330 sessions and the public corpus); skips with a message when absent.
import { AggregationTemporality, DataPointType, InMemoryMetricExporter } from "@opentelemetry/sdk-metrics";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import type { Session } from "../../src/model/types.js";
import { sessionToMetricPoints } from "../../src/mapping/map-metrics.js";
import { toResourceMetrics } from "../../src/sdk/metric-batch.js";
import { buildResource } from "../../src/sdk/resource.js";
import { byId, loadAllSessions } from "../support/sessions.js";
import { FIXTURES_2_1_330, PUBLIC_FIXTURES, requireSharedFixtures } from "../support/shared-fixtures.js";
import { reportTotals } from "../support/exported-spans.js";
import { addSums, emptySums } from "../support/metric-sums.js";

const haveFixtures = requireSharedFixtures();

async function exportThroughSdk(sessions: readonly Session[]): Promise<ResourceMetrics[]> {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  const resource = buildResource({});
  let t = 1_700_000_000_000;
  for (const s of sessions) {
    const batch = toResourceMetrics(sessionToMetricPoints(s, { final: true }), resource, t, t + 1);
    t += 1;
    await new Promise<void>((resolve) => exporter.export(batch, () => resolve()));
  }
  return exporter.getMetrics();
}

describe.skipIf(!haveFixtures)("metric points equal report totals", () => {
  it.each([
    ["Claude Code 2.1.330 fixtures", () => FIXTURES_2_1_330 as string],
    ["public fixtures", () => PUBLIC_FIXTURES as string],
  ])("%s: cost, tokens by type, turns, tool calls and failures, compactions, sessions", async (_label, dir) => {
    const sessions = await loadAllSessions(dir());
    const totals = reportTotals(sessions);
    const sums = emptySums();
    for (const rm of await exportThroughSdk(sessions)) addSums(sums, rm);
    expect(sums.sessions).toBe(totals.sessions);
    expect(Math.abs(sums.costUsd - totals.costUsd)).toBeLessThan(1e-9);
    expect(sums.tokens).toEqual(totals.tokens);
    expect(sums.turns).toBe(totals.turns);
    expect(sums.toolCalls).toBe(totals.toolCalls);
    expect(sums.toolFailures).toBe(totals.toolFailures);
    expect(sums.compactions).toBe(totals.compactions);
    expect(sums.sessionCostCount).toBe(totals.sessions);
    expect(Math.abs(sums.sessionCostSum - totals.costUsd)).toBeLessThan(1e-9);
    expect(sums.toolDurationCount).toBe(totals.toolCalls);
  });

  it("d850fcac: the compaction's ledger-only cost is its own unit; the rest of the ledger goes to the session unit", async () => {
    const s = byId(await loadAllSessions(FIXTURES_2_1_330 as string), "d850fcac");
    const points = sessionToMetricPoints(s, { final: true });
    const cost = points.filter((p) => p.metric === "costUsage");
    const compaction = cost.filter((p) => p.unitKey === "compaction:2318e221-602c-4f18-b7f7-4819d9f8d955");
    expect(compaction).toHaveLength(1);
    expect(compaction[0]?.value).toBeCloseTo(0.07863615, 9);
    expect(compaction[0]?.attributes).toEqual({ project: "demo-app", model: "claude-sonnet-4-5" });
    expect(cost.reduce((a, p) => a + p.value, 0)).toBeCloseTo(0.66042855, 9);
    expect(points.filter((p) => p.metric === "compactionCount")).toEqual([
      { metric: "compactionCount", value: 1, unitKey: "compaction:2318e221-602c-4f18-b7f7-4819d9f8d955", attributes: { project: "demo-app", trigger: "manual" } },
    ]);
  });

  it("0704d901: exact points: attributes, units, DELTA sums and explicit histogram buckets", async () => {
    const s = byId(await loadAllSessions(FIXTURES_2_1_330 as string), "0704d901");
    const points = sessionToMetricPoints(s, { final: true, includeSessionId: true });
    const tools = points.filter((p) => p.metric === "toolCalls" || p.metric === "toolDuration");
    const common = { project: "demo-app", "session.id": s.sessionId };
    expect(tools).toEqual([
      { metric: "toolCalls", value: 1, unitKey: "tool:toolu_Bash_1mwtmiess", attributes: { ...common, tool_name: "Bash", outcome: "success" } },
      { metric: "toolDuration", value: 0.162, unitKey: "tool:toolu_Bash_1mwtmiess", attributes: { ...common, tool_name: "Bash", outcome: "success" } },
      { metric: "toolCalls", value: 1, unitKey: "tool:toolu_Bash_2mwtmiess", attributes: { ...common, tool_name: "Bash", outcome: "failure" } },
      { metric: "toolDuration", value: 0.197, unitKey: "tool:toolu_Bash_2mwtmiess", attributes: { ...common, tool_name: "Bash", outcome: "failure" } },
    ]);
    expect(points.filter((p) => p.metric === "tokenUsage" && p.unitKey === "request:msg_mwtmiess_3:req_3_mwtmiess").map((p) => [p.attributes["type"], p.value])).toEqual([
      ["input", 443],
      ["output", 311],
      ["cacheRead", 7793],
      ["cacheCreation", 3211],
    ]);
    const rm = toResourceMetrics(points, buildResource({}), 1000, 2000);
    const metrics = rm.scopeMetrics[0]?.metrics ?? [];
    expect(metrics.every((m) => m.aggregationTemporality === AggregationTemporality.DELTA)).toBe(true);
    const cost = metrics.find((m) => m.descriptor.name === "claude_code.session.cost");
    expect(cost?.descriptor.unit).toBe("USD");
    expect(cost?.dataPointType).toBe(DataPointType.HISTOGRAM);
    const value = cost?.dataPoints[0]?.value as { buckets: { boundaries: number[]; counts: number[] }; count: number };
    expect(value.buckets.boundaries).toEqual([0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100]);
    expect(value.buckets.counts).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const calls = metrics.find((m) => m.descriptor.name === "claude_code.tool.calls");
    expect(calls?.dataPoints.map((d) => [d.attributes["outcome"], d.value, d.startTime, d.endTime])).toEqual([
      ["success", 1, [1, 0], [2, 0]],
      ["failure", 1, [1, 0], [2, 0]],
    ]);
    expect(rm.resource.attributes).toEqual({ "service.name": "claude-code-otel", "service.version": expect.any(String), "claude_code.telemetry.source": "claude-code-otel" });
  });
});

describe("aggregation by attribute set", () => {
  it("points with equal attributes make one data point, shared object or not, in any key order", () => {
    const shared = { project: "p", tool_name: "Bash", outcome: "success" };
    const points = [
      { metric: "toolCalls" as const, value: 1, unitKey: "tool:a", attributes: shared },
      { metric: "toolCalls" as const, value: 1, unitKey: "tool:b", attributes: shared },
      { metric: "toolCalls" as const, value: 1, unitKey: "tool:c", attributes: { outcome: "success", tool_name: "Bash", project: "p" } },
      { metric: "toolCalls" as const, value: 1, unitKey: "tool:d", attributes: { project: "p", tool_name: "Bash", outcome: "failure" } },
    ];
    const rm = toResourceMetrics(points, buildResource({}), 1000, 2000);
    const calls = rm.scopeMetrics[0]?.metrics.find((m) => m.descriptor.name === "claude_code.tool.calls");
    expect(calls?.dataPoints.map((d) => [d.attributes, d.value])).toEqual([
      [{ project: "p", tool_name: "Bash", outcome: "success" }, 3],
      [{ project: "p", tool_name: "Bash", outcome: "failure" }, 1],
    ]);
  });

  it.skipIf(!haveFixtures)("a session's points share one attribute object per attribute set", async () => {
    const s = byId(await loadAllSessions(FIXTURES_2_1_330 as string), "d850fcac");
    const points = sessionToMetricPoints(s, { final: true });
    const objects = new Set(points.map((p) => p.attributes));
    const sets = new Set(points.map((p) => JSON.stringify(Object.entries(p.attributes).sort())));
    expect(objects.size).toBe(sets.size);
    expect(points.every((p) => Object.isFrozen(p.attributes))).toBe(true);
  });
});
