// Prometheus scrape configs and rules, checked by the real promtool: config and
// rule syntax, the promtool unit tests in prometheus/tests, and our own
// contracts (every rule tested both ways, severities, annotations, source).
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SESSION_COST_BUCKETS_USD } from "../support/exposition.js";
import { PROMETHEUS_DIR, RULES_FILE, requireTool, runTool } from "../support/prometheus.js";
import { COLLECTOR_SERIES } from "../support/prometheus-series.js";

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: Array<{ name: string; interval?: string; rules: Rule[] }>;
}
interface UnitTestFile {
  rule_files: string[];
  tests: Array<{
    name?: string;
    alert_rule_test?: Array<{ alertname: string; eval_time: string; exp_alerts?: Array<{ exp_labels?: Record<string, string> }> }>;
    promql_expr_test?: Array<{ expr: string }>;
  }>;
}

const TESTS_DIR = join(PROMETHEUS_DIR, "tests");
const testFiles = readdirSync(TESTS_DIR)
  .filter((f) => f.endsWith(".test.yml"))
  .sort();
const rules = (parse(readFileSync(RULES_FILE, "utf8")) as RuleFile).groups.flatMap((g) => g.rules);
const alerts = rules.filter((r) => r.alert);
const records = rules.filter((r) => r.record);
const unitTests = testFiles.map((f) => parse(readFileSync(join(TESTS_DIR, f), "utf8")) as UnitTestFile);

