import { describe, expect, it } from "vitest";
import type { LedgerLine } from "../../src/model/ledger.js";
import { canonicalModel, matchLedgerModels } from "../../src/model/token-kinds.js";
import type { CostMode, LedgerObservation, Pricer, RequestPrice } from "../../src/model/pricer.js";
import type { PricingInput } from "../../src/model/pricing.js";
import { priceSession } from "../../src/model/pricing.js";
import type { ApiRequest, TokenUsage } from "../../src/model/types.js";
import { at, costState, usage } from "../support/lines.js";

/** USD per output token, per model; any other model has no price. */
function pricerOf(
  perOutputToken: Record<string, number>,
  extra: { mode?: CostMode; overridden?: (m: string) => boolean } = {},
  source: "price_table" | "override" = "price_table",
): Pricer & { seen: LedgerObservation[] } {
  const seen: LedgerObservation[] = [];
  const price = (model: string, u: TokenUsage): RequestPrice => {
    const rate = perOutputToken[model];
    if (rate === undefined) return { usd: 0, known: false, source: "unknown", linearUsd: 0, computedUsd: 0, computedKnown: false };
    const usd = u.output * rate;
    return { usd, known: true, source, linearUsd: usd, computedUsd: usd, computedKnown: true };
  };
  return Object.assign(price, { ...extra, seen, observe: (o: readonly LedgerObservation[]) => void seen.push(...o) });
}

interface Spec {
  key: string;
  model: string;
  usage: TokenUsage;
  end: number;
  position?: number;
  agentId?: string;
}

function input(pricer: Pricer, specs: Spec[], ledger: LedgerLine[], compactions: PricingInput["compactions"] = []): PricingInput {
  const prices = new Map<string, RequestPrice>();
  const requests: ApiRequest[] = specs.map((s) => {
    const p = pricer(s.model, s.usage, new Date(at(s.end)));
    prices.set(s.key, p);
    return {
      key: s.key,
      messageId: s.key,
      requestId: `r-${s.key}`,
      model: s.model,
      usage: s.usage,
      stopReason: "end_turn",
      startTime: at(s.end - 0.5),
      endTime: at(s.end),
      agentId: s.agentId,
      turnIndex: 0,
      toolCallIds: [],
      textParts: [],
      cost: { usd: p.usd, known: p.known, source: p.source, pricedUsd: p.usd, pricedSource: p.source, computedUsd: p.computedUsd },
    };
  });
  const positions = new Map(specs.map((s) => [s.key, s.position]));
  return { sessionId: "s1", requests, prices, positionOf: (key) => positions.get(key), ledger, compactions };
}

const line = (position: number, atS: number, l: ReturnType<typeof costState>): LedgerLine => ({ position, atMs: at(atS), version: "2.1.330", line: l });

describe("pricing without a ledger", () => {
  it("the sum of prices, by model, and a warning per model without a price", () => {
    const pricer = pricerOf({ m: 0.01 });
    const priced = priceSession(
      input(
        pricer,
        [
          { key: "a", model: "m", usage: usage(1, 50), end: 1, position: 1 },
          { key: "b", model: "mystery", usage: usage(1, 7), end: 2, position: 2 },
        ],
        [],
      ),
      pricer,
    );
    expect(priced.cost).toEqual({
      totalUsd: 0.5,
      computedUsd: 0.5,
      ledgerUsd: undefined,
      unattributedUsd: 0,
      source: "computed",
      mode: "auto",
      complete: false,
      unknownModels: ["mystery"],
      byModel: {
        m: { usd: 0.5, requests: 1, tokens: usage(1, 50), known: true, source: "price_table" },
        mystery: { usd: 0, requests: 1, tokens: usage(1, 7), known: false, source: "unknown" },
      },
    });
    expect(priced.warnings).toEqual(['no price for model "mystery": session cost is incomplete']);
    expect(priced.segments).toEqual([]);
    expect(pricer.seen).toEqual([]);
  });
});

