// Metric names and labels as Prometheus sees them from the real collector: every instrument
// of DESIGN.md §2 comes out under its contract name, with `project` intact and `source`
// telling our data apart from Claude Code's own telemetry (same metric names).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireCollector, startCollector, type RunningCollector } from "../support/collector.js";
import { CLAUDE_CODE_RESOURCE, findSamples, metricsRequest, postOtlpJson, scrape, type MetricPoint, type PromSample } from "../support/otlp-json.js";
import { sessionToMetricPoints } from "../../src/mapping/map-metrics.js";
import { serializeMetrics } from "../../src/sdk/otlp-serialize.js";
import { buildResource } from "../../src/sdk/resource.js";
import { METRIC } from "../../src/semconv/names.js";
import type { MetricKey } from "../../src/semconv/names.js";
import type { Session } from "../../src/model/types.js";
import { loadAllSessions } from "../support/sessions.js";
import { CC_2_1_330, INSIGHTS_2_1_330 } from "../support/recorded-fixtures.js";
import { PROMETHEUS_FAMILY, seriesNames } from "../support/prometheus-series.js";
import { reportTotals } from "../support/exported-spans.js";

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
];

const bin = requireCollector();

describe.skipIf(!bin)("collector → Prometheus names and labels", () => {
  let collector: RunningCollector;
  let samples: PromSample[] = [];
  let sessions: Session[] = [];

  beforeAll(async () => {
    collector = await startCollector();
    // The recorded sessions through our own mapping and encoder, every instrument (the v1.41.0 ones too), in project "recorded";
    // the insights corpus for the re-reads of lost files and the failing hooks.
    sessions = [...(await loadAllSessions(CC_2_1_330.projects)), ...(await loadAllSessions(INSIGHTS_2_1_330.projects))];
    const points = sessions.flatMap((x) => sessionToMetricPoints(x, { final: true, project: "recorded", legacyGenAiNames: true }));
    // The two conditional instruments, which a final replay of priced sessions never writes (a live overcount, an unpriced model).
    points.push(
      { metric: "costOvercount", value: 0.01, attributes: { project: "recorded", model: "m" }, unitKey: "ledger:0" },
      { metric: "tokenUnpriced", value: 5, attributes: { project: "recorded", model: "m", type: "input" }, unitKey: "request:x" },
    );
    const body = serializeMetrics(points, buildResource({}), { startMs: T0, timeMs: T0 + 1_000 }, "json");
    const res = await fetch(`${collector.otlpHttpUrl}/v1/metrics`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(res.status).toBe(200);
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
  ] as const)("%s %j = %d, labelled source=claude-code-otel and project", (name, labels, value) => {
    const found = findSamples(samples, name, { ...ours, ...labels });
    expect(
      found.map((s) => s.value),
      `${name} in\n${samples.map((s) => `${s.name} ${JSON.stringify(s.labels)}`).join("\n")}`,
    ).toEqual([value]);
  });

  it("every instrument of src/semconv/names.ts comes out under the series names the dashboards and rules use", () => {
    const recorded = samples.filter((x) => x.labels["project"] === "recorded");
    const got = new Set(recorded.map((x) => x.name));
    const expected = new Set((Object.keys(METRIC) as MetricKey[]).flatMap(seriesNames));
    expect([...got].sort()).toEqual([...expected].sort());
    expect(recorded.every((x) => x.labels["source"] === "claude-code-otel")).toBe(true);
  });

  it("GenAI v0.1.0 series: the usage counters add up to the report's tokens, with gen_ai.token.modality=unknown and the model", () => {
    const t = reportTotals(sessions).tokens;
    const total = (key: MetricKey, labels: Record<string, string> = {}): number =>
      findSamples(samples, seriesNames(key)[0] as string, { project: "recorded", ...labels }).reduce((n, x) => n + x.value, 0);
    expect(total("inferenceInputTokens", { gen_ai_token_modality: "unknown" })).toBe(t.input + t.cacheRead + t.cacheCreation);
    expect(total("inferenceOutputTokens", { gen_ai_token_modality: "unknown" })).toBe(t.output);
    expect(total("inferenceCacheReadTokens")).toBe(t.cacheRead);
    expect(total("inferenceCacheWriteTokens")).toBe(t.cacheCreation);
    const input = findSamples(samples, "gen_ai_client_inference_usage_input_tokens_total", { project: "recorded" });
    expect(new Set(input.map((x) => JSON.stringify(Object.keys(x.labels).sort())))).toEqual(
      new Set([
        JSON.stringify(
          [
            "gen_ai_operation_name",
            "gen_ai_provider_name",
            "gen_ai_request_model",
            "gen_ai_response_model",
            "gen_ai_token_modality",
            "job",
            "otel_scope_name",
            "otel_scope_schema_url",
            "otel_scope_version",
            "project",
            "source",
          ].sort(),
        ),
      ]),
    );
    // One inference.duration observation per request; one invoke_agent per turn (a person's or one Claude Code started
    // itself, such as a background task's notification: the report counts only the former) and per subagent; the
    // histogram keeps the advised buckets.
    const requests = sessions.reduce((n, x) => n + x.requests.length, 0);
    expect(findSamples(samples, `${PROMETHEUS_FAMILY.inferenceDuration}_count`, { project: "recorded" }).reduce((n, x) => n + x.value, 0)).toBe(requests);
    const turns = sessions.reduce((n, x) => n + x.turns.length, 0);
    expect(turns).toBe(reportTotals(sessions).turns + 1);
    const invocations = turns + sessions.reduce((n, x) => n + x.subagents.length, 0);
    expect(findSamples(samples, `${PROMETHEUS_FAMILY.invokeAgentDuration}_count`, { project: "recorded" }).reduce((n, x) => n + x.value, 0)).toBe(invocations);
    const les = findSamples(samples, `${PROMETHEUS_FAMILY.invokeAgentToolCalls}_bucket`, { project: "recorded", gen_ai_agent_name: "claude-code" }).map((x) => x.labels["le"]);
    expect(les).toEqual(["1", "2", "4", "8", "16", "32", "64", "128", "+Inf"]);
  });

  it("labels Claude Code's own telemetry source=claude-code, overriding a spoofed source", () => {
    expect(findSamples(samples, "claude_code_cost_usage_USD_total", { source: "claude-code" }).map((s) => s.value)).toEqual([0.5]);
    expect(findSamples(samples, "claude_code_session_count_total", { source: "claude-code" }).map((s) => s.value)).toEqual([1]);
    expect(findSamples(samples, "claude_code_session_count_total", { source: "claude-code-otel", project: "demo" }).map((s) => s.value)).toEqual([1]);
  });

  it("labels anything else source=other, so every claude_code series carries source", () => {
    expect(findSamples(samples, "claude_code_session_count_total", { source: "other" }).map((s) => s.value)).toEqual([1]);
    const unlabelled = samples.filter((s) => s.name.startsWith("claude_code_") && s.labels["source"] === undefined);
    expect(unlabelled).toEqual([]);
  });
});
