import { calcPrice, findProvider } from "@pydantic/genai-prices";
import { describe, expect, it } from "vitest";
import type { PriceConfig } from "../../src/config/price-overrides.js";
import { createPricer, overrideProvider, toGenaiUsage } from "../../src/cost/price-request.js";
import type { TokenUsage } from "../../src/transcript/line-types.js";

/** The library's full lookup on every call: what the pricer did before it cached the model. */
function reference(model: string, usage: TokenUsage, at: Date): number | undefined {
  try {
    return calcPrice(toGenaiUsage(usage), model, { timestamp: at, providerId: "anthropic" })?.total_price;
  } catch {
    return undefined;
  }
}

/** Small deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("pricer: one lookup per model, then the library's own price entry (rate cards)", () => {
  const models = [
    "claude-sonnet-4-5",
    "claude-sonnet-4-5-20250929",
    "claude-opus-4-7",
    "claude-opus-4-1-20250805",
    "claude-3-5-haiku-20241022",
    "claude-haiku-4-5",
    "claude-3-7-sonnet-20250219",
    "claude-sonnet-4-20250514",
    "CLAUDE-SONNET-4-5",
  ];

  it("equals calcPrice with the full provider lookup to the last bit (tiers, cache writes, dates)", () => {
    const pricer = createPricer();
    const next = rng(42);
    let compared = 0;
    for (let i = 0; i < 3000; i++) {
      const model = models[i % models.length] as string;
      const big = next() < 0.2;
      const cacheCreation = Math.floor(next() * 60_000);
      const usage: TokenUsage = {
        input: Math.floor(next() * (big ? 400_000 : 5_000)),
        output: Math.floor(next() * 20_000),
        cacheRead: Math.floor(next() * (big ? 300_000 : 100_000)),
        cacheCreation,
        cacheCreation5m: 0,
        cacheCreation1h: next() < 0.5 ? cacheCreation : Math.floor(next() * cacheCreation),
      };
      // 2023 to 2027: crosses the date constraints of models whose prices changed.
      const at = new Date(Date.UTC(2023, 0, 1) + Math.floor(next() * 5 * 365 * 86_400_000));
      const expected = reference(model, usage, at);
      const got = pricer(model, usage, at);
      expect(got.known).toBe(expected !== undefined);
      if (expected !== undefined) {
        expect(Object.is(got.usd, expected), `${model} ${JSON.stringify(usage)} ${at.toISOString()}: ${got.usd} vs ${expected}`).toBe(true);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(2000);
  });

  it("equals calcPrice to the last bit on every Anthropic model of the library, at tier edges and date edges", () => {
    const provider = findProvider({ providerId: "anthropic" });
    expect(provider).toBeDefined();
    const ids = (provider?.models ?? []).map((m) => m.id);
    expect(ids.length).toBeGreaterThan(15);
    const starts = new Set<number>();
    for (const m of provider?.models ?? []) {
      if (!Array.isArray(m.prices)) continue;
      for (const e of m.prices as { constraint?: { start_date?: string } }[]) if (e.constraint?.start_date !== undefined) starts.add(Date.parse(e.constraint.start_date));
    }
    const dates = [Date.UTC(2024, 5, 1), Date.UTC(2026, 10, 1), ...[...starts].flatMap((t) => [t - 1, t, t + 1])].map((t) => new Date(t));
    // Around the 200k-token tier of the long-context models: total input = input + reads + writes.
    const usages: TokenUsage[] = [
      { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, cacheCreation5m: 0, cacheCreation1h: 0 },
      { input: 3, output: 1, cacheRead: 0, cacheCreation: 0, cacheCreation5m: 0, cacheCreation1h: 0 },
      { input: 100_000, output: 4_000, cacheRead: 60_000, cacheCreation: 40_000, cacheCreation5m: 40_000, cacheCreation1h: 0 },
      { input: 100_000, output: 4_000, cacheRead: 60_000, cacheCreation: 40_001, cacheCreation5m: 0, cacheCreation1h: 40_001 },
      { input: 1, output: 77, cacheRead: 150_000, cacheCreation: 50_000, cacheCreation5m: 20_000, cacheCreation1h: 30_000 },
      { input: 12_345, output: 999_999, cacheRead: 987_654, cacheCreation: 13_579, cacheCreation5m: 0, cacheCreation1h: 99_999 },
    ];
    const pricer = createPricer();
    let compared = 0;
    for (const id of ids) {
      for (const at of dates) {
        for (const usage of usages) {
          const expected = reference(id, usage, at);
          const got = pricer(id, usage, at);
          expect(got.known, `${id} ${at.toISOString()}`).toBe(expected !== undefined);
          if (expected === undefined) continue;
          expect(Object.is(got.usd, expected), `${id} ${JSON.stringify(usage)} ${at.toISOString()}: ${got.usd} vs ${expected}`).toBe(true);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(ids.length * 6);
  });

  it("an unknown model is unknown every time, never $0 known", () => {
    const pricer = createPricer();
    const usage: TokenUsage = { input: 10, output: 10, cacheRead: 0, cacheCreation: 0, cacheCreation5m: 0, cacheCreation1h: 0 };
    for (let i = 0; i < 3; i++)
      expect(pricer("no-such-model-xyz", usage, new Date())).toEqual({ usd: 0, known: false, source: "unknown", linearUsd: 0, computedUsd: 0, computedKnown: false });
  });

  it("overrides still win over the library", () => {
    const pricer = createPricer({ overrides: [{ model: "claude-sonnet-4-5", input_mtok: 1, output_mtok: 2 }] });
    const usage: TokenUsage = { input: 1_000_000, output: 1_000_000, cacheRead: 0, cacheCreation: 0, cacheCreation5m: 0, cacheCreation1h: 0 };
    expect(pricer("claude-sonnet-4-5", usage, new Date())).toEqual({ usd: 3, known: true, source: "override", linearUsd: 3, computedUsd: 3, computedKnown: true });
    expect(pricer("claude-opus-4-7", usage, new Date()).source).toBe("price_table");
  });

  it("overrides take the same resolve-once path and still equal calcPrice with the override provider to the last bit", () => {
    const config: PriceConfig = {
      overrides: [
        { model: "claude-sonnet-4-5", input_mtok: 2.5, output_mtok: 12.5, cache_read_mtok: 0.25, cache_write_mtok: 3.125, cache_write_1h_mtok: 5 },
        { model: "claude-haiku-*", input_mtok: 0.7, output_mtok: 3.3 },
      ],
    };
    const provider = overrideProvider(config);
    const pricer = createPricer(config);
    const next = rng(7);
    for (let i = 0; i < 2000; i++) {
      const model = ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-haiku-9-9", "claude-opus-4-7"][i % 4] as string;
      const cacheCreation = Math.floor(next() * 60_000);
      const usage: TokenUsage = {
        input: Math.floor(next() * 300_000),
        output: Math.floor(next() * 20_000),
        cacheRead: Math.floor(next() * 200_000),
        cacheCreation,
        cacheCreation5m: 0,
        cacheCreation1h: Math.floor(next() * cacheCreation),
      };
      const at = new Date(Date.UTC(2025, 0, 1) + Math.floor(next() * 2 * 365 * 86_400_000));
      const got = pricer(model, usage, at);
      if (model === "claude-opus-4-7") {
        expect(got.source).toBe("price_table");
        expect(Object.is(got.usd, reference(model, usage, at))).toBe(true);
        continue;
      }
      const expected = calcPrice(toGenaiUsage(usage), model, { timestamp: at, provider: provider as NonNullable<typeof provider> })?.total_price;
      expect(got.source).toBe("override");
      expect(Object.is(got.usd, expected), `${model} ${JSON.stringify(usage)}: ${got.usd} vs ${expected}`).toBe(true);
    }
  });
});