describe("pricing with Claude Code's ledger", () => {
  // a@2 and the subagent's request (ended before the line was written) → line@3 charges 0.1 for both;
  // compaction@5 → line@6 charges 0.06 more for tokens no request explains; b@8 → line@9 restarted
  // at 0.03; c@11 after the last line; compaction@12 with no line after it.
  const specs: Spec[] = [
    { key: "a", model: "m", usage: usage(1, 10), end: 2, position: 2 },
    { key: "sub", model: "m", usage: usage(1, 10), end: 2.5, agentId: "ag" },
    { key: "b", model: "m", usage: usage(1, 10), end: 8, position: 8 },
    { key: "c", model: "m", usage: usage(1, 10), end: 11, position: 11 },
  ];
  const ledger = [
    line(3, 3, costState(0.1, { m: [2, 20, 0, 0, 0, 0.1] })),
    line(6, 6, costState(0.16, { m: [5, 40, 0, 0, 0, 0.16] })),
    line(9, 9, costState(0.03, { m: [1, 10, 0, 0, 0, 0.03] })),
  ];
  const compactions = [
    { uuid: "c1", position: 5, preTokens: 1000, endTime: at(5) },
    { uuid: "c2", position: 12, preTokens: 1000, endTime: at(12) },
  ];

  it("the requests a line covers share what it charged, by price; the tokens no request explains are the compaction call's; later requests keep their price", () => {
    const pricer = pricerOf({ m: 0.01 });
    const priced = priceSession(input(pricer, specs, ledger, compactions), pricer);
    const cost = (key: string) => priced.requestCosts.get(key);
    expect(cost("a")).toEqual({ usd: 0.05, known: true, source: "ledger", pricedUsd: 0.1, pricedSource: "price_table", computedUsd: 0.1 });
    expect(cost("sub")).toEqual({ usd: 0.05, known: true, source: "ledger", pricedUsd: 0.1, pricedSource: "price_table", computedUsd: 0.1 });
    expect(cost("b")?.usd).toBeCloseTo(0.03, 15);
    expect(cost("b")?.source).toBe("ledger");
    expect(cost("c")).toEqual({ usd: 0.1, known: true, source: "price_table", pricedUsd: 0.1, pricedSource: "price_table", computedUsd: 0.1 });
    expect(priced.compactionCosts[0]?.usd).toBeCloseTo(0.06, 15);
    expect(priced.compactionCosts[0]?.source).toBe("ledger");
    expect(priced.compactionCosts[1]).toBeUndefined();
    // The first main-thread request after c1 (b) writes no cache: nothing rebuilt; none after c2 yet.
    expect(priced.cacheRebuilds).toEqual([{ requestKey: "b", usd: 0 }, undefined]);
    expect(priced.cost.ledgerUsd).toBeCloseTo(0.19, 15);
    expect(priced.cost.totalUsd).toBeCloseTo(0.05 + 0.05 + 0.06 + 0.03 + 0.1, 15);
    expect(priced.cost.unattributedUsd).toBeCloseTo(0.06, 15);
    expect(priced.cost.computedUsd).toBeCloseTo(0.4, 15);
    expect(priced.cost.source).toBe("ledger");
    expect(priced.segments.map((s) => [s.index, s.requestKeys, s.compactionUuids, s.unattributedUsd])).toEqual([
      [0, ["a", "sub"], [], {}],
      [1, [], ["c1"], {}],
      [2, ["b"], [], {}],
    ]);
    expect(priced.segments.map((s) => s.totalUsd)).toEqual([0.1, 0.16, 0.16 + 0.03]);
    // What the rates are learned from: each line's growth per model (the restarted one whole).
    expect(pricer.seen.map((o) => [o.model, o.index, o.tokens.input, o.tokens.output, o.usd])).toEqual([
      ["m", 0, 2, 20, 0.1],
      ["m", 1, 3, 20, 0.16 - 0.1],
      ["m", 2, 1, 10, 0.03],
    ]);
  });

  it("computed: our prices for everything, the compaction call's tokens (from the ledger) at our price too", () => {
    const pricer = pricerOf({ m: 0.01 }, { mode: "computed" });
    const priced = priceSession(input(pricer, specs, ledger, compactions), pricer);
    expect([...priced.requestCosts.values()].map((c) => [c.usd, c.source])).toEqual([
      [0.1, "price_table"],
      [0.1, "price_table"],
      [0.1, "price_table"],
      [0.1, "price_table"],
    ]);
    expect(priced.compactionCosts[0]?.usd).toBeCloseTo(0.2, 15);
    expect(priced.compactionCosts[0]?.source).toBe("price_table");
    expect(priced.cost.source).toBe("computed");
    expect(priced.cost.mode).toBe("computed");
    expect(priced.cost.ledgerUsd).toBeCloseTo(0.19, 15);
  });

  it("auto: a model the user priced is priced by the user, ledger or not; ledger: the ledger wins", () => {
    const auto = pricerOf({ m: 0.01 }, { mode: "auto", overridden: (m) => m === "m" });
    expect(priceSession(input(auto, specs, ledger, compactions), auto).requestCosts.get("a")?.source).toBe("price_table");
    const ledgerMode = pricerOf({ m: 0.01 }, { mode: "ledger", overridden: (m) => m === "m" });
    expect(priceSession(input(ledgerMode, specs, ledger, compactions), ledgerMode).requestCosts.get("a")?.source).toBe("ledger");
  });

  it("a compaction's cost names what priced it: the user's price where it decides (an override in auto or computed), else the ledger", () => {
    const overridden = (m: string): boolean => m === "m";
    for (const mode of ["auto", "computed"] as const) {
      const pricer = pricerOf({ m: 0.01 }, { mode, overridden }, "override");
      const priced = priceSession(input(pricer, specs, ledger, compactions), pricer);
      expect(priced.compactionCosts[0]?.usd).toBeCloseTo(0.2, 15);
      expect(priced.compactionCosts[0]?.source).toBe("override");
    }
    const ledgerMode = pricerOf({ m: 0.01 }, { mode: "ledger", overridden }, "override");
    expect(priceSession(input(ledgerMode, specs, ledger, compactions), ledgerMode).compactionCosts[0]).toEqual({ usd: expect.closeTo(0.06, 15) as number, source: "ledger" });
  });
});

