import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { calcPrice, findProvider } from "@pydantic/genai-prices";
import type { MatchLogic, Provider } from "@pydantic/genai-prices";
import { describe, expect, it } from "vitest";
import { createPricer, libraryRates, priceLibraryLoaded, priceLibraryVersion, toGenaiUsage } from "../../src/cost/price-request.js";
import { findModel, readPriceTable } from "../../src/cost/price-table.js";
import type { TokenUsage } from "../../src/transcript/line-types.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";

const TABLE = join(REPO_ROOT, "dist", "cost", "anthropic-prices.json");
const usage: TokenUsage = { input: 1_200, output: 800, cacheRead: 90_000, cacheCreation: 4_000, cacheCreation5m: 3_000, cacheCreation1h: 1_000 };

/** The model calcPrice picks for an id (its full lookup), or undefined. */
function libraryModel(id: string): string | undefined {
  try {
    return calcPrice(toGenaiUsage(usage), id, { providerId: "anthropic", timestamp: new Date(Date.UTC(2026, 0, 1)) })?.model.id;
  } catch {
    return undefined;
  }
}

function ruleStrings(rule: MatchLogic): string[] {
  if ("or" in rule) return rule.or.flatMap(ruleStrings);
  if ("and" in rule) return rule.and.flatMap(ruleStrings);
  if ("regex" in rule) return [];
  return Object.values(rule) as string[];
}

describe("the build's extract of genai-prices (dist/cost/anthropic-prices.json)", () => {
  // First in the file: nothing below has loaded the library into this module yet.
  it("prices every model the recordings use without loading the library, as the library does", () => {
    expect(existsSync(TABLE), "run `npm run build` first: it writes the extract").toBe(true);
    const pricer = createPricer();
    const at = new Date(Date.UTC(2026, 2, 1));
    const models = [
      "claude-sonnet-4-6",
      "claude-sonnet-4-5",
      "claude-sonnet-4-5-20250929",
      "claude-haiku-4-5",
      "claude-opus-4-6",
      "claude-opus-4-1-20250805",
      "claude-sonnet-4-5[1m]",
      "<synthetic>",
      "haiku",
      "claude-nova-1",
    ];
    for (const model of models) {
      const got = pricer(model, usage, at);
      const expected = calcPrice(toGenaiUsage(usage), model, { providerId: "anthropic", timestamp: at })?.total_price;
      expect(got.known, model).toBe(expected !== undefined);
      if (expected !== undefined) expect(Object.is(got.usd, expected), `${model}: ${got.usd} vs ${expected}`).toBe(true);
    }
    expect(libraryRates("claude-sonnet-4-5")).toBeDefined();
    expect(priceLibraryLoaded()).toBe(false);
    // A request the card cannot price is the library's, which refuses this one (more cache tokens than input).
    const refused: TokenUsage = { ...usage, input: -5 };
    expect(() => calcPrice(toGenaiUsage(refused), "claude-sonnet-4-5", { providerId: "anthropic", timestamp: at })).toThrow(/exceeds input_tokens/);
    expect(pricer("claude-sonnet-4-5", refused, at)).toMatchObject({ usd: 0, known: false, source: "unknown" });
    expect(priceLibraryLoaded()).toBe(true);
  });

  it("is the installed library's Anthropic provider: its version, every model's id, match rule and prices", () => {
    const file = JSON.parse(readFileSync(TABLE, "utf8")) as { version: string; provider: Provider };
    expect(file.version).toBe(priceLibraryVersion());
    const library = findProvider({ providerId: "anthropic" }) as Provider;
    expect(file.provider.models.map((m) => ({ id: m.id, match: m.match, prices: m.prices }))).toEqual(library.models.map((m) => ({ id: m.id, match: m.match, prices: m.prices })));
    expect(readPriceTable(priceLibraryVersion())?.models.length).toBe(library.models.length);
  });

  it("is ignored when the installed library is another version (the library then prices)", () => {
    expect(readPriceTable("0.0.0-other")).toBeUndefined();
  });

  it("finds the model calcPrice finds, for every id, rule string, case, date form and suffix", () => {
    const provider = readPriceTable(priceLibraryVersion()) as Provider;
    const stems = new Set<string>(["", " ", "claude", "<synthetic>", "haiku", "opus", "sonnet", "claude-nova-1", "anthropic/claude-sonnet-4-5", "claude-3-haiku"]);
    for (const m of provider.models) {
      stems.add(m.id);
      for (const s of ruleStrings(m.match)) stems.add(s);
    }
    const ids = new Set<string>();
    for (const stem of stems) {
      for (const suffix of ["", "-20250929", "-20251301", "-20250230", "-2025-09-29", "[1m]", "-v1:0", "-20250514-v1:0", "-latest", "x"]) {
        const id = stem + suffix;
        ids.add(id);
        ids.add(id.toUpperCase());
        ids.add(`  ${id}\t`);
        ids.add(`us.anthropic.${id}`);
      }
    }
    let found = 0;
    for (const id of ids) {
      const expected = libraryModel(id);
      expect(findModel(provider, id)?.id, JSON.stringify(id)).toBe(expected);
      if (expected !== undefined) found++;
    }
    expect(found).toBeGreaterThan(ids.size / 3);
  });
});
