// The overview's "Telemetry health" row on real data: heartbeats from our own encoder, two
// recorded sessions through our mapping (one whose hooks failed), Claude Code's own api_request
// events for the same sessions, all through the real collector into a real Prometheus; each panel
// query, variables as Grafana sets them, gives the exact figures below at one evaluation time.
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OtlpDestination } from "../../src/delivery/destination.js";
import { resolveDestination } from "../../src/delivery/destination.js";
import { postHeartbeat } from "../../src/delivery/heartbeat.js";
import { sessionToMetricPoints } from "../../src/mapping/map-metrics.js";
import type { HeartbeatSnapshot } from "../../src/sdk/heartbeat-metrics.js";
import { serializeMetrics } from "../../src/sdk/otlp-serialize.js";
import { buildResource } from "../../src/sdk/resource.js";
import { HEALTH_METRIC } from "../../src/semconv/names.js";
import { packageVersion } from "../../src/util/package-version.js";
import { requireCollector, startCollector, type RunningCollector } from "../support/collector.js";
import { allPanels, loadDashboards, substituteVariables } from "../support/dashboards.js";
import { logsRequest, metricsRequest, postOtlpJson, type LogSpec, type MetricPoint } from "../support/otlp-json.js";
import { HEALTH_SERIES } from "../support/prometheus-series.js";
import { promBinary, queryInstant, requireTool, startPrometheus, waitForQuery, type RunningPrometheus } from "../support/prometheus.js";
import { INSIGHTS_2_1_330 } from "../support/recorded-fixtures.js";
import { byId, loadAllSessions } from "../support/sessions.js";

const NOW = Date.now() - 30_000;
const HOUR = 3_600_000;
const HOOKS_FAIL = INSIGHTS_2_1_330.sessionId("hooks-fail");
const BIG_OUTPUTS = INSIGHTS_2_1_330.sessionId("big-outputs");

/** The stub's record of the conversation's requests per model (recording.json): what Claude Code's own telemetry counts. */
function recordedRequests(label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const step of INSIGHTS_2_1_330.steps.filter((s) => s.session === label)) {
    for (const line of step.requests) {
      const m = /^POST \/v1\/messages (\S+) /.exec(line);
      if (m?.[1] !== undefined) out[m[1]] = (out[m[1]] ?? 0) + 1;
    }
  }
  return out;
}

/** Claude Code 2.1.330's api_request events of a session: `n` of the conversation's, and a title call the collector must not count. */
function apiRequests(sessionId: string, model: string, n: number, first: number): LogSpec[] {
  const event = (querySource: string, i: number, m: string): LogSpec => ({
    body: "claude_code.api_request",
    timeMs: NOW + i,
    attributes: { "user.id": "657e2f20", "session.id": sessionId, "event.name": "api_request", "event.sequence": i, model: m, query_source: querySource, request_id: `req_${i}` },
  });
  return [...Array.from({ length: n }, (_, i) => event("repl_main_thread", first + i, model)), event("generate_session_title", first + n, "claude-haiku-4-5")];
}

const snapshot = (host: string, user: string, agoMs: number, outbox: number, errors: number): HeartbeatSnapshot => ({
  component: "hooks",
  host,
  user,
  timeMs: NOW - agoMs,
  outboxRequests: outbox,
  outboxBytes: outbox * 2_048,
  outboxAgeMs: outbox === 0 ? 0 : agoMs + 60_000,
  spoolTriggers: outbox === 0 ? 0 : 2,
  logErrors: errors,
});

const available = requireCollector() !== undefined && requireTool("prometheus", "PROMETHEUS_BIN") !== undefined && promBinary() !== undefined;

