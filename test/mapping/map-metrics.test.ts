// Reads the recorded fixtures (test/fixtures); the public corpus in ../shared is extra coverage.
import { AggregationTemporality, DataPointType, InMemoryMetricExporter } from "@opentelemetry/sdk-metrics";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import type { Session } from "../../src/model/types.js";
import { sessionToMetricPoints } from "../../src/mapping/map-metrics.js";
import { toResourceMetrics } from "../../src/sdk/metric-batch.js";
import { buildResource } from "../../src/sdk/resource.js";
import { byId, loadAllSessions } from "../support/sessions.js";
import { readFileSync } from "node:fs";
import { CC_1_0_128, CC_2_0_55, CC_2_1_17, CC_2_1_330, CC_2_1_332, ledgers } from "../support/recorded-fixtures.js";
import { PUBLIC_FIXTURES, requireSharedFixtures } from "../support/shared-fixtures.js";
import { reportTotals } from "../support/exported-spans.js";
import { addSums, emptySums } from "../support/metric-sums.js";

const havePublic = requireSharedFixtures("metric totals on the public transcripts");

/** Seconds from each tool_use line to its tool_result line, as the transcript timestamps them. */
function transcriptToolSeconds(transcript: string): Record<string, number> {
  const start: Record<string, number> = {};
  const out: Record<string, number> = {};
  for (const line of readFileSync(transcript, "utf8").split("\n").filter(Boolean)) {
    const l = JSON.parse(line) as { type?: string; timestamp?: string; message?: { content?: unknown } };
    if ((l.type !== "assistant" && l.type !== "user") || !Array.isArray(l.message?.content) || l.timestamp === undefined) continue;
    for (const b of l.message.content as { type: string; id?: string; tool_use_id?: string }[]) {
      if (b.type === "tool_use" && b.id !== undefined) start[b.id] = Date.parse(l.timestamp);
      if (b.type === "tool_result" && b.tool_use_id !== undefined) out[b.tool_use_id] = (Date.parse(l.timestamp) - (start[b.tool_use_id] ?? NaN)) / 1000;
    }
  }
  return out;
}

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

/** Every metric point of every session, summed, against the report's totals. */
async function expectMetricTotals(root: string): Promise<void> {
  const sessions = await loadAllSessions(root);
  const totals = reportTotals(sessions);
  const sums = emptySums();
  for (const rm of await exportThroughSdk(sessions)) addSums(sums, rm);
  expect(sums.sessions).toBe(totals.sessions);
  // The counter (usage minus overcount) equals the report's cost: Claude Code's ledger where there is one.
  expect(Math.abs(sums.costUsd - totals.costUsd)).toBeLessThan(1e-9);
  expect(sums.tokens).toEqual(totals.tokens);
  expect(sums.turns).toBe(totals.turns);
  expect(sums.toolCalls).toBe(totals.toolCalls);
  expect(sums.toolFailures).toBe(totals.toolFailures);
  expect(sums.compactions).toBe(totals.compactions);
  expect(sums.sessionCostCount).toBe(totals.sessions);
  expect(Math.abs(sums.sessionCostSum - totals.costUsd)).toBeLessThan(1e-9);
  expect(sums.toolDurationCount).toBe(totals.toolCalls);
}