describe("ledger models", () => {
  it("Claude Code's names are matched to the transcript's: the same, the same without [1m] or a date, else the one left", () => {
    expect(canonicalModel("claude-sonnet-4-5[1m]")).toBe("claude-sonnet-4-5");
    expect(canonicalModel("claude-haiku-4-5-20251001")).toBe("claude-haiku-4-5");
    expect([...matchLedgerModels(["claude-sonnet-4-5[1m]", "claude-haiku-4-5"], ["claude-haiku-4-5", "claude-sonnet-4-5"])]).toEqual([
      ["claude-haiku-4-5", "claude-haiku-4-5"],
      ["claude-sonnet-4-5[1m]", "claude-sonnet-4-5"],
    ]);
    expect([...matchLedgerModels(["alias"], ["full-name"])]).toEqual([["alias", "full-name"]]);
    expect([...matchLedgerModels(["x", "y"], ["z"])]).toEqual([
      ["x", undefined],
      ["y", undefined],
    ]);
  });

  it("a model nobody prices shares its line's charge by Anthropic's usual proportions, and is then known", () => {
    const pricer = pricerOf({});
    const specs: Spec[] = [
      { key: "u1", model: "mystery", usage: usage(100, 10), end: 1, position: 1 },
      { key: "u2", model: "mystery", usage: usage(0, 20, 1000), end: 2, position: 2 },
    ];
    // Weights: 100×1 + 10×5 = 150 and 20×5 + 1000×0.1 = 200.
    const priced = priceSession(input(pricer, specs, [line(3, 3, costState(0.035, { mystery: [100, 30, 1000, 0, 0, 0.035] }))]), pricer);
    expect(priced.requestCosts.get("u1")?.usd).toBeCloseTo(0.015, 15);
    expect(priced.requestCosts.get("u2")?.usd).toBeCloseTo(0.02, 15);
    expect(priced.cost.complete).toBe(true);
    expect(priced.warnings).toEqual([]);
  });

  it("a line without modelUsage: its total still decides (the part beyond the prices is the stretch's own)", () => {
    const pricer = pricerOf({ m: 0.01 });
    const priced = priceSession(input(pricer, [{ key: "a", model: "m", usage: usage(1, 10), end: 1, position: 1 }], [line(2, 2, costState(0.3))]), pricer);
    expect(priced.requestCosts.get("a")?.usd).toBe(0.1);
    expect(priced.segments[0]?.unattributedUsd).toEqual({ m: 0.3 - 0.1 });
    expect(priced.cost.totalUsd).toBeCloseTo(0.3, 15);
  });

  it("Claude Code's own unknown model is a warning; a stretch over 100k prompt tokens is not learned from", () => {
    const pricer = pricerOf({ m: 0.01 });
    const priced = priceSession(
      input(pricer, [{ key: "a", model: "m", usage: usage(1, 10, 120_000), end: 1, position: 1 }], [line(2, 2, costState(0.5, { m: [1, 10, 120_000, 0, 0, 0.5] }, true))]),
      pricer,
    );
    expect(priced.warnings).toEqual(['Claude Code did not know model "m" and charged its default model\'s rates']);
    expect(pricer.seen).toEqual([]);
  });
});
