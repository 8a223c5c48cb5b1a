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
import { transcriptTimes } from "../support/transcript-times.js";

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
  // The GenAI conventions' metrics: input is all input (cache included), the cache counters its subsets.
  const t = totals.tokens;
  const requests = sessions.reduce((n, s) => n + s.requests.length, 0);
  const own = (list: readonly { agentId: string | undefined; turnIndex: number | undefined }[]): number =>
    list.filter((x) => x.agentId !== undefined || x.turnIndex !== undefined).length;
  expect(sums.genAi).toEqual({
    inputTokens: t.input + t.cacheRead + t.cacheCreation,
    outputTokens: t.output,
    cacheReadTokens: t.cacheRead,
    cacheWriteTokens: t.cacheCreation,
    operationInputCount: requests,
    operationInputSum: t.input + t.cacheRead + t.cacheCreation,
    operationOutputSum: t.output,
    inferenceDurationCount: requests,
    executeToolCount: totals.toolCalls,
    // Every turn is an invocation, those Claude Code started itself too (they are not in the report's user turns).
    invokeAgentCount: sessions.reduce((n, s) => n + s.turns.length + s.subagents.length, 0),
    // Each request and tool call is counted by the invocation (turn or subagent) that made it.
    inferenceCallsSum: sessions.reduce((n, s) => n + own(s.requests), 0),
    toolCallsSum: sessions.reduce((n, s) => n + own(s.toolCalls), 0),
    modalities: requests > 0 ? ["unknown"] : [],
  });
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

describe("GenAI conventions v0.1.0 metrics", () => {
  it("parallel-fail: exact points per request, tool call and turn (attributes, values from the transcript, units)", async () => {
    const s = byId(await loadAllSessions(CC_2_1_330.projects), CC_2_1_330.sessionId("parallel-fail"));
    const points = sessionToMetricPoints(s, { final: true }).filter(
      (p) => p.metric.startsWith("inference") || p.metric.startsWith("invokeAgent") || p.metric === "executeToolDuration",
    );
    const at = transcriptTimes(CC_2_1_330.transcript("parallel-fail"));
    const seconds = transcriptToolSeconds(CC_2_1_330.transcript("parallel-fail"));
    const model = "claude-sonnet-4-6";
    const op = { project: "shop-api", "gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic", "gen_ai.request.model": model, "gen_ai.response.model": model };
    const usage = { ...op, "gen_ai.token.modality": "unknown" };
    const request = (n: 1 | 2, input: number, output: number, read: number, write: number): unknown[] => {
      const unitKey = `request:msg_v2_1_330_${n}:req_v2_1_330_${n}`;
      const id = `msg_v2_1_330_${n}`;
      return [
        { metric: "inferenceInputTokens", value: input, unitKey, attributes: usage },
        { metric: "inferenceOutputTokens", value: output, unitKey, attributes: usage },
        ...(read > 0 ? [{ metric: "inferenceCacheReadTokens", value: read, unitKey, attributes: usage }] : []),
        { metric: "inferenceCacheWriteTokens", value: write, unitKey, attributes: usage },
        { metric: "inferenceOperationInputTokens", value: input, unitKey, attributes: op },
        { metric: "inferenceOperationOutputTokens", value: output, unitKey, attributes: op },
        { metric: "inferenceDuration", value: (Date.parse(at.responseEnd(id)) - Date.parse(at.requestSent(id))) / 1000, unitKey, attributes: op },
      ];
    };
    const tool = (id: string, name: string, failed: boolean): unknown => ({
      metric: "executeToolDuration",
      value: seconds[id],
      unitKey: `tool:${id}`,
      attributes: { project: "shop-api", "gen_ai.tool.name": name, "gen_ai.agent.name": "claude-code", ...(failed ? { "error.type": "tool_error" } : {}) },
    });
    const turn = s.turns[0];
    const agent = { project: "shop-api", "gen_ai.agent.name": "claude-code" };
    // Scripted usage (scenarios.ts): [uncached 1,204, out 318, read 0, write 2,210 + 18,452], [1,580, 96, 20,662, 1,930].
    expect(points).toEqual([
      ...request(1, 1_204 + 20_662, 318, 0, 20_662),
      ...request(2, 1_580 + 20_662 + 1_930, 96, 20_662, 1_930),
      tool("toolu_Bash_v2_1_330_1_0", "Bash", false),
      tool("toolu_Bash_v2_1_330_1_1", "Bash", true),
      tool("toolu_Read_v2_1_330_1_2", "Read", false),
      { metric: "invokeAgentDuration", value: ((turn?.endTime ?? 0) - (turn?.startTime ?? 0)) / 1000, unitKey: "turn:0", attributes: agent },
      { metric: "invokeAgentInferenceCalls", value: 2, unitKey: "turn:0", attributes: agent },
      { metric: "invokeAgentToolCalls", value: 3, unitKey: "turn:0", attributes: agent },
    ]);
    // The turn's duration is its span's: from the prompt line to the session's last line.
    expect(turn?.endTime).toBe(Date.parse(at.last));
    // No v1.41.0 names unless asked for; with gen_ai_latest_experimental/dup, gen_ai.client.token.usage per request too.
    expect(sessionToMetricPoints(s, { final: true }).filter((p) => p.metric === "genAiTokenUsage")).toEqual([]);
    const legacy = sessionToMetricPoints(s, { final: true, legacyGenAiNames: true }).filter((p) => p.metric === "genAiTokenUsage");
    expect(legacy.map((p) => [p.attributes["gen_ai.token.type"], p.value, p.unitKey])).toEqual([
      ["input", 1_204 + 20_662, "request:msg_v2_1_330_1:req_v2_1_330_1"],
      ["output", 318, "request:msg_v2_1_330_1:req_v2_1_330_1"],
      ["input", 1_580 + 20_662 + 1_930, "request:msg_v2_1_330_2:req_v2_1_330_2"],
      ["output", 96, "request:msg_v2_1_330_2:req_v2_1_330_2"],
    ]);
  });

  it("agent: the subagent is an invocation of its own type; its calls are not the turn's", async () => {
    const s = byId(await loadAllSessions(CC_2_1_330.projects), CC_2_1_330.sessionId("agent"));
    const points = sessionToMetricPoints(s, { final: true }).filter((p) => p.metric.startsWith("invokeAgent"));
    const a = s.subagents[0];
    const byUnit = (unit: string): unknown[] =>
      points.filter((p) => p.unitKey === unit).map((p) => [p.metric, p.attributes["gen_ai.agent.name"], p.metric === "invokeAgentDuration" ? "" : p.value]);
    // The subagent (recorded: 2 haiku requests and one Bash call) and the turn that started it (2 requests, the Agent call).
    expect(byUnit(`agent:${a?.agentId}`)).toEqual([
      ["invokeAgentDuration", "general-purpose", ""],
      ["invokeAgentInferenceCalls", "general-purpose", 2],
      ["invokeAgentToolCalls", "general-purpose", 1],
    ]);
    expect(byUnit("turn:0")).toEqual([
      ["invokeAgentDuration", "claude-code", ""],
      ["invokeAgentInferenceCalls", "claude-code", 2],
      ["invokeAgentToolCalls", "claude-code", 1],
    ]);
    const tools = sessionToMetricPoints(s, { final: true }).filter((p) => p.metric === "executeToolDuration");
    expect(tools.map((p) => [p.attributes["gen_ai.tool.name"], p.attributes["gen_ai.agent.name"]])).toEqual([
      ["Agent", "claude-code"],
      ["Bash", "general-purpose"],
    ]);
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
