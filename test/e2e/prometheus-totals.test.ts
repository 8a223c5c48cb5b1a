/**
 * The deployment, end to end with real processes on loopback: our collector build and config,
 * Debian's Prometheus scraping it with prometheus/prometheus.yml and the alert rules loaded.
 * Five recorded 2.1.330 sessions (test/fixtures) go through `replay`; the long one through a
 * burst of concurrent `claude-code-otel hook` processes and their flusher. Prometheus totals must
 * equal `report --json` exactly (the cost counter too: Claude Code's ledger), and every dashboard
 * panel query must run and return data. Needs the built collector and Prometheus (skips on a
 * laptop without them, fails under CI=true).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_CONFIG, requireCollector, startCollector } from "../support/collector.js";
import type { RunningCollector } from "../support/collector.js";
import { checkDashboardQueries, formatDashboardReport } from "../support/dashboards.js";
import { RULES_FILE, queryTotal, requireTool, startPrometheus, waitForQuery } from "../support/prometheus.js";
import type { RunningPrometheus } from "../support/prometheus.js";
import { runCli } from "../support/cli.js";
import type { ToolStats } from "../../src/report/report-data.js";
import { CC_2_1_330 } from "../support/recorded-fixtures.js";
import type { HookWorld } from "../support/hook-harness.js";
import { makeHookWorld, requireBuild, runFlush, runHook, waitForQuiet } from "../support/hook-harness.js";

const collectorBin = requireCollector();
const prometheusBin = requireTool("prometheus");
const HOOKED_SESSION = CC_2_1_330.sessionId("long");
const OURS = 'source="claude-code-otel"';

interface ReportTotals {
  sessions: number;
  costUsd: number;
  turns: number;
  toolCalls: number;
  toolFailures: number;
  compactions: number;
  tokens: Record<string, number>;
}

describe.runIf(collectorBin !== undefined && prometheusBin !== undefined)("collector → Prometheus totals equal report --json", () => {
  let collector: RunningCollector;
  let prometheus: RunningPrometheus;
  let world: HookWorld;
  let report: ReportTotals;
  /** Each tool's calls' attributed cost (report --json topToolsByCost). */
  let toolCost: Map<string, number>;

  beforeAll(async () => {
    requireBuild();
    collector = await startCollector({ configs: [BASE_CONFIG] });
    prometheus = await startPrometheus({ scrapeTarget: collector.prometheusTarget, ruleFiles: [RULES_FILE] });
    world = makeHookWorld({ endpoint: collector.otlpHttpUrl });
    const r = await runCli(["report", "--json", "--projects-dir", world.projects]);
    expect(r.code).toBe(0);
    const data = JSON.parse(r.stdout) as { totals: ReportTotals; topToolsByCost: ToolStats[] };
    report = data.totals;
    toolCost = new Map(data.topToolsByCost.map((t) => [t.tool, t.costUsd]));
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await collector?.stop();
    world?.cleanup();
  });

  it("replay and concurrent hooks land in Prometheus exactly once", async () => {
    // Hooks first, all at once (parallel tool calls fire parallel hooks), then their flush.
    const payloads = world.payloads.filter((p) => p["session_id"] === HOOKED_SESSION);
    const results = await Promise.all(payloads.map((p) => runHook(world.env, JSON.stringify(p))));
    for (const r of results) expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: "" });
    await waitForQuiet(world);
    const flush = await runFlush(world.env);
    expect(flush.code, flush.stderr).toBe(0);

    // Everything else by replay into the same state: the hooked session is not sent twice.
    const replay = await runCli(["replay", "--projects-dir", world.projects, "--endpoint", collector.otlpHttpUrl, "--idle-minutes", "0"], { env: world.env });
    expect(replay.code, replay.stderr).toBe(0);

    await waitForQuery(prometheus.url, `sum(claude_code_session_count_total{${OURS}}) == ${report.sessions}`, { timeoutMs: 60_000 });
    // One more scrape so the last batch is in.
    await new Promise((r) => setTimeout(r, 2_500));

    expect(await queryTotal(prometheus.url, `sum(claude_code_session_count_total{${OURS}})`)).toBe(report.sessions);
    // The cost counter and the session-cost histogram: report --json's cost (Claude Code's ledger).
    expect(Math.abs((await queryTotal(prometheus.url, `sum(claude_code_cost_usage_USD_total{${OURS}})`)) - report.costUsd)).toBeLessThan(1e-6);
    expect(Math.abs((await queryTotal(prometheus.url, `sum(claude_code_session_cost_USD_sum{${OURS}})`)) - report.costUsd)).toBeLessThan(1e-6);
    for (const type of ["input", "output", "cacheRead", "cacheCreation"]) {
      expect(await queryTotal(prometheus.url, `sum(claude_code_token_usage_tokens_total{${OURS},type="${type}"})`), type).toBe(report.tokens[type]);
    }
    expect(await queryTotal(prometheus.url, `sum(claude_code_tool_calls_total{${OURS}})`)).toBe(report.toolCalls);
    expect(await queryTotal(prometheus.url, `sum(claude_code_tool_calls_total{${OURS},outcome="failure"})`)).toBe(report.toolFailures);
    expect(await queryTotal(prometheus.url, `sum(claude_code_tool_calls_total{${OURS},outcome="success"})`)).toBe(report.toolCalls - report.toolFailures);
    expect(await queryTotal(prometheus.url, `sum(claude_code_compaction_count_total{${OURS}})`)).toBe(report.compactions);
    expect(await queryTotal(prometheus.url, `sum(claude_code_turn_count_total{${OURS}})`)).toBe(report.turns);
    expect(await queryTotal(prometheus.url, `sum(claude_code_session_cost_USD_count{${OURS}})`)).toBe(report.sessions);
    // Cost per tool: what report --json attributes to each tool's calls, a part of the cost.
    expect(toolCost.size).toBeGreaterThan(0);
    for (const [name, usd] of toolCost) {
      expect(Math.abs((await queryTotal(prometheus.url, `sum(claude_code_tool_cost_USD_total{${OURS},tool_name="${name}"})`)) - usd), name).toBeLessThan(1e-6);
    }
    expect(await queryTotal(prometheus.url, `sum(claude_code_tool_cost_USD_total{${OURS}})`)).toBeLessThanOrEqual(report.costUsd);
  }, 180_000);

  it("every dashboard panel query runs against that Prometheus and returns data", async () => {
    const result = await checkDashboardQueries(prometheus.url);
    expect(result.checked).toBeGreaterThan(0);
    expect(result.problems, formatDashboardReport(result)).toEqual([]);
  }, 120_000);
});