/** Metric names that only we write, and names shared with Claude Code's own telemetry (not label names in quotes, as label_replace takes them). */
const RAW_METRIC = /(?<![:\w"])((?:claude_code|gen_ai)_[A-Za-z_]+)(?![:\w])(\{[^}]*\})?/g;

const promtool = requireTool("promtool");

describe.skipIf(!promtool)("promtool", () => {
  const bin = promtool ?? "promtool";

  it.each(["prometheus.yml", "prometheus.compose.yml"])("check config %s", (file) => {
    const r = runTool(bin, ["check", "config", file], PROMETHEUS_DIR);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/SUCCESS: 1 rule files found/);
  });

  it("check rules", () => {
    const r = runTool(bin, ["check", "rules", RULES_FILE]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it("test rules: every unit test file passes", () => {
    const r = runTool(bin, ["test", "rules", ...testFiles], TESTS_DIR);
    expect(r.code, r.output).toBe(0);
    expect(r.output.match(/SUCCESS/g)?.length, r.output).toBe(testFiles.length);
  }, 240_000);

  describe("the unit tests catch a broken rule", () => {
    const dir = mkdtempSync(join(tmpdir(), "cco-rules-mutant-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.each([
      ["failure threshold 3% -> 30%", "> 0.03", "> 0.3", "tool-failures.test.yml"],
      ["source filter removed", 'source="claude-code-otel"', 'source=~".+"', "cache-hit-ratio.test.yml"],
      ["new-series window shrunk to 1m (first values lost)", " offset 1h)", " offset 1m)", "session-cost.test.yml"],
      ["event counts not rounded (extrapolation makes 1 read as 1.003)", "round(sum by (project) (", "(sum by (project) (", "compactions.test.yml"],
      ["overcount not subtracted (daily cost above the ledger)", "claude_code_cost_overcount_USD_total", "claude_code_no_such_series_total", "daily-cost.test.yml"],
      ["GenAI histograms summed without le (no quantile left)", "sum by (project, gen_ai_agent_name, le) (", "sum by (project, gen_ai_agent_name) (", "genai.test.yml"],
      [
        "re-reads counted per project only (sessions merged)",
        "round(sum by (project, session_id) (\n              (claude_code_compaction_rereads_total",
        "round(sum by (project) (\n              (claude_code_compaction_rereads_total",
        "compaction-rereads.test.yml",
      ],
      ["re-reads per compaction threshold 2 -> 4", "ratio6h >= 2", "ratio6h >= 4", "compaction-rereads.test.yml"],
      ["silent hooks: regular use 8 hours -> 2", "active_hours:count7d >= 8", "active_hours:count7d >= 2", "telemetry-health.test.yml"],
      [
        "outbox alert without growth",
        'claude_code_telemetry_outbox_requests{source="claude-code-otel"}[1h]) and on (host, user, component, version) host_user_component_version:claude_code_telemetry_heartbeat_latest:seconds) > 0',
        'claude_code_telemetry_outbox_requests{source="claude-code-otel"}[1h]) and on (host, user, component, version) host_user_component_version:claude_code_telemetry_heartbeat_latest:seconds) >= 0',
        "telemetry-health.test.yml",
      ],
      [
        "an older version's gauges read after an upgrade",
        " and on (host, user, component, version) host_user_component_version:claude_code_telemetry_heartbeat_latest:seconds",
        "",
        "telemetry-health.test.yml",
      ],
    ])(
      "%s",
      (_name, from, to, testFile) => {
        mkdirSync(join(dir, "rules"), { recursive: true });
        mkdirSync(join(dir, "tests"), { recursive: true });
        const source = readFileSync(RULES_FILE, "utf8");
        expect(source).toContain(from);
        writeFileSync(join(dir, "rules", "claude-code.rules.yml"), source.split(from).join(to));
        copyFileSync(join(TESTS_DIR, testFile), join(dir, "tests", testFile));
        const r = runTool(bin, ["test", "rules", testFile], join(dir, "tests"));
        // 1 = a unit test failed (a timeout, code null, must not count as catching the mutant).
        expect(r.code, r.output).toBe(1);
      },
      240_000,
    );
  });
});

describe("rule contracts", () => {
  it("every alert has a severity, a summary, a description and a runbook", () => {
    expect(alerts.length).toBeGreaterThanOrEqual(5);
    for (const a of alerts) {
      expect(["warning", "critical"], a.alert).toContain(a.labels?.["severity"]);
      for (const key of ["summary", "description", "runbook"]) {
        expect((a.annotations?.[key] ?? "").length, `${a.alert} ${key}`).toBeGreaterThan(20);
      }
    }
  });

  it("covers the required alerts", () => {
    expect(new Set(alerts.map((a) => a.alert))).toEqual(
      new Set([
        "ClaudeCodeSessionCostHigh",
        "ClaudeCodeToolFailureRateHigh",
        "ClaudeCodeCompactionsPerSessionHigh",
        "ClaudeCodeCompactionRereadsHigh",
        "ClaudeCodeCacheHitRatioLow",
        "ClaudeCodeDailyCostAnomaly",
        "ClaudeCodeMetricOverflow",
        "ClaudeCodeTelemetrySilent",
        "ClaudeCodeHookErrors",
        "ClaudeCodeOutboxGrowing",
        "ClaudeCodeTelemetryDisagrees",
      ]),
    );
    const toolFailure = alerts.filter((a) => a.alert === "ClaudeCodeToolFailureRateHigh");
    expect(toolFailure.map((a) => [a.labels?.["severity"], /> (0\.\d+)/.exec(a.expr)?.[1]])).toEqual([
      ["warning", "0.03"],
      ["critical", "0.07"],
    ]);
    for (const a of toolFailure) expect(a.expr, "minimum call count").toMatch(/>= 20/);
    expect(rules.some((r) => /quantile_over_time\(0\.5, project:claude_code_cost_USD:increase1d\[7d/.test(r.expr))).toBe(true);
  });

  it('selects source="claude-code-otel" on every raw metric, so shared names are never counted twice; Claude Code\'s own events, counted by the collector, as source="claude-code"', () => {
    for (const r of rules) {
      // Label names in by (...) / without (...) are not metrics (gen_ai_request_model).
      const selectors = [...r.expr.replace(/\b(?:by|without)\s*\([^)]*\)/g, "").matchAll(RAW_METRIC)];
      for (const m of selectors) {
        const source = m[1]?.startsWith("claude_code_native_") ? 'source="claude-code"' : 'source="claude-code-otel"';
        expect(m[2] ?? "", `${r.record ?? r.alert}: ${m[0]}`).toContain(source);
      }
    }
  });

  it("reads only series the collector writes for us (the names of src/semconv/metrics.ts, as prometheus-series.ts spells them)", () => {
    for (const r of rules) {
      const names = [...r.expr.replace(/\b(?:by|without)\s*\([^)]*\)/g, "").matchAll(RAW_METRIC)].map((m) => m[1] ?? "");
      for (const name of names) expect(COLLECTOR_SERIES, `${r.record ?? r.alert}: ${name}`).toContain(name);
    }
  });

  it("uses session cost thresholds that are bucket boundaries of the client's histogram", () => {
    const thresholds = alerts.filter((a) => a.alert === "ClaudeCodeSessionCostHigh").map((a) => Number(/le=~"(\d+)\|/.exec(a.expr)?.[1]));
    expect(thresholds).toEqual([10, 50]);
    for (const t of thresholds) expect(SESSION_COST_BUCKETS_USD).toContain(t);
    for (const a of alerts.filter((x) => x.alert === "ClaudeCodeSessionCostHigh")) expect(a.labels?.["threshold_usd"]).toBeDefined();
  });

  it("every alert (each severity) has a firing and a not-firing promtool case", () => {
    const cases = unitTests.flatMap((u) => u.tests.flatMap((t) => t.alert_rule_test ?? []));
    for (const a of alerts) {
      const mine = cases.filter((c) => c.alertname === a.alert);
      const severity = a.labels?.["severity"];
      expect(
        mine.some((c) => (c.exp_alerts ?? []).some((e) => e.exp_labels?.["severity"] === severity)),
        `${a.alert} (${severity}) never expected to fire`,
      ).toBe(true);
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length === 0),
        `${a.alert} never expected to stay quiet`,
      ).toBe(true);
    }
  });

  it("every recording rule is checked by a promql_expr_test", () => {
    const exprs = unitTests.flatMap((u) => u.tests.flatMap((t) => (t.promql_expr_test ?? []).map((p) => p.expr)));
    for (const r of records) {
      expect(
        exprs.some((e) => e.includes(r.record ?? "")),
        `${r.record} has no promql_expr_test`,
      ).toBe(true);
    }
  });

  it("every unit test file loads the shipped rules file", () => {
    for (const u of unitTests) expect(u.rule_files).toEqual(["../rules/claude-code.rules.yml"]);
  });
});
