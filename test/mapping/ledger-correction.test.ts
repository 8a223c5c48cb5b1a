/**
 * A live session on the cost corpus (test/fixtures/models-2.1.330): its requests are exported
 * before Claude Code's ledger line exists, at their price; the ledger line, when it comes,
 * corrects what they carried, so that every signal ends equal to what Claude Code charged.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createPricer } from "../../src/cost/price-request.js";
import type { ExportedUnits } from "../../src/mapping/plan-export.js";
import { NOTHING_EXPORTED, planExport } from "../../src/mapping/plan-export.js";
import { buildSession } from "../../src/model/build-session.js";
import type { Session } from "../../src/model/types.js";
import { discoverSessionSync } from "../../src/transcript/discover.js";
import { loadSessionSync } from "../../src/transcript/load-session.js";
import { MODELS_2_1_330, lastLedger } from "../support/recorded-fixtures.js";

const tmp = mkdtempSync(join(tmpdir(), "ledger-correction-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The session as a live flush sees it: its transcript up to (not including) the ledger line, or whole. */
function session(label: string, upToLedger: boolean): Session {
  const lines = readFileSync(MODELS_2_1_330.transcript(label), "utf8").split("\n").filter(Boolean);
  const cut = upToLedger ? lines.filter((l) => !l.includes('"type":"cost-state"')) : lines;
  const dir = join(tmp, upToLedger ? "live" : "whole", MODELS_2_1_330.projectDir);
  mkdirSync(dir, { recursive: true });
  const id = MODELS_2_1_330.sessionId(label);
  const path = join(dir, `${id}.jsonl`);
  writeFileSync(path, `${cut.join("\n")}\n`);
  const source = discoverSessionSync(path, id);
  if (source === undefined) throw new Error(`no session ${id}`);
  return buildSession(loadSessionSync(source).input, createPricer());
}

function sentAfter(plan: ReturnType<typeof planExport>): ExportedUnits {
  return { spanUnits: new Set(plan.spanKeys), metricUnits: new Set(plan.metricKeys) };
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** Live, then the ledger line: both plans' cost points, and the chat, compaction and ledger spans' costs. */
function liveThenLedger(label: string) {
  const live = planExport(session(label, true), NOTHING_EXPORTED, { final: false, destinations: false });
  const done = planExport(session(label, false), sentAfter(live), { final: true, destinations: false });
  const points = [...live.points, ...done.points];
  const spans = [...live.spans, ...done.spans].filter((s) => s.attributes["claude_code.span.provisional"] !== true);
  const spanCost = (name: (n: string) => boolean): number => sum(spans.filter((s) => name(s.name)).map((s) => (s.attributes["claude_code.cost_usd"] as number | undefined) ?? 0));
  return {
    live,
    done,
    usage: sum(points.filter((p) => p.metric === "costUsage").map((p) => p.value)),
    overcount: sum(points.filter((p) => p.metric === "costOvercount").map((p) => p.value)),
    chat: spanCost((n) => n.startsWith("chat ")),
    ledgerSpan: spanCost((n) => n === "claude_code.ledger"),
    root: done.spans.find((s) => s.name === "claude_code.session")?.attributes["claude_code.cost_usd"],
  };
}

describe("a live session, corrected by Claude Code's ledger line", () => {
  it("a model the library overprices (claude-sonnet-5-5: cache reads at twice Claude Code's rate): the excess goes on claude_code.cost.overcount", () => {
    const ledger = lastLedger(MODELS_2_1_330.transcript("sonnet-5-5")).totalCostUSD;
    const r = liveThenLedger("sonnet-5-5");
    // Live: both requests at the library's price, no ledger yet.
    expect(r.live.points.filter((p) => p.metric === "costUsage").map((p) => [p.unitKey.split(":")[1], p.attributes["cost_source"]])).toEqual([
      ["msg_models_v2_1_330_1", "price_table"],
      ["msg_models_v2_1_330_2", "price_table"],
    ]);
    // The ledger line: what the library charged above Claude Code, the 20,662 cache reads at $0.10/Mtok too much.
    expect(r.done.points.filter((p) => p.unitKey === "ledger:0")).toEqual([
      { metric: "costOvercount", value: 0.0020662, unitKey: "ledger:0", attributes: { project: "shop-api", model: "claude-sonnet-5-5" } },
    ]);
    expect(r.usage - r.overcount).toBeCloseTo(ledger, 12);
    expect(r.chat + r.ledgerSpan).toBeCloseTo(ledger, 12);
    expect(r.ledgerSpan).toBeCloseTo(-(20_662 * 0.1) / 1e6, 12);
    expect(r.root).toBeCloseTo(ledger, 12);
  });

  it("a model the library lacks (claude-fable-5-2): live requests count unpriced tokens and no cost; the ledger line brings the whole cost", () => {
    const ledger = lastLedger(MODELS_2_1_330.transcript("fable-5-2")).totalCostUSD;
    const r = liveThenLedger("fable-5-2");
    expect(r.live.points.filter((p) => p.metric === "costUsage")).toEqual([]);
    const unpriced = r.live.points.filter((p) => p.metric === "tokenUnpriced");
    const counted = r.live.points.filter((p) => p.metric === "tokenUsage");
    expect(unpriced.map((p) => [p.unitKey, p.attributes["type"], p.value])).toEqual(counted.map((p) => [p.unitKey, p.attributes["type"], p.value]));
    // Live chat spans say their $0 is no price (never a silent $0).
    expect(
      new Set(r.live.spans.filter((s) => s.name.startsWith("chat ")).map((s) => [s.attributes["claude_code.cost_usd"], s.attributes["claude_code.cost.source"]].join(" "))),
    ).toEqual(new Set(["0 unknown"]));
    expect(r.done.points.filter((p) => p.unitKey === "ledger:0")).toEqual([
      // Claude Code's 0.26486719999999997, as exported (util/usd.ts: no float noise).
      { metric: "costUsage", value: 0.2648672, unitKey: "ledger:0", attributes: { project: "shop-api", model: "claude-fable-5-2", cost_source: "ledger" } },
    ]);
    expect(r.overcount).toBe(0);
    expect(r.usage).toBeCloseTo(ledger, 12);
    expect(r.ledgerSpan).toBeCloseTo(ledger, 12);
    expect(r.root).toBeCloseTo(ledger, 12);
  });

  it("read whole (a replay): each request carries its share, the ledger line adds 0, and nothing is corrected later", () => {
    for (const label of ["sonnet-5-5", "fable-5-2"]) {
      const ledger = lastLedger(MODELS_2_1_330.transcript(label)).totalCostUSD;
      const whole = planExport(session(label, false), NOTHING_EXPORTED, { final: true, destinations: false });
      const cost = whole.points.filter((p) => p.metric === "costUsage");
      expect(sum(cost.map((p) => p.value))).toBeCloseTo(ledger, 12);
      expect(cost.filter((p) => p.unitKey === "ledger:0").map((p) => p.value)).toEqual([0]);
      expect(whole.points.filter((p) => p.metric === "costOvercount" || p.metric === "tokenUnpriced")).toEqual([]);
      const again = planExport(session(label, false), sentAfter(whole), { final: true, destinations: false });
      expect([again.spans.length, again.points.length]).toEqual([0, 0]);
    }
  });
});
