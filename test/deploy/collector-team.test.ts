// The team kit's metric governance on the real binaries: agents (collector/team/agent.yaml) in
// front of a gateway (config.yaml + team/gateway.yaml) that remote-writes to Debian's Prometheus.
// Hand-built OTLP requests with ids on them (ours with an opted-in session.id, Claude Code's own
// with its default session, account and e-mail attributes) come out of Prometheus with only the
// allowed labels, summed where they became equal, and exact: Claude Code's overlapping writers
// (two sessions of one user, now one stream) lose nothing. The health labels per metric: the
// heartbeat keeps its machine, failed hooks their hook, a cost point neither (team-label-allowlist
// .test.ts checks the same rules against every label our metrics write).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { OtlpDestination } from "../../src/delivery/destination.js";
import { resolveDestination } from "../../src/delivery/destination.js";
import { postHeartbeat } from "../../src/delivery/heartbeat.js";
import { buildResource } from "../../src/sdk/resource.js";
import { packageVersion } from "../../src/util/package-version.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_CONFIG, TEAM, requireCollector, startCollector, type RunningCollector } from "../support/collector.js";
import { metricsRequest, nanos, postOtlpJson, type Attrs } from "../support/otlp-json.js";
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

  it("per metric: the heartbeat keeps host, component and version, hook errors their hook; a cost point keeps neither", async () => {
    const window = { startMs: T0, timeMs: T0 + 3_000 };
    const machine = { host: "laptop-7", component: "watch", version: "9.9.9", hook_event: "PostToolUse", hook: "claude-code-otel" };
    const send = async (agent: RunningCollector, user: string): Promise<void> => {
      const destination = resolveDestination({ endpoint: agent.otlpHttpUrl }, {}, {}) as OtlpDestination;
      const snapshot = { component: "watch" as const, host: "laptop-7", user, timeMs: T0, outboxRequests: 0, outboxBytes: 0, outboxAgeMs: 0, spoolTriggers: 0, logErrors: 0 };
      expect(await postHeartbeat(destination, snapshot, buildResource({ OTEL_RESOURCE_ATTRIBUTES: `user.id=${user}` }))).toEqual({ kind: "ok", status: 200 });
      const points = [
        { kind: "sum" as const, name: "claude_code.hook.errors", unit: "{error}", value: 2, attributes: { project: "shop-api", ...machine }, ...window },
        { kind: "sum" as const, name: "claude_code.cost.usage", unit: "USD", value: 0.5, attributes: { project: "shop-api", model: "m-host", ...machine }, ...window },
      ];
      expect(await postOtlpJson(agent.otlpHttpUrl, "metrics", metricsRequest(points, { ...OURS, "user.id": user }))).toBe(200);
    };
    await send(plain, "carol");
    await send(strict, "dave");

    const heartbeats = await waitForQuery(prometheus.url, 'claude_code_telemetry_heartbeat_seconds{host="laptop-7"}', { predicate: (s) => s.length === 2 });
    const common = {
      __name__: "claude_code_telemetry_heartbeat_seconds",
      component: "watch",
      gateway: "gw1",
      host: "laptop-7",
      job: "claude-code-otel",
      source: "claude-code-otel",
    };
    const scope = { otel_scope_name: "claude-code-otel", otel_scope_version: packageVersion(), version: packageVersion() };
    expect(heartbeats.map((s) => s.metric).sort((a, b) => String(a["instance"]).localeCompare(String(b["instance"])))).toEqual(
      [
        // The default list: no user label.
        { ...common, ...scope, instance: "carol" },
        // Users opted in, hashed: the heartbeat's own `user` too.
        { ...common, ...scope, instance: hash16("dave"), user: hash16("dave") },
      ].sort((a, b) => a.instance.localeCompare(b.instance)),
    );
    expect(heartbeats.map((s) => Number(s.value[1]))).toEqual([T0 / 1000, T0 / 1000]);

    const hookErrors = await waitForQuery(prometheus.url, 'claude_code_hook_errors_total{instance="carol"}');
    expect(hookErrors.map((s) => [s.metric, Number(s.value[1])])).toEqual([
      [
        {
          __name__: "claude_code_hook_errors_total",
          gateway: "gw1",
          hook: "claude-code-otel",
          hook_event: "PostToolUse",
          instance: "carol",
          job: "claude-code-otel",
          otel_scope_name: "test",
          project: "shop-api",
          source: "claude-code-otel",
        },
        2,
      ],
    ]);
    const costs = await waitForQuery(prometheus.url, 'claude_code_cost_usage_USD_total{model="m-host"}', { predicate: (s) => s.length === 2 });
    expect(costs.map((s) => Object.keys(s.metric).sort()).sort((a, b) => a.length - b.length)).toEqual([
      ["__name__", "gateway", "instance", "job", "model", "otel_scope_name", "project", "source"],
      ["__name__", "gateway", "instance", "job", "model", "otel_scope_name", "project", "source", "user"],
    ]);
    expect(await queryVector(prometheus.url, '{host!=""} unless {__name__=~"claude_code_telemetry_.+"}')).toEqual([]);
  }, 60_000);
});
