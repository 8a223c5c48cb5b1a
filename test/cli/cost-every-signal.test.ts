/**
 * One cost in every signal, on the cost corpus (test/fixtures/models-2.1.330: the real Claude
 * Code 2.1.330 on model ids the price library misprices, lacks, or nobody knows): after `replay`
 * to a real OTLP receiver, each session's root span, its chat and compaction spans, its
 * `claude_code.cost.usage` points and `report --json` all equal Claude Code's own ledger, per
 * session and per model.
 */
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import type { OtlpReceiver, ReceivedPoint, ReceivedSpan } from "../support/otlp-receiver.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import { MODELS_2_1_330, copyIdleFixtures, lastLedger } from "../support/recorded-fixtures.js";

interface ReportSession {
  sessionId: string;
  costUsd: number;
  costSource: string;
  computedCostUsd: number;
  ledgerCostUsd: number | null;
  costComplete: boolean;
}

const LABELS = ["sonnet-5-5", "long", "haiku-5-5", "agent-mixed", "fable-5-2", "unknown"];

describe("one cost in every signal: spans, metrics and report equal Claude Code's ledger on every model", () => {
  let receiver: OtlpReceiver;
  let root: string;
  let report: ReportSession[];
  let replayErr: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const copy = copyIdleFixtures("cco-cost-", MODELS_2_1_330);
    root = copy.root;
    const replay = await runCli(["replay", "--projects-dir", copy.projects, "--endpoint", receiver.url, "--state-dir", join(root, "state"), "--metric-session-id"]);
    expect(replay.code, replay.stderr).toBe(0);
    replayErr = replay.stderr;
    const r = await runCli(["report", "--json", "--no-cache", "--projects-dir", copy.projects], { env: { CLAUDE_CODE_OTEL_HOME: join(root, "otel") } });
    expect(r.code, r.stderr).toBe(0);
    report = (JSON.parse(r.stdout) as { sessions: ReportSession[] }).sessions;
  });

  afterAll(async () => {
    await receiver?.close();
    if (root !== undefined) rmSync(dirname(join(root, "x")), { recursive: true, force: true });
  });

  const spansOf = (sid: string): ReceivedSpan[] => receiver.spans.filter((s) => s.attributes["session.id"] === sid && s.attributes["claude_code.span.provisional"] !== true);
  const pointsOf = (sid: string, name: string): ReceivedPoint[] => receiver.points.filter((p) => p.attributes["session.id"] === sid && p.name === name);
  const cost = (spans: readonly ReceivedSpan[]): number => spans.reduce((sum, s) => sum + ((s.attributes["claude_code.cost_usd"] as number | undefined) ?? 0), 0);
  const value = (points: readonly ReceivedPoint[]): number => points.reduce((sum, p) => sum + p.value, 0);

  it.each(LABELS)("%s: root span, chat + compaction spans, the cost counter and report --json are the ledger", (label) => {
    const sid = MODELS_2_1_330.sessionId(label);
    const ledger = lastLedger(MODELS_2_1_330.transcript(label));
    const spans = spansOf(sid);
    const root = spans.filter((s) => s.name === "claude_code.session");
    const chatAndCompaction = spans.filter((s) => s.name.startsWith("chat ") || s.name === "claude_code.compaction");
    const counter = value(pointsOf(sid, "claude_code.cost.usage")) - value(pointsOf(sid, "claude_code.cost.overcount"));
    const row = report.find((s) => s.sessionId === sid);
    console.info(
      `${label}: ledger ${ledger.totalCostUSD}, root ${String(root[0]?.attributes["claude_code.cost_usd"])}, chat+compaction ${cost(chatAndCompaction)}, counter ${counter}, report ${row?.costUsd}`,
    );
    expect(root).toHaveLength(1);
    expect(root[0]?.attributes["claude_code.cost_usd"]).toBeCloseTo(ledger.totalCostUSD, 12);
    expect(cost(chatAndCompaction)).toBeCloseTo(ledger.totalCostUSD, 12);
    // Read whole, nothing is left for the ledger lines' own spans.
    expect(cost(spans.filter((s) => s.name === "claude_code.ledger"))).toBe(0);
    expect(counter).toBeCloseTo(ledger.totalCostUSD, 12);
    expect(row?.costUsd).toBeCloseTo(ledger.totalCostUSD, 12);
    expect(row?.ledgerCostUsd).toBeCloseTo(ledger.totalCostUSD, 12);
    expect([row?.costSource, row?.costComplete]).toEqual(["ledger", true]);
    // Every request is priced by its share of the ledger, whatever the library says of the model.
    expect(new Set(spans.filter((s) => s.name.startsWith("chat ")).map((s) => s.attributes["claude_code.cost.source"]))).toEqual(new Set(["ledger"]));
  });

  it.each(LABELS)("%s: per model, the counter and the spans equal the ledger's modelUsage", (label) => {
    const sid = MODELS_2_1_330.sessionId(label);
    const ledger = lastLedger(MODELS_2_1_330.transcript(label));
    const spans = spansOf(sid);
    const points = pointsOf(sid, "claude_code.cost.usage");
    for (const [model, usage] of Object.entries(ledger.modelUsage)) {
      expect(value(points.filter((p) => p.attributes["model"] === model)), model).toBeCloseTo(usage.costUSD, 12);
      // The compaction call is the main model's.
      const own = spans.filter((s) => s.attributes["gen_ai.response.model"] === model || (s.name === "claude_code.compaction" && label === "long"));
      expect(cost(own), model).toBeCloseTo(usage.costUSD, 12);
    }
  });

  it("the library's own price sits beside it (computedCostUsd): above the ledger where it overprices, 0 where it has no price", () => {
    const row = (label: string): ReportSession => report.find((s) => s.sessionId === MODELS_2_1_330.sessionId(label)) as ReportSession;
    // claude-sonnet-5-5: the library charges cache reads $0.20/Mtok, Claude Code $0.10: 20,662 reads.
    expect(row("sonnet-5-5").computedCostUsd - row("sonnet-5-5").costUsd).toBeCloseTo((20_662 * 0.1) / 1e6, 12);
    expect(row("fable-5-2").computedCostUsd).toBe(0);
    expect(row("unknown").computedCostUsd).toBe(0);
  });

  it("Claude Code's own unknown model is named once, not per session; no model is left unpriced", () => {
    expect(replayErr.match(/claude-nova-1/g)).toHaveLength(1);
    expect(replayErr).toContain(`Claude Code did not know model "claude-nova-1" (1 session) and charged its default model's rates`);
    expect(replayErr).not.toContain("no price for model");
    expect(receiver.points.filter((p) => p.name === "claude_code.token.unpriced")).toEqual([]);
  });
});
