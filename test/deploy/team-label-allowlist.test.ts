// The team agent's label governance (collector/team/agent.yaml), per metric, against every label
// our metrics write: the mapping of every recording the project has (each release's fixtures, the
// cost and insights corpora, the demo), the heartbeat's gauges of both components, and failed
// hooks. What the agent drops is exactly the opt-in ids; the health labels stay on the health
// metrics only. collector-team.test.ts proves the same rules on the real binaries.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { sessionToMetricPoints } from "../../src/mapping/map-metrics.js";
import { heartbeatMetrics } from "../../src/sdk/heartbeat-metrics.js";
import { HEALTH_METRIC, METRIC } from "../../src/semconv/names.js";
import { agentKeepRules, keptKeys } from "../support/agent-labels.js";
import { BASE_CONFIG, TEAM } from "../support/collector.js";
import { EXAMPLES, FIXTURES_DIR, recording, type Recording } from "../support/recorded-fixtures.js";
import { loadAllSessions } from "../support/sessions.js";

const RECORDINGS: Recording[] = [
  ...readdirSync(FIXTURES_DIR)
    .filter((d) => existsSync(join(FIXTURES_DIR, d, "recording.json")))
    .sort()
    .map((d) => recording(join(FIXTURES_DIR, d))),
  EXAMPLES,
];
const rules = agentKeepRules(TEAM.agent);
const HEALTH_LABELS = ["host", "component", "version", "hook_event", "hook"];

/** Every attribute key our metrics write, by OTLP metric name. */
async function writtenKeys(): Promise<Map<string, Set<string>>> {
  const byMetric = new Map<string, Set<string>>();
  const add = (metric: string, keys: Iterable<string>): void => {
    const set = byMetric.get(metric) ?? new Set<string>();
    for (const k of keys) set.add(k);
    byMetric.set(metric, set);
  };
  for (const r of RECORDINGS) {
    for (const session of await loadAllSessions(r.projects)) {
      for (const p of sessionToMetricPoints(session, { final: true, includeSessionId: true, legacyGenAiNames: true })) add(METRIC[p.metric].name, Object.keys(p.attributes));
    }
  }
  for (const component of ["hooks", "watch"] as const) {
    const snapshot = { component, host: "dev-laptop-7", user: "dev-7", timeMs: 1, outboxRequests: 0, outboxBytes: 0, outboxAgeMs: 0, spoolTriggers: 0, logErrors: 0 };
    for (const scope of heartbeatMetrics(snapshot, resourceFromAttributes({ "user.id": "dev-7" })).scopeMetrics) {
      for (const m of scope.metrics)
        add(
          m.descriptor.name,
          m.dataPoints.flatMap((d) => Object.keys(d.attributes)),
        );
    }
  }
  return byMetric;
}

describe("team agent: labels governed per metric", () => {
  it("reads every recording the project has", () => {
    expect(RECORDINGS.map((r) => r.dir.split("/").slice(-1)[0])).toEqual(
      expect.arrayContaining([
        "claude-code-1.0.128",
        "claude-code-2.0.55",
        "claude-code-2.1.17",
        "claude-code-2.1.330",
        "claude-code-2.1.332",
        "insights-2.1.330",
        "models-2.1.330",
        "examples",
      ]),
    );
  });

  it("keeps every label our metrics write, bar the opt-in session id and the heartbeat's user", async () => {
    const byMetric = await writtenKeys();
    // The sources reach the metrics these rules are for: hook errors (insights' hooks-fail), every heartbeat gauge.
    expect(byMetric.get(METRIC.hookErrors.name)).toEqual(new Set(["project", "hook_event", "hook", "session.id"]));
    for (const def of Object.values(HEALTH_METRIC)) expect(byMetric.get(def.name), def.name).toEqual(new Set(["component", "host", "version", "user"]));
    const dropped = [...byMetric].flatMap(([metric, keys]) => {
      const kept = new Set(keptKeys(rules, metric, keys));
      return [...keys].filter((k) => !kept.has(k)).map((k) => `${metric} ${k}`);
    });
    const optIn = [...byMetric].flatMap(([metric, keys]) =>
      [...keys].filter((k) => k === "session.id" || (k === "user" && metric.startsWith("claude_code.telemetry."))).map((k) => `${metric} ${k}`),
    );
    expect(dropped.sort()).toEqual(optIn.sort());
    expect(byMetric.size).toBeGreaterThan(20);
  });

  it("the machine, component, version and hook labels stay off every other metric (ours and Claude Code's own)", () => {
    const others = [
      ...Object.values(METRIC)
        .map((d) => d.name)
        .filter((n) => n !== METRIC.hookErrors.name),
      // Claude Code's own, and its requests as the agent counts them.
      "claude_code.cost.usage",
      "claude_code.token.usage",
      "claude_code.lines_of_code.count",
      "claude_code.active_time.total",
      "claude_code.native.api_request.count",
    ];
    for (const metric of others) expect(keptKeys(rules, metric, [...HEALTH_LABELS, "user", "session.id"]), metric).toEqual([]);
    expect(keptKeys(rules, METRIC.hookErrors.name, [...HEALTH_LABELS, "user"])).toEqual(["hook_event", "hook"]);
    for (const def of Object.values(HEALTH_METRIC)) expect(keptKeys(rules, def.name, [...HEALTH_LABELS, "user"]), def.name).toEqual(["host", "component", "version"]);
  });
});

describe("team agent: Claude Code's requests counted where they arrive", () => {
  const agent = parse(readFileSync(TEAM.agent, "utf8")) as Record<string, Record<string, unknown>>;
  const base = parse(readFileSync(BASE_CONFIG, "utf8")) as Record<string, Record<string, unknown>>;

  it("the agent counts them as the single collector does, into its governed metrics, and sends no logs on", () => {
    expect(agent["connectors"]?.["count/claude_code_native"]).toEqual(base["connectors"]?.["count/claude_code_native"]);
    const pipelines = agent["service"]?.["pipelines"] as Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>;
    expect(pipelines["logs/claude_code_native"]).toEqual({ receivers: ["otlp"], processors: ["memory_limiter"], exporters: ["count/claude_code_native"] });
    expect(pipelines["metrics"]?.receivers).toEqual(["otlp", "count/claude_code_native"]);
    expect(pipelines["metrics"]?.processors[1]).toBe("transform/cardinality");
    // No pipeline exports logs to the gateways (theirs would count the events a second time).
    expect(Object.keys(pipelines).filter((name) => name.startsWith("logs") && pipelines[name]?.exporters.some((e) => !e.startsWith("count/")))).toEqual([]);
  });

  it("one default list, written the same in every per-metric statement", () => {
    const defaults = [...readFileSync(TEAM.agent, "utf8").matchAll(/\$\{env:OTELCOL_METRIC_LABELS:-([^}]*)\}/g)].map((m) => m[1]);
    expect(defaults).toHaveLength(3);
    expect(new Set(defaults).size).toBe(1);
  });
});
