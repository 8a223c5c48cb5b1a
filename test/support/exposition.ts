// A stand-in for the collector's `prometheus` exporter: a loopback HTTP server
// serving a text-format exposition of every claude-code-otel series (names and
// labels as docs DESIGN.md §2 "Metrics"), with counters that grow between
// scrapes so rates, ratios and quantiles have values.
import { createServer, type Server } from "node:http";
import { METRIC } from "../../src/semconv/names.js";
import { HEALTH_SERIES, NATIVE_REQUEST_SERIES, PROMETHEUS_FAMILY } from "./prometheus-series.js";

/** Explicit bucket boundaries (USD) the client uses for claude_code.session.cost. */
export const SESSION_COST_BUCKETS_USD = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100] as const;
const TOOL_DURATION_BUCKETS_S = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

class Exposition {
  private readonly lines = new Map<string, string[]>();
  private readonly types = new Map<string, string>();
  add(family: string, type: string, name: string, labels: Labels, value: number): void {
    this.types.set(family, type);
    const list = this.lines.get(family) ?? [];
    list.push(`${name}${labelText(labels)} ${value}`);
    this.lines.set(family, list);
  }
  counter(name: string, labels: Labels, value: number): void {
    this.add(name.replace(/_total$/, ""), "counter", name, labels, value);
  }
  /** Cumulative histogram from per-bucket observation counts. */
  histogram(family: string, labels: Labels, bounds: readonly number[], observations: Array<{ value: number; count: number }>): void {
    let sum = 0;
    let count = 0;
    for (const o of observations) {
      sum += o.value * o.count;
      count += o.count;
    }
    for (const b of bounds) {
      const inBucket = observations.filter((o) => o.value <= b).reduce((n, o) => n + o.count, 0);
      this.add(family, "histogram", `${family}_bucket`, { ...labels, le: String(b) }, inBucket);
    }
    this.add(family, "histogram", `${family}_bucket`, { ...labels, le: "+Inf" }, count);
    this.add(family, "histogram", `${family}_sum`, labels, sum);
    this.add(family, "histogram", `${family}_count`, labels, count);
  }
  text(): string {
    let out = "";
    for (const [family, lines] of this.lines) out += `# TYPE ${family} ${this.types.get(family)}\n${lines.join("\n")}\n`;
    return out;
  }
}

/**
 * The exposition `seconds` after start: two projects, two models, both sources
 * for the shared names, a cost overcount, tool calls with failures, compactions, session cost,
 * the GenAI conventions' usage, inference and agent metrics, one session with the opt-in `session_id` label,
 * and telemetry health: two machines' heartbeats (one silent for two hours), hook errors, Claude Code's own request count.
 */
