// The team kit's metric governance on the real binaries: agents (collector/team/agent.yaml) in
// front of a gateway (config.yaml + team/gateway.yaml) that remote-writes to Debian's Prometheus.
// Hand-built OTLP requests with ids on them (ours with an opted-in session.id, Claude Code's own
// with its default session, account and e-mail attributes) come out of Prometheus with only the
// allowed labels, summed where they became equal, and exact: Claude Code's overlapping writers
// (two sessions of one user, now one stream) lose nothing.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { sessionToMetricPoints } from "../../src/mapping/map-metrics.js";
import { loadAllSessions } from "../support/sessions.js";
import { CC_2_1_330 } from "../support/recorded-fixtures.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_CONFIG, TEAM, requireCollector, startCollector, type RunningCollector } from "../support/collector.js";
import { nanos, postOtlpJson, type Attrs } from "../support/otlp-json.js";
import { queryVector, requireTool, startPrometheus, waitForQuery, type RunningPrometheus } from "../support/prometheus.js";

const bin = requireCollector();
const prometheusBin = bin ? requireTool("prometheus") : undefined;

/** The default label allowlist, read from agent.yaml (so the test follows the file). */
const DEFAULT_LABELS = /OTELCOL_METRIC_LABELS:-([^}]+)}/.exec(readFileSync(TEAM.agent, "utf8"))?.[1] ?? "";

const kv = (attrs: Attrs): object[] => Object.entries(attrs).map(([key, v]) => ({ key, value: { stringValue: String(v) } }));

/** One metric entry holding several delta points, as an SDK sends an instrument's attribute sets. */
function costRequest(resource: Attrs, points: { attrs: Attrs; startMs: number; timeMs: number; value: number }[]): object {
  const dataPoints = points.map((p) => ({ attributes: kv(p.attrs), startTimeUnixNano: nanos(p.startMs), timeUnixNano: nanos(p.timeMs), asDouble: p.value }));
  const metric = { name: "claude_code.cost.usage", unit: "USD", sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints } };
  return { resourceMetrics: [{ resource: { attributes: kv(resource) }, scopeMetrics: [{ scope: { name: "test" }, metrics: [metric] }] }] };
}

const OURS = { "service.name": "claude-code-otel", "claude_code.telemetry.source": "claude-code-otel" };
const NATIVE = { "service.name": "claude-code", "service.version": "2.1.330" };
const hash16 = (s: string): string => createHash("sha256").update(s).digest("hex").slice(0, 16);

