import { calcPrice } from "@pydantic/genai-prices";
import { describe, expect, it } from "vitest";
import { createPricer, toGenaiUsage } from "../../src/cost/price-request.js";
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

describe("pricer: one lookup per model, then the library's computation on that entry", () => {
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

  it("an unknown model is unknown every time, never $0 known", () => {
    const pricer = createPricer();
    const usage: TokenUsage = { input: 10, output: 10, cacheRead: 0, cacheCreation: 0, cacheCreation5m: 0, cacheCreation1h: 0 };
    for (let i = 0; i < 3; i++) expect(pricer("no-such-model-xyz", usage, new Date())).toEqual({ usd: 0, known: false, source: "unknown" });
  });

  it("overrides still win over the library", () => {
    const pricer = createPricer({ overrides: [{ model: "claude-sonnet-4-5", input_mtok: 1, output_mtok: 2 }] });
    const usage: TokenUsage = { input: 1_000_000, output: 1_000_000, cacheRead: 0, cacheCreation: 0, cacheCreation5m: 0, cacheCreation1h: 0 };
    expect(pricer("claude-sonnet-4-5", usage, new Date())).toEqual({ usd: 3, known: true, source: "override" });
    expect(pricer("claude-opus-4-7", usage, new Date()).source).toBe("genai-prices");
  });
});