export function sampleExposition(seconds: number): string {
  const t = Math.max(0, Math.floor(seconds));
  const e = new Exposition();
  const ours = { source: "claude-code-otel" };
  const theirs = { source: "claude-code" };
  const projects = ["alpha", "beta"] as const;
  const models = ["claude-opus-4-1", "claude-sonnet-4-5"] as const;
  projects.forEach((project, pi) => {
    const k = pi + 1;
    e.counter("claude_code_session_count_total", { ...ours, project }, 2 * k + Math.floor(t / 5));
    e.counter("claude_code_session_count_total", { ...theirs, project }, 2 * k + Math.floor(t / 5));
    e.counter("claude_code_turn_count_total", { ...ours, project }, 10 * k + t);
    models.forEach((model, mi) => {
      const m = mi + 1;
      e.counter("claude_code_cost_usage_USD_total", { ...ours, project, model }, 1.5 * k * m + 0.05 * m * t);
      e.counter("claude_code_cost_usage_USD_total", { ...theirs, project, model }, 1.5 * k * m + 0.05 * m * t);
      // alpha's opus requests went out live, priced above their ledger: a fifth of the rise taken back.
      if (k === 1 && m === 1) e.counter("claude_code_cost_overcount_USD_total", { ...ours, project, model }, 0.3 + 0.01 * t);
      const tokens = { input: 100, output: 400, cacheRead: 9000, cacheCreation: 800 };
      for (const [type, perSecond] of Object.entries(tokens)) {
        e.counter("claude_code_token_usage_tokens_total", { ...ours, project, model, type }, perSecond * (k + t));
        e.counter("claude_code_token_usage_tokens_total", { ...theirs, project, model, type }, perSecond * (k + t));
      }
      // GenAI conventions v0.1.0 (names from test/support/prometheus-series.ts, buckets from src/semconv/names.ts).
      const op = { ...ours, project, gen_ai_operation_name: "chat", gen_ai_provider_name: "anthropic", gen_ai_request_model: model, gen_ai_response_model: model };
      const usage = { ...op, gen_ai_token_modality: "unknown" };
      e.counter(`${PROMETHEUS_FAMILY.inferenceInputTokens}_total`, usage, (tokens.input + tokens.cacheRead + tokens.cacheCreation) * (k + t));
      e.counter(`${PROMETHEUS_FAMILY.inferenceOutputTokens}_total`, usage, tokens.output * (k + t));
      e.counter(`${PROMETHEUS_FAMILY.inferenceCacheReadTokens}_total`, usage, tokens.cacheRead * (k + t));
      e.counter(`${PROMETHEUS_FAMILY.inferenceCacheWriteTokens}_total`, usage, tokens.cacheCreation * (k + t));
      e.histogram(PROMETHEUS_FAMILY.inferenceOperationInputTokens, op, METRIC.inferenceOperationInputTokens.boundaries, [
        { value: 9900, count: 3 + t },
        { value: 30000, count: 1 + Math.floor(t / 3) },
      ]);
      e.histogram(PROMETHEUS_FAMILY.inferenceOperationOutputTokens, op, METRIC.inferenceOperationOutputTokens.boundaries, [
        { value: 300, count: 3 + t },
        { value: 2000, count: 1 + Math.floor(t / 3) },
      ]);
      e.histogram(PROMETHEUS_FAMILY.inferenceDuration, op, METRIC.inferenceDuration.boundaries, [
        { value: 2.5, count: 3 + t },
        { value: 30, count: 1 + Math.floor(t / 3) },
      ]);
    });
    for (const [tool, failEvery] of [
      ["Bash", 4],
      ["Read", 0],
      ["Edit", 10],
    ] as const) {
      const calls = 5 * k + 3 * t;
      const failures = failEvery ? Math.floor(calls / failEvery) : 0;
      e.counter("claude_code_tool_calls_total", { ...ours, project, tool_name: tool, outcome: "success" }, calls - failures);
      if (failures > 0) e.counter("claude_code_tool_calls_total", { ...ours, project, tool_name: tool, outcome: "failure" }, failures);
      e.histogram("claude_code_tool_duration_seconds", { ...ours, project, tool_name: tool, outcome: "success" }, TOOL_DURATION_BUCKETS_S, [
        { value: 0.08, count: calls - failures - Math.floor(calls / 5) },
        { value: 4, count: Math.floor(calls / 5) },
      ]);
      if (failures > 0) {
        e.histogram("claude_code_tool_duration_seconds", { ...ours, project, tool_name: tool, outcome: "failure" }, TOOL_DURATION_BUCKETS_S, [{ value: 2, count: failures }]);
      }
    }
    for (const [agent, seconds, calls] of [
      ["claude-code", 40, 6],
      ["Explore", 90, 20],
    ] as const) {
      const labels = { ...ours, project, gen_ai_agent_name: agent };
      e.histogram(PROMETHEUS_FAMILY.invokeAgentDuration, labels, METRIC.invokeAgentDuration.boundaries, [{ value: seconds, count: 2 * k + t }]);
      e.histogram(PROMETHEUS_FAMILY.invokeAgentInferenceCalls, labels, METRIC.invokeAgentInferenceCalls.boundaries, [{ value: calls, count: 2 * k + t }]);
      e.histogram(PROMETHEUS_FAMILY.invokeAgentToolCalls, labels, METRIC.invokeAgentToolCalls.boundaries, [{ value: calls - 1, count: 2 * k + t }]);
      e.histogram(PROMETHEUS_FAMILY.executeToolDuration, { ...ours, project, gen_ai_tool_name: "Bash", gen_ai_agent_name: agent }, METRIC.executeToolDuration.boundaries, [
        { value: 0.3, count: 5 * k + 3 * t },
      ]);
    }
    e.counter("claude_code_compaction_count_total", { ...ours, project, trigger: "auto" }, k + Math.floor(t / 4));
    e.counter("claude_code_compaction_count_total", { ...ours, project, trigger: "manual" }, Math.floor(t / 9));
    // beta has an expensive ($15) session, so ClaudeCodeSessionCostHigh fires for it.
    e.histogram("claude_code_session_cost_USD", { ...ours, project }, SESSION_COST_BUCKETS_USD, [
      { value: 0.4, count: 2 + Math.floor(t / 5) },
      { value: 3, count: 1 },
      ...(project === "beta" ? [{ value: 15, count: 1 }] : []),
    ]);
  });
  // One session exported with the opt-in session_id label.
  const session = { ...ours, project: "alpha", session_id: "0d6f7a3e-5c1b-4d8e-9f00-123456789abc" };
  e.counter("claude_code_cost_usage_USD_total", { ...session, model: "claude-opus-4-1" }, 2 + 0.01 * t);
  e.counter("claude_code_turn_count_total", session, 3 + Math.floor(t / 2));
  e.counter("claude_code_tool_calls_total", { ...session, tool_name: "Bash", outcome: "success" }, 7 + t);
  e.counter("claude_code_compaction_count_total", { ...session, trigger: "auto" }, 1 + Math.floor(t / 6));
  // Telemetry health: a laptop whose hooks send now, a build machine silent for two hours with a backlog.
  const nowSeconds = Date.now() / 1000;
  for (const [host, user, age, outbox] of [
    ["laptop-7", "dev-7", 20, 0],
    ["build-2", "ci", 7200, 40],
  ] as const) {
    const labels = { ...ours, host, user, component: "hooks", version: "0.1.0" };
    const gauge = (name: string, value: number): void => e.add(name, "gauge", name, labels, value);
    gauge(HEALTH_SERIES.heartbeat, Math.floor(nowSeconds) - age);
    gauge(HEALTH_SERIES.outboxRequests, outbox);
    gauge(HEALTH_SERIES.outboxBytes, outbox * 2_000);
    gauge(HEALTH_SERIES.outboxAge, outbox === 0 ? 0 : age + 60);
    gauge(HEALTH_SERIES.spoolTriggers, 0);
    gauge(HEALTH_SERIES.logErrors, outbox === 0 ? 0 : 3);
  }
  e.counter(`${PROMETHEUS_FAMILY.hookErrors}_total`, { ...ours, project: "alpha", hook_event: "PostToolUse", hook: "claude-code-otel" }, 1 + Math.floor(t / 10));
  for (const model of models) e.counter(NATIVE_REQUEST_SERIES, { ...theirs, session_id: session.session_id, model }, 4 + t);
  return e.text();
}

export interface ExpositionServer {
  /** host:port to scrape */
  target: string;
  scrapes(): number;
  close(): Promise<void>;
}

/** Serves `render(secondsSinceStart)` at /metrics on a free loopback port. */
export async function startExpositionServer(render: (seconds: number) => string = sampleExposition): Promise<ExpositionServer> {
  const started = Date.now();
  let scrapes = 0;
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith("/metrics")) {
      scrapes++;
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(render((Date.now() - started) / 1000));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    target: `127.0.0.1:${port}`,
    scrapes: () => scrapes,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
