/**
 * Negotiated prices and --cost-source: the user's own price for a model wins over Claude Code's
 * list-price ledger (auto), consistently in the report, the spans and the metrics; `ledger` keeps
 * the ledger; `computed` is our own prices only; `both` puts the computed figure beside the cost.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { receivedTotals, startOtlpReceiver } from "../support/otlp-receiver.js";
import { CC_2_1_330, copyIdleFixtures, lastLedger } from "../support/recorded-fixtures.js";

const SESSION = CC_2_1_330.sessionId("parallel-fail");
/** A tenth of Anthropic's list price for claude-sonnet-4-6 (what Claude Code's ledger charges). */
const TENTH = { input_mtok: 0.3, output_mtok: 1.5, cache_read_mtok: 0.03, cache_write_mtok: 0.375, cache_write_1h_mtok: 0.6 };

interface Run {
  report: { costUsd: number; costSource: string; computedCostUsd: number; ledgerCostUsd: number | null };
  spans: { name: string; attributes: Record<string, unknown> }[];
  counter: number;
}

describe("--cost-source and negotiated prices", () => {
  let root: string;
  let projects: string;
  let config: string;
  const receivers: OtlpReceiver[] = [];

  beforeAll(() => {
    ({ root, projects } = copyIdleFixtures("cco-cost-source-"));
    config = join(root, "config.json");
    writeFileSync(config, JSON.stringify({ prices: { "claude-sonnet-4-6": TENTH } }));
  });

  afterAll(async () => {
    for (const r of receivers) await r.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function run(name: string, args: string[]): Promise<Run> {
    const receiver = await startOtlpReceiver();
    receivers.push(receiver);
    const common = ["--projects-dir", projects, "--session", SESSION, ...args];
    const replay = await runCli(["replay", ...common, "--endpoint", receiver.url, "--state-dir", join(root, `state-${name}`)]);
    expect(replay.code, replay.stderr).toBe(0);
    const r = await runCli(["report", "--json", "--no-cache", ...common], { env: { CLAUDE_CODE_OTEL_HOME: join(root, "otel") } });
    expect(r.code, r.stderr).toBe(0);
    const report = (JSON.parse(r.stdout) as { sessions: Run["report"][] }).sessions[0] as Run["report"];
    return { report, spans: receiver.spans, counter: receivedTotals(receiver.points).costUsd };
  }

  const chatCost = (r: Run): number => r.spans.filter((s) => s.name.startsWith("chat ")).reduce((sum, s) => sum + (s.attributes["claude_code.cost_usd"] as number), 0);
  const ledger = lastLedger(CC_2_1_330.transcript("parallel-fail")).totalCostUSD;

  it("auto (default): a tenth of list price is a tenth of the ledger, in the report, the spans and the counter", async () => {
    const r = await run("auto", ["--config", config]);
    expect(r.report.costUsd).toBeCloseTo(ledger / 10, 12);
    expect(r.report.ledgerCostUsd).toBe(ledger);
    expect(chatCost(r)).toBeCloseTo(ledger / 10, 12);
    expect(r.counter).toBeCloseTo(ledger / 10, 12);
    expect(new Set(r.spans.filter((s) => s.name.startsWith("chat ")).map((s) => s.attributes["claude_code.cost.source"]))).toEqual(new Set(["override"]));
  });

  it("ledger: Claude Code's ledger wins over the user's prices, everywhere", async () => {
    const r = await run("ledger", ["--config", config, "--cost-source", "ledger"]);
    expect([r.report.costUsd, r.report.costSource]).toEqual([ledger, "ledger"]);
    expect(chatCost(r)).toBeCloseTo(ledger, 12);
    expect(r.counter).toBeCloseTo(ledger, 12);
  });

  it("computed (ccusage's `ccusage`): our own prices, the ledger beside them", async () => {
    const r = await run("computed", ["--cost-source", "ccusage"]);
    expect(r.report.costSource).toBe("computed");
    expect(r.report.costUsd).toBeCloseTo(r.report.computedCostUsd, 12);
    expect(r.report.ledgerCostUsd).toBe(ledger);
    expect(new Set(r.spans.filter((s) => s.name.startsWith("chat ")).map((s) => s.attributes["claude_code.cost.source"]))).toEqual(new Set(["price_table"]));
  });

  it("both: the cost, with our own price beside it on every chat span and the session span", async () => {
    const r = await run("both", ["--config", config, "--cost-source", "both"]);
    const root = r.spans.find((s) => s.name === "claude_code.session");
    expect(root?.attributes["claude_code.cost.computed_usd"]).toBeCloseTo(ledger / 10, 12);
    expect(r.spans.filter((s) => s.name.startsWith("chat ")).every((s) => typeof s.attributes["claude_code.cost.computed_usd"] === "number")).toBe(true);
  });

  it("a value it does not know is a usage error; a bad costSource in the config a warning", async () => {
    const bad = await runCli(["report", "--projects-dir", projects, "--cost-source", "cheapest"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--cost-source must be one of auto, ledger, computed, both (or ccusage\'s cc, ccusage), got "cheapest"');
    const badConfig = join(root, "bad-config.json");
    writeFileSync(badConfig, JSON.stringify({ costSource: "cheapest" }));
    const warned = await runCli(["report", "--json", "--no-cache", "--projects-dir", projects, "--config", badConfig], { env: { CLAUDE_CODE_OTEL_HOME: join(root, "otel") } });
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('"costSource" must be one of auto, ledger, computed, both');
  });
});