describe.runIf(bin !== undefined && prometheusBin !== undefined)("team kit: metric labels governed at the agent", () => {
  let prometheus: RunningPrometheus;
  let gateway: RunningCollector;
  let plain: RunningCollector;
  let strict: RunningCollector;
  // Recent enough for an instant query (Prometheus looks back 5 minutes).
  const T0 = Date.now() - 60_000;

  beforeAll(async () => {
    prometheus = await startPrometheus({ scrapeTarget: "127.0.0.1:1", extraFlags: ["--web.enable-remote-write-receiver"] });
    gateway = await startCollector({ configs: [BASE_CONFIG, TEAM.gateway], env: { OTELCOL_GATEWAY_ID: "gw1", OTELCOL_REMOTE_WRITE_ENDPOINT: `${prometheus.url}/api/v1/write` } });
    const agentEnv = (id: string, extra: Record<string, string> = {}): Record<string, string> => ({
      OTELCOL_AGENT_ID: id,
      OTELCOL_GATEWAY_1: gateway.otlpGrpcEndpoint,
      OTELCOL_GATEWAY_2: gateway.otlpGrpcEndpoint,
      ...extra,
    });
    plain = await startCollector({ configs: [TEAM.agent], env: agentEnv("agent-plain") });
    strict = await startCollector({
      configs: [TEAM.agent],
      env: agentEnv("agent-strict", { OTELCOL_METRIC_LABELS: `${DEFAULT_LABELS}|user`, OTELCOL_HASH_USERS: "true", OTELCOL_METRIC_PROJECTS: "shop-api" }),
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([plain?.stop(), strict?.stop()]);
    await gateway?.stop();
    await prometheus?.stop();
  });

  it("the default allowlist names our labels and Claude Code's bounded ones, and no id", () => {
    expect(DEFAULT_LABELS.split("|").slice(0, 6)).toEqual(["project", "model", "type", "tool_name", "outcome", "trigger"]);
    for (const id of ["session.id", "prompt.id", "user.id", "user.email", "user.account_uuid", "organization.id", "user"]) {
      expect(new RegExp(`^(?:${DEFAULT_LABELS})$`).test(id), id).toBe(false);
    }
  });

  it("the default allowlist keeps every label our metric mapping writes (bar the opt-in session.id), v1.41.0's GenAI names too", async () => {
    const sessions = await loadAllSessions(CC_2_1_330.projects);
    const keys = new Set(
      sessions.flatMap((x) => sessionToMetricPoints(x, { final: true, includeSessionId: true, legacyGenAiNames: true }).flatMap((p) => Object.keys(p.attributes))),
    );
    const allowed = new RegExp(`^(?:${DEFAULT_LABELS})$`);
    expect([...keys].filter((k) => !allowed.test(k)).sort()).toEqual(["session.id"]);
    expect(keys.size).toBeGreaterThan(10);
  });

  it("our opted-in session ids are dropped and the points they split are summed; the user is the writer", async () => {
    const window = { startMs: T0, timeMs: T0 + 1_000 };
    const body = costRequest({ ...OURS, "user.id": "alice" }, [
      { attrs: { project: "shop-api", model: "claude-sonnet-4-6", "session.id": "s-1", "prompt.id": "p-1" }, ...window, value: 1.5 },
      { attrs: { project: "shop-api", model: "claude-sonnet-4-6", "session.id": "s-2" }, ...window, value: 2.5 },
    ]);
    expect(await postOtlpJson(plain.otlpHttpUrl, "metrics", body)).toBe(200);
    expect(await postOtlpJson(plain.otlpHttpUrl, "metrics", costRequest(OURS, [{ attrs: { project: "shop-api", model: "m-2" }, ...window, value: 7 }]))).toBe(200);

    const alice = await waitForQuery(prometheus.url, 'claude_code_cost_usage_USD_total{instance="alice"}');
    expect(alice.map((s) => s.metric)).toEqual([
      {
        __name__: "claude_code_cost_usage_USD_total",
        gateway: "gw1",
        instance: "alice",
        job: "claude-code-otel",
        model: "claude-sonnet-4-6",
        otel_scope_name: "test",
        project: "shop-api",
        source: "claude-code-otel",
      },
    ]);
    expect(alice.map((s) => Number(s.value[1]))).toEqual([4]);
    // No user.id on the resource: the agent names its machine.
    const machine = await waitForQuery(prometheus.url, 'claude_code_cost_usage_USD_total{model="m-2"}');
    expect(machine.map((s) => [s.metric["instance"], Number(s.value[1])])).toEqual([["agent-plain", 7]]);
  }, 60_000);

  it("Claude Code's own points lose their session, account and e-mail labels, and overlapping sessions lose nothing", async () => {
    const attrs = (session: string): Attrs => ({
      model: "claude-sonnet-4-6",
      query_source: "main",
      "session.id": session,
      "user.id": "anon-install-1",
      "user.email": "dev@example.com",
      "user.account_uuid": "0b5e2f6e-9d0c-4a1e-8c55-2d2b0c3b8f11",
      "organization.id": "org-1",
      "terminal.type": "vscode",
    });
    // Two Claude Code processes of one user, exporting every minute from their own start: once
    // session.id is gone they are one stream, whose points arrive out of their own time order.
    const sends: [string, number, number, number][] = [
      ["a", 10_000, 70_000, 1],
      ["b", 0, 60_000, 2], // starts before the stream's first start
      ["a", 70_000, 130_000, 0.5],
      ["b", 60_000, 120_000, 0.25], // ends before the stream's last point
    ];
    for (const [session, start, end, value] of sends) {
      expect(await postOtlpJson(plain.otlpHttpUrl, "metrics", costRequest(NATIVE, [{ attrs: attrs(session), startMs: T0 + start, timeMs: T0 + end, value }]))).toBe(200);
      // Separate processes: separate requests, not within one millisecond (Prometheus keeps one sample per millisecond).
      await new Promise((r) => setTimeout(r, 5));
    }
    const samples = await waitForQuery(prometheus.url, 'claude_code_cost_usage_USD_total{source="claude-code"}', {
      predicate: (s) => s.length === 1 && Number(s[0]?.value[1]) >= 3.75,
    });
    expect(samples.map((s) => s.metric)).toEqual([
      {
        __name__: "claude_code_cost_usage_USD_total",
        gateway: "gw1",
        instance: "agent-plain",
        job: "claude-code",
        model: "claude-sonnet-4-6",
        otel_scope_name: "test",
        query_source: "main",
        source: "claude-code",
      },
    ]);
    expect(Number(samples[0]?.value[1])).toBe(3.75);
  }, 60_000);

  it("opt-in: a hashed `user` label, and projects outside the allowlist summed as `other`", async () => {
    const window = { startMs: T0, timeMs: T0 + 2_000 };
    const body = costRequest({ ...OURS, "user.id": "bob" }, [
      { attrs: { project: "shop-api", model: "m-3" }, ...window, value: 1 },
      { attrs: { project: "secret-x", model: "m-3" }, ...window, value: 2 },
      { attrs: { project: "secret-y", model: "m-3" }, ...window, value: 3 },
    ]);
    expect(await postOtlpJson(strict.otlpHttpUrl, "metrics", body)).toBe(200);
    const got = await waitForQuery(prometheus.url, 'claude_code_cost_usage_USD_total{model="m-3"}', { predicate: (s) => s.length === 2 });
    const rows = got.map((s) => ({ project: s.metric["project"], user: s.metric["user"], instance: s.metric["instance"], value: Number(s.value[1]) }));
    expect(rows.sort((a, b) => String(a.project).localeCompare(String(b.project)))).toEqual([
      { project: "other", user: hash16("bob"), instance: hash16("bob"), value: 5 },
      { project: "shop-api", user: hash16("bob"), instance: hash16("bob"), value: 1 },
    ]);
    expect(await queryVector(prometheus.url, 'target_info{instance="bob"} or {user="bob"}')).toEqual([]);
  }, 60_000);
});
