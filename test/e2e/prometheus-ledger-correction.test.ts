/**
 * The live correction, end to end through our collector and a real Prometheus: sessions exported
 * while running (before Claude Code wrote its ledger line), then finished. The requests went out
 * at their price (the library's: twice Claude Code's cache-read rate for claude-sonnet-5-5; none
 * for claude-fable-5-2); the ledger line's points correct them, so that in Prometheus
 * `claude_code_cost_usage_USD_total - claude_code_cost_overcount_USD_total` is Claude Code's
 * ledger, per model, and the counters never went down. Needs the built collector and Prometheus
 * (skips without them, fails under CI=true).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_CONFIG, requireCollector, startCollector } from "../support/collector.js";
import type { RunningCollector } from "../support/collector.js";
import { REPO_ROOT, queryTotal, queryVector, requireTool, startPrometheus, waitForQuery } from "../support/prometheus.js";
import type { RunningPrometheus } from "../support/prometheus.js";
import { runCli } from "../support/cli.js";
import { MODELS_2_1_330, copyIdleFixtures, lastLedger } from "../support/recorded-fixtures.js";

const collectorBin = requireCollector();
const prometheusBin = requireTool("prometheus");
const OURS = 'source="claude-code-otel"';
const LIVE = ["sonnet-5-5", "fable-5-2"];

describe.runIf(collectorBin !== undefined && prometheusBin !== undefined)("Prometheus: the cost of sessions exported live equals Claude Code's ledger", () => {
  let collector: RunningCollector;
  let prometheus: RunningPrometheus;
  let root: string;
  let home: string;

  beforeAll(async () => {
    collector = await startCollector({ configs: [BASE_CONFIG] });
    prometheus = await startPrometheus({ scrapeTarget: collector.prometheusTarget });
    home = mkdtempSync(join(tmpdir(), "cco-live-cost-home-"));
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await collector?.stop();
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it("live at the library's price, then the ledger line: usage minus overcount is the ledger, per model", async () => {
    const copy = copyIdleFixtures("cco-live-cost-", MODELS_2_1_330);
    root = copy.root;
    const env = { CLAUDE_CODE_OTEL_HOME: home };
    const args = ["--projects-dir", copy.projects, "--endpoint", collector.otlpHttpUrl, "--state-dir", join(root, "state")];
    // Running: the two sessions without the ledger line their Claude Code process writes at its end.
    const held = new Map<string, string>();
    for (const label of LIVE) {
      const file = join(copy.projects, MODELS_2_1_330.projectDir, `${MODELS_2_1_330.sessionId(label)}.jsonl`);
      const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
      held.set(file, lines.filter((l) => l.includes('"type":"cost-state"')).join("\n"));
      writeFileSync(file, `${lines.filter((l) => !l.includes('"type":"cost-state"')).join("\n")}\n`);
    }
    const running = await runCli(["replay", ...args, "--idle-minutes", "100000000"], { env });
    expect(running.code, running.stderr).toBe(0);
    // The processes exit: their ledger lines are written; the sessions are over.
    for (const [file, line] of held) writeFileSync(file, `${readFileSync(file, "utf8")}${line}\n`);
    const done = await runCli(["replay", ...args, "--idle-minutes", "0"], { env });
    expect(done.code, done.stderr).toBe(0);

    const ledgers = MODELS_2_1_330.sessionIds.map((id) => lastLedger(join(copy.projects, MODELS_2_1_330.projectDir, `${id}.jsonl`)));
    const expected = ledgers.reduce((n, l) => n + l.totalCostUSD, 0);
    await waitForQuery(prometheus.url, `sum(claude_code_session_count_total{${OURS}}) == ${MODELS_2_1_330.sessionIds.length}`, { timeoutMs: 60_000 });
    await waitForQuery(prometheus.url, `sum(claude_code_cost_overcount_USD_total{${OURS}}) > 0`, { timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 2_500));

    const usage = await queryTotal(prometheus.url, `sum(claude_code_cost_usage_USD_total{${OURS}})`);
    const overcount = await queryTotal(prometheus.url, `sum(claude_code_cost_overcount_USD_total{${OURS}})`);
    console.info(`Prometheus: usage ${usage}, overcount ${overcount}, usage - overcount ${usage - overcount}, ledgers ${expected}`);
    expect(usage - overcount).toBeCloseTo(expected, 9);
    expect(await queryTotal(prometheus.url, `sum(claude_code_session_cost_USD_sum{${OURS}})`)).toBeCloseTo(expected, 9);
    // What the library charged claude-sonnet-5-5's 20,662 cache reads above Claude Code's rate, taken back.
    expect(overcount).toBeCloseTo((20_662 * 0.1) / 1e6, 12);
    // Per model: every model of every ledger.
    const byModel = new Map<string, number>();
    for (const l of ledgers) for (const [m, u] of Object.entries(l.modelUsage)) byModel.set(m, (byModel.get(m) ?? 0) + u.costUSD);
    for (const [model, usd] of byModel) {
      const got =
        (await queryTotal(prometheus.url, `sum(claude_code_cost_usage_USD_total{${OURS},model="${model}"})`)) -
        (await queryTotal(prometheus.url, `sum(claude_code_cost_overcount_USD_total{${OURS},model="${model}"})`));
      expect(got, model).toBeCloseTo(usd, 9);
    }
    // The README's query for the cost per model gives the same, models without overcount included.
    const readme = /```promql\n(sum by \(model\) \(claude_code_cost_usage_USD_total[^`]*)```/.exec(readFileSync(join(REPO_ROOT, "README.md"), "utf8"))?.[1];
    expect(readme).toBeDefined();
    const fromReadme = Object.fromEntries((await queryVector(prometheus.url, readme ?? "")).map((s) => [s.metric["model"], Number(s.value[1])]));
    expect(Object.keys(fromReadme).sort()).toEqual([...byModel.keys()].sort());
    for (const [model, usd] of byModel) expect(fromReadme[model], model).toBeCloseTo(usd, 9);
    // The live requests of claude-fable-5-2 had no price: their tokens are counted as unpriced, their cost came with the ledger line.
    expect(await queryTotal(prometheus.url, `sum(claude_code_token_unpriced_tokens_total{${OURS},model="claude-fable-5-2"})`)).toBeGreaterThan(0);
    expect(await queryTotal(prometheus.url, `sum(claude_code_cost_usage_USD_total{${OURS},model="claude-fable-5-2",cost_source="ledger"})`)).toBeCloseTo(
      lastLedger(join(copy.projects, MODELS_2_1_330.projectDir, `${MODELS_2_1_330.sessionId("fable-5-2")}.jsonl`)).totalCostUSD,
      9,
    );
    // No counter went down: no reset in any of our cost series.
    expect(await queryTotal(prometheus.url, `sum(resets(claude_code_cost_usage_USD_total{${OURS}}[1h]))`)).toBe(0);
  }, 180_000);
});
