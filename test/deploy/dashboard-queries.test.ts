// Every panel query of every dashboard, run against a real Prometheus that
// scrapes a stand-in exporter serving the documented series; the rules file is
// loaded too, so its recording rules and one alert are proven on the real server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allPanels, checkDashboardQueries, formatDashboardReport, loadDashboards, substituteVariables } from "../support/dashboards.js";
import { startExpositionServer, type ExpositionServer } from "../support/exposition.js";
import { RULES_FILE, promBinary, queryInstant, queryVector, requireTool, startPrometheus, waitForQuery, type RunningPrometheus } from "../support/prometheus.js";

const available = requireTool("prometheus", "PROMETHEUS_BIN") !== undefined && promBinary() !== undefined;

describe.skipIf(!available)("dashboards against a real Prometheus", () => {
  let exporter: ExpositionServer;
  let prom: RunningPrometheus;

  beforeAll(async () => {
    exporter = await startExpositionServer();
    prom = await startPrometheus({ scrapeTarget: exporter.target, ruleFiles: [RULES_FILE] });
    // A few scrapes, so that rate() and increase() have two points or more.
    await waitForQuery(prom.url, 'count_over_time(up{job="otel-collector"}[1m]) >= 4', { timeoutMs: 30_000 });
  });

  afterAll(async () => {
    await prom?.stop();
    await exporter?.close();
  });

  it("scrapes the exporter through the shipped scrape config (honor_labels keeps job/instance)", async () => {
    const up = await queryVector(prom.url, "up");
    expect(up.map((s) => [s.metric["job"], s.value[1]])).toEqual([["otel-collector", "1"]]);
  });

  it("runs every panel query with variables set to All and gets data for each", async () => {
    const report = await checkDashboardQueries(prom.url, { range: "5m", rateInterval: "30s", interval: "30s", stepSeconds: 5 });
    const expected = loadDashboards().reduce((n, d) => n + allPanels(d.json).reduce((m, p) => m + (p.targets ?? []).length, 0), 0);
    expect(report.checked).toBe(expected);
    expect(report.problems, formatDashboardReport(report)).toEqual([]);
    // The fixture carries session_id on one session, so the optional table has data too.
    expect(report.optionalEmpty, formatDashboardReport(report)).toEqual([]);
    expect(report.nanOnly, formatDashboardReport(report)).toEqual([]);
  });

  it("'Most expensive sessions, by project' reads the histogram right: counts, thresholds and the costliest session's bucket", async () => {
    const sessions = loadDashboards().find((d) => d.json.uid === "claude-code-sessions");
    const panel = allPanels(sessions?.json ?? { schemaVersion: 39 }).find((p) => p.title === "Most expensive sessions, by project");
    expect(panel).toBeDefined();
    const byRef: Record<string, Record<string, number>> = {};
    for (const t of panel?.targets ?? []) {
      const samples = await queryVector(prom.url, substituteVariables(String(t.expr), { range: "1h" }));
      byRef[t.refId ?? "?"] = Object.fromEntries(samples.map((s) => [s.metric["project"] ?? "?", Number(s.value[1])]));
    }
    // The fixture: alpha's sessions cost $0.40 and $3, beta's also one of $15 (see support/exposition.ts).
    const count = byRef["A"] ?? {};
    expect(Object.keys(count).sort()).toEqual(["alpha", "beta"]);
    expect((count["beta"] ?? 0) - (count["alpha"] ?? 0)).toBe(1);
    expect(byRef["B"]).toEqual({ alpha: 0, beta: 1 });
    expect(byRef["C"]).toEqual({ alpha: 0, beta: 0 });
    expect(byRef["D"]).toEqual({ alpha: 5, beta: 20 });
    const cost = byRef["E"] ?? {};
    expect((cost["beta"] ?? 0) - (cost["alpha"] ?? 0)).toBeCloseTo(15, 6);
  });

  it("cost panels show the counter minus what ledgers took back (claude_code_cost_overcount_USD_total), per model and per project", async () => {
    const overview = loadDashboards().find((d) => d.json.uid === "claude-code-overview");
    const expr = (title: string): string => {
      const panel = allPanels(overview?.json ?? { schemaVersion: 39 }).find((p) => p.title === title);
      return substituteVariables(String(panel?.targets?.[0]?.expr), { range: "1h" });
    };
    // One evaluation time for every query, so they all read the same scrape.
    const at = Date.now() / 1000 - 2;
    const values = async (query: string, label: string): Promise<Record<string, number>> => {
      const r = await queryInstant(prom.url, query, at);
      return Object.fromEntries((r.resultType === "vector" ? r.result : []).map((s) => [s.metric[label] ?? "", Number(s.value[1])]));
    };
    const usage = await values('sum by (model) (claude_code_cost_usage_USD_total{model!=""})', "model");
    const over = await values("sum by (model) (claude_code_cost_overcount_USD_total)", "model");
    // Every series started within the hour, so "cost over 1h" is the counters' values.
    expect(Object.keys(over)).toEqual(["claude-opus-4-1"]);
    expect(over["claude-opus-4-1"]).toBeGreaterThan(0.3 - 1e-9);
    const byModel = await values(expr("Cost by model"), "model");
    expect(Object.keys(byModel).sort()).toEqual(["claude-opus-4-1", "claude-sonnet-4-5"]);
    expect(byModel["claude-opus-4-1"]).toBeCloseTo(usage["claude-opus-4-1"]! - over["claude-opus-4-1"]!, 9);
    expect(byModel["claude-sonnet-4-5"]).toBeCloseTo(usage["claude-sonnet-4-5"]!, 9);
    const byProject = await values(expr("Cost by project"), "project");
    const projectUsage = await values('sum by (project) (claude_code_cost_usage_USD_total{model!=""})', "project");
    expect(byProject["alpha"]).toBeCloseTo(projectUsage["alpha"]! - over["claude-opus-4-1"]!, 9);
    expect(byProject["beta"]).toBeCloseTo(projectUsage["beta"]!, 9);
  });

  it("reports a broken query and an empty panel by title", async () => {
    const [first] = loadDashboards();
    if (!first) throw new Error("no dashboards");
    const broken = structuredClone(first);
    broken.json.panels = [
      { id: 1, type: "stat", title: "Broken", targets: [{ refId: "A", expr: "sum(rate(claude_code_turn_count_total[$__range])", instant: true }] },
      { id: 2, type: "stat", title: "Nothing", targets: [{ refId: "A", expr: 'claude_code_turn_count_total{project="no-such-project"}', instant: true }] },
    ];
    const report = await checkDashboardQueries(prom.url, { dashboards: [broken] });
    expect(report.problems.map((p) => [p.panel, p.kind])).toEqual([
      ["Broken", "error"],
      ["Nothing", "empty"],
    ]);
  });

  it("evaluates the recording rules on the real server", async () => {
    const ratio = await waitForQuery(prom.url, "project:claude_code_tool_failure_ratio:ratio1h");
    expect(ratio.map((s) => s.metric["project"]).sort()).toEqual(["alpha", "beta"]);
    for (const s of ratio) expect(Number(s.value[1])).toBeGreaterThan(0.03);
    const cache = await waitForQuery(prom.url, "project:claude_code_cache_hit_ratio:ratio1h");
    // cacheRead 9000 / (100 + 9000 + 800) per second, our source only.
    for (const s of cache) expect(Number(s.value[1])).toBeCloseTo(9000 / 9900, 2);
    await waitForQuery(prom.url, "project:claude_code_cost_USD:increase1d");
  });

  it("fires ClaudeCodeSessionCostHigh for the project with a $15 session only", async () => {
    const alerts = await waitForQuery(prom.url, 'ALERTS{alertname="ClaudeCodeSessionCostHigh",alertstate="firing"}');
    expect(alerts.map((a) => [a.metric["project"], a.metric["severity"]])).toEqual([["beta", "warning"]]);
  });
});