describe.skipIf(!available)("the overview's Telemetry health row on real data (collector → Prometheus)", () => {
  let collector: RunningCollector;
  let prom: RunningPrometheus;
  const laptop = hostname();
  const panel = (title: string): { refId: string; expr: string }[] => {
    const overview = loadDashboards().find((d) => d.json.uid === "claude-code-overview");
    const p = allPanels(overview?.json ?? { schemaVersion: 39 }).find((x) => x.title === title);
    if (p === undefined) throw new Error(`no panel ${title}`);
    return (p.targets ?? []).map((t) => ({ refId: t.refId ?? "?", expr: substituteVariables(String(t.expr), { range: "1h" }) }));
  };
  let at = 0;
  /** Each query of a panel at `at`, as { refId: { label values joined by "/": value } }. */
  const run = async (title: string, labels: readonly string[]): Promise<Record<string, Record<string, number>>> => {
    const out: Record<string, Record<string, number>> = {};
    for (const { refId, expr } of panel(title)) {
      const r = await queryInstant(prom.url, expr, at);
      out[refId] = Object.fromEntries((r.resultType === "vector" ? r.result : []).map((s) => [labels.map((l) => s.metric[l] ?? "").join("/"), Number(s.value[1])]));
    }
    return out;
  };

  beforeAll(async () => {
    collector = await startCollector();
    prom = await startPrometheus({ scrapeTarget: new URL(collector.prometheusUrl).host });
    const destination = resolveDestination({ endpoint: collector.otlpHttpUrl }, {}, {}) as OtlpDestination;
    const resource = buildResource({ OTEL_RESOURCE_ATTRIBUTES: "user.id=dev-7" });
    // This machine sends now; build-2 stopped two hours ago with 40 requests queued and 3 errors logged.
    expect(await postHeartbeat(destination, snapshot(laptop, "dev-7", 0, 0, 0), resource)).toEqual({ kind: "ok", status: 200 });
    expect(await postHeartbeat(destination, snapshot("build-2", "ci", 2 * HOUR, 40, 3), buildResource({ OTEL_RESOURCE_ATTRIBUTES: "user.id=ci" }))).toEqual({
      kind: "ok",
      status: 200,
    });
    // build-2's heartbeats from before an upgrade: the collector keeps that version's series for a week.
    const old = { component: "hooks", host: "build-2", user: "ci", version: "0.0.9" };
    const gauge = (key: keyof typeof HEALTH_METRIC, value: number): MetricPoint => ({
      kind: "gauge",
      name: HEALTH_METRIC[key].name,
      unit: HEALTH_METRIC[key].unit,
      value,
      attributes: old,
      startMs: NOW - 72 * HOUR,
      timeMs: NOW - 72 * HOUR,
    });
    const stale = [gauge("heartbeat", (NOW - 72 * HOUR) / 1000), gauge("outboxRequests", 900), gauge("outboxAge", 50_000), gauge("spoolTriggers", 9), gauge("logErrors", 99)];
    expect(
      await postOtlpJson(collector.otlpHttpUrl, "metrics", metricsRequest(stale, { "service.name": "claude-code-otel", "claude_code.telemetry.source": "claude-code-otel" })),
    ).toBe(200);
    // Ours: the failing-hooks session only (big-outputs' machine never delivered); Claude Code's: both.
    const sessions = await loadAllSessions(INSIGHTS_2_1_330.projects);
    const points = sessionToMetricPoints(byId(sessions, HOOKS_FAIL), { final: true, project: "insights" });
    const body = serializeMetrics(points, buildResource({}), { startMs: NOW - 1_000, timeMs: NOW }, "json");
    const res = await fetch(`${collector.otlpHttpUrl}/v1/metrics`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(res.status).toBe(200);
    const events = [...apiRequests(HOOKS_FAIL, "claude-sonnet-4-5", 2, 1), ...apiRequests(BIG_OUTPUTS, "claude-haiku-4-5", 4, 10)];
    expect(await postOtlpJson(collector.otlpHttpUrl, "logs", logsRequest(events))).toBe(200);
    // Every series scraped at least twice.
    await waitForQuery(prom.url, `count(count_over_time(${HEALTH_SERIES.heartbeat}[1m]) >= 2) >= 3`, { timeoutMs: 30_000 });
    await waitForQuery(prom.url, "count(count_over_time(claude_code_native_api_request_count_total[1m]) >= 2) >= 2", { timeoutMs: 30_000 });
    await waitForQuery(prom.url, "count(count_over_time(claude_code_hook_errors_total[1m]) >= 2) >= 3", { timeoutMs: 30_000 });
    at = Date.now() / 1000;
    at = Math.floor(at * 1000) / 1000;
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    await collector?.stop();
  });

  it("the recorded sessions: 2 Sonnet requests with 3 failed hooks, 4 Haiku requests", () => {
    expect(recordedRequests("hooks-fail")).toEqual({ "claude-sonnet-4-5": 2 });
    expect(recordedRequests("big-outputs")).toEqual({ "claude-haiku-4-5": 4 });
  });

  it("Machines sending telemetry: each machine's silence to the millisecond, and its latest heartbeat's outbox, not an older version's", async () => {
    const byRef = await run("Machines sending telemetry", ["host", "user", "component"]);
    const me = `${laptop}/dev-7/hooks`;
    expect(byRef).toEqual({
      A: { [me]: at - NOW / 1000, "build-2/ci/hooks": at - (NOW - 2 * HOUR) / 1000 },
      B: { [me]: 0, "build-2/ci/hooks": 40 },
      C: { [me]: 0, "build-2/ci/hooks": 7_260 },
      D: { [me]: 0, "build-2/ci/hooks": 2 },
      E: { [me]: 0, "build-2/ci/hooks": 3 },
    });
    expect(byRef["A"]?.["build-2/ci/hooks"]).toBeGreaterThan(7_200);
    expect(packageVersion()).not.toBe("0.0.9");
  });

  it("Outbox backlog by machine: the latest heartbeat's count", async () => {
    expect(await run("Outbox backlog by machine", ["host", "user"])).toEqual({ A: { [`${laptop}/dev-7`]: 0, "build-2/ci": 40 } });
  });

  it("Hook errors: the failing-hooks session's three, by event and whose hook", async () => {
    // The transcript's async_hook_response lines (exit code 1): only the first keeps the hook's command, so the others are "unknown".
    expect(await run("Hook errors", ["project", "hook_event", "hook"])).toEqual({
      A: { "insights/SessionStart/claude-code-otel": 1, "insights/UserPromptSubmit/unknown": 1, "insights/PostToolUse/unknown": 1 },
    });
  });

  it("Requests: Claude Code counts both sessions' requests, ours only the delivered one's; the difference per model", async () => {
    const sonnet = recordedRequests("hooks-fail")["claude-sonnet-4-5"] ?? 0;
    const haiku = recordedRequests("big-outputs")["claude-haiku-4-5"] ?? 0;
    expect(await run("Requests: Claude Code's count and ours", ["model"])).toEqual({
      A: { "claude-sonnet-4-5": sonnet, "claude-haiku-4-5": haiku },
      B: { "claude-sonnet-4-5": sonnet },
      C: { "claude-sonnet-4-5": 0, "claude-haiku-4-5": -haiku },
    });
  });
});