describe("metric points equal report totals", () => {
  it.each([
    ["recorded 2.1.330", CC_2_1_330.projects],
    ["recorded 2.1.332", CC_2_1_332.projects],
    ["recorded 2.1.17", CC_2_1_17.projects],
    ["recorded 2.0.55", CC_2_0_55.projects],
    ["recorded 1.0.128", CC_1_0_128.projects],
  ])("%s: cost, tokens by type, turns, tool calls and failures, compactions, sessions", async (_label, root) => {
    await expectMetricTotals(root);
  });

  it.skipIf(!havePublic)("public transcripts (../shared): the same", async () => {
    await expectMetricTotals(PUBLIC_FIXTURES as string);
  });

  it("long: the compaction's ledger-only cost is its own unit; the requests carry their share of a ledger below their prices", async () => {
    const s = byId(await loadAllSessions(CC_2_1_330.projects), CC_2_1_330.sessionId("long"));
    const boundary = JSON.parse(
      readFileSync(CC_2_1_330.transcript("long"), "utf8")
        .split("\n")
        .find((l) => l.includes('"subtype":"compact_boundary"')) ?? "{}",
    ) as { uuid: string };
    const points = sessionToMetricPoints(s, { final: true });
    const cost = points.filter((p) => p.metric === "costUsage");
    // Claude Code's ledger grew by $0.01554 across /compact, with no assistant line in between.
    const totals = ledgers(CC_2_1_330.transcript("long")).map((l) => l.totalCostUSD);
    expect(cost.filter((p) => p.unitKey.startsWith("compaction:"))).toEqual([
      { metric: "costUsage", value: 0.01554, unitKey: `compaction:${boundary.uuid}`, attributes: { project: "shop-api", model: "claude-sonnet-4-5", cost_source: "ledger" } },
    ]);
    expect((totals[2] ?? 0) - (totals[1] ?? 0)).toBeCloseTo(0.01554, 12);
    expect(cost.filter((p) => p.unitKey.startsWith("request:"))).toHaveLength(11);
    expect(new Set(cost.filter((p) => p.unitKey.startsWith("request:")).map((p) => p.attributes["cost_source"]))).toEqual(new Set(["ledger"]));
    // One point per ledger line (four: three resumes), 0: every request and the compaction already carry their share.
    expect(cost.filter((p) => p.unitKey.startsWith("ledger:")).map((p) => [p.unitKey, p.value, p.attributes["cost_source"]])).toEqual([
      ["ledger:0", 0, "ledger"],
      ["ledger:1", 0, "ledger"],
      ["ledger:2", 0, "ledger"],
      ["ledger:3", 0, "ledger"],
    ]);
    expect(points.filter((p) => p.metric === "costOvercount")).toEqual([]);
    expect(cost.reduce((a, p) => a + p.value, 0)).toBeCloseTo(0.9802035, 9);
    expect(points.filter((p) => p.metric === "compactionCount")).toEqual([
      { metric: "compactionCount", value: 1, unitKey: `compaction:${boundary.uuid}`, attributes: { project: "shop-api", trigger: "manual" } },
    ]);
  });

  it("parallel-fail: exact points: attributes, units, DELTA sums and explicit histogram buckets", async () => {
    const s = byId(await loadAllSessions(CC_2_1_330.projects), CC_2_1_330.sessionId("parallel-fail"));
    const points = sessionToMetricPoints(s, { final: true, includeSessionId: true });
    const tools = points.filter((p) => p.metric === "toolCalls" || p.metric === "toolDuration");
    const common = { project: "shop-api", "session.id": s.sessionId };
    const seconds = transcriptToolSeconds(CC_2_1_330.transcript("parallel-fail"));
    const tool = (id: string, name: string, outcome: string): unknown[] => [
      { metric: "toolCalls", value: 1, unitKey: `tool:${id}`, attributes: { ...common, tool_name: name, outcome } },
      { metric: "toolDuration", value: seconds[id], unitKey: `tool:${id}`, attributes: { ...common, tool_name: name, outcome } },
    ];
    expect(Object.keys(seconds)).toHaveLength(3);
    expect(tools).toEqual([
      ...tool("toolu_Bash_v2_1_330_1_0", "Bash", "success"),
      ...tool("toolu_Bash_v2_1_330_1_1", "Bash", "failure"),
      ...tool("toolu_Read_v2_1_330_1_2", "Read", "success"),
    ]);
    // Scripted: 1,204 uncached input, 318 output, no cache read (no point for a zero), 2,210 + 18,452 cache writes.
    expect(points.filter((p) => p.metric === "tokenUsage" && p.unitKey === "request:msg_v2_1_330_1:req_v2_1_330_1").map((p) => [p.attributes["type"], p.value])).toEqual([
      ["input", 1_204],
      ["output", 318],
      ["cacheCreation", 20_662],
    ]);
    expect(points.filter((p) => p.metric === "tokenUsage" && p.unitKey === "request:msg_v2_1_330_2:req_v2_1_330_2").map((p) => [p.attributes["type"], p.value])).toEqual([
      ["input", 1_580],
      ["output", 96],
      ["cacheRead", 20_662],
      ["cacheCreation", 1_930],
    ]);
    const rm = toResourceMetrics(points, buildResource({}), 1000, 2000);
    const metrics = rm.scopeMetrics[0]?.metrics ?? [];
    expect(metrics.every((m) => m.aggregationTemporality === AggregationTemporality.DELTA)).toBe(true);
    const cost = metrics.find((m) => m.descriptor.name === "claude_code.session.cost");
    expect(cost?.descriptor.unit).toBe("USD");
    expect(cost?.dataPointType).toBe(DataPointType.HISTOGRAM);
    const value = cost?.dataPoints[0]?.value as { buckets: { boundaries: number[]; counts: number[] }; count: number; sum: number };
    expect(value.buckets.boundaries).toEqual([0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100]);
    // $0.1469976 (the ledger) falls in (0.1, 0.25].
    expect(value.buckets.counts).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(value.sum).toBeCloseTo(0.1469976, 12);
    const calls = metrics.find((m) => m.descriptor.name === "claude_code.tool.calls");
    expect(calls?.dataPoints.map((d) => [d.attributes["tool_name"], d.attributes["outcome"], d.value, d.startTime, d.endTime])).toEqual([
      ["Bash", "success", 1, [1, 0], [2, 0]],
      ["Bash", "failure", 1, [1, 0], [2, 0]],
      ["Read", "success", 1, [1, 0], [2, 0]],
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

  it("a session's points share one attribute object per attribute set", async () => {
    const s = byId(await loadAllSessions(CC_2_1_330.projects), CC_2_1_330.sessionId("long"));
    const points = sessionToMetricPoints(s, { final: true });
    const objects = new Set(points.map((p) => p.attributes));
    const sets = new Set(points.map((p) => JSON.stringify(Object.entries(p.attributes).sort())));
    expect(objects.size).toBe(sets.size);
    expect(points.every((p) => Object.isFrozen(p.attributes))).toBe(true);
  });
});
