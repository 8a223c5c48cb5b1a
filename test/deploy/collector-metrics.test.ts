// Metric names and labels as Prometheus sees them from the real collector: every instrument
// of DESIGN.md §2 comes out under its contract name, with `project` intact and `source`
// telling our data apart from Claude Code's own telemetry (same metric names).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireCollector, startCollector, type RunningCollector } from "../support/collector.js";
import { CLAUDE_CODE_RESOURCE, findSamples, metricsRequest, postOtlpJson, scrape, type MetricPoint, type PromSample } from "../support/otlp-json.js";

const T0 = Date.now() - 60_000;
const P = { project: "demo" };
const sum = (name: string, unit: string, value: number, attributes: Record<string, string> = {}): MetricPoint => ({
  kind: "sum",
  name,
  unit,
  value,
  attributes: { ...P, ...attributes },
  startMs: T0,
  timeMs: T0 + 1_000,
});
const hist = (name: string, unit: string, bounds: number[], counts: number[], total: number, attributes: Record<string, string> = {}): MetricPoint => ({
  kind: "histogram",
  name,
  unit,
  bounds,
  counts,
  sum: total,
  attributes: { ...P, ...attributes },
  startMs: T0,
  timeMs: T0 + 1_000,
});

const OURS: MetricPoint[] = [
  sum("claude_code.session.count", "{session}", 1),
  sum("claude_code.cost.usage", "USD", 0.75, { model: "claude-sonnet-4-5" }),
  sum("claude_code.token.usage", "tokens", 1200, { model: "claude-sonnet-4-5", type: "cacheRead" }),
  sum("claude_code.turn.count", "{turn}", 3),
  sum("claude_code.tool.calls", "{call}", 4, { tool_name: "Bash", outcome: "failure" }),
  hist("claude_code.tool.duration", "s", [0.1, 1, 10], [1, 2, 1, 0], 4.2, { tool_name: "Bash", outcome: "success" }),
  sum("claude_code.compaction.count", "{compaction}", 1, { trigger: "auto" }),
  hist("claude_code.session.cost", "USD", [0.1, 1, 10], [0, 1, 0, 0], 0.75),
  hist("gen_ai.client.token.usage", "{token}", [100, 1000, 10000], [0, 1, 1, 0], 2900, { "gen_ai.token.type": "input" }),
];

const bin = requireCollector();

describe.skipIf(!bin)("collector → Prometheus names and labels", () => {
  let collector: RunningCollector;
  let samples: PromSample[] = [];

  beforeAll(async () => {
    collector = await startCollector();
    expect(await postOtlpJson(collector.otlpHttpUrl, "metrics", metricsRequest(OURS))).toBe(200);
    const theirs: MetricPoint[] = [
      { ...sum("claude_code.cost.usage", "USD", 0.5, { model: "claude-sonnet-4-5" }), attributes: { model: "claude-sonnet-4-5", "session.id": "s1" } },
      // A datapoint claiming to be ours must not become ours.
      { ...sum("claude_code.session.count", "{session}", 1), attributes: { source: "claude-code-otel" } },
    ];
    expect(await postOtlpJson(collector.otlpHttpUrl, "metrics", metricsRequest(theirs, CLAUDE_CODE_RESOURCE))).toBe(200);
    const unknown = metricsRequest([sum("claude_code.session.count", "{session}", 1)], { "service.name": "something-else" });
    expect(await postOtlpJson(collector.otlpHttpUrl, "metrics", unknown)).toBe(200);
    const deadline = Date.now() + 15_000;
    while (findSamples(samples, "claude_code_session_count_total").length < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      samples = await scrape(collector.prometheusUrl);
    }
  });
  afterAll(async () => {
    await collector?.stop();
  });

  const ours = { source: "claude-code-otel", project: "demo" };

  it.each([
    ["claude_code_session_count_total", {}, 1],
    ["claude_code_cost_usage_USD_total", { model: "claude-sonnet-4-5" }, 0.75],
    ["claude_code_token_usage_tokens_total", { model: "claude-sonnet-4-5", type: "cacheRead" }, 1200],
    ["claude_code_turn_count_total", {}, 3],
    ["claude_code_tool_calls_total", { tool_name: "Bash", outcome: "failure" }, 4],
    ["claude_code_compaction_count_total", { trigger: "auto" }, 1],
    ["claude_code_tool_duration_seconds_count", { tool_name: "Bash", outcome: "success" }, 4],
    ["claude_code_tool_duration_seconds_sum", { tool_name: "Bash", outcome: "success" }, 4.2],
    ["claude_code_tool_duration_seconds_bucket", { tool_name: "Bash", outcome: "success", le: "1" }, 3],
    ["claude_code_session_cost_USD_bucket", { le: "1" }, 1],
    ["claude_code_session_cost_USD_sum", {}, 0.75],
    ["gen_ai_client_token_usage_bucket", { le: "+Inf" }, 2],
  ] as const)("%s %j = %d, labelled source=claude-code-otel and project", (name, labels, value) => {
    const found = findSamples(samples, name, { ...ours, ...labels });
    expect(
      found.map((s) => s.value),
      `${name} in\n${samples.map((s) => `${s.name} ${JSON.stringify(s.labels)}`).join("\n")}`,
    ).toEqual([value]);
  });

  it("labels Claude Code's own telemetry source=claude-code, overriding a spoofed source", () => {
    expect(findSamples(samples, "claude_code_cost_usage_USD_total", { source: "claude-code" }).map((s) => s.value)).toEqual([0.5]);
    expect(findSamples(samples, "claude_code_session_count_total", { source: "claude-code" }).map((s) => s.value)).toEqual([1]);
    expect(findSamples(samples, "claude_code_session_count_total", { source: "claude-code-otel" }).map((s) => s.value)).toEqual([1]);
  });

  it("labels anything else source=other, so every claude_code series carries source", () => {
    expect(findSamples(samples, "claude_code_session_count_total", { source: "other" }).map((s) => s.value)).toEqual([1]);
    const unlabelled = samples.filter((s) => s.name.startsWith("claude_code_") && s.labels["source"] === undefined);
    expect(unlabelled).toEqual([]);
  });
});
