/**
 * genai-prices' Anthropic models without the library: the build writes the provider's model list
 * (ids, match rules, prices) to dist/cost/anthropic-prices.json (scripts/extract-prices.mjs), and
 * this finds a model in it the way the library's `calcPrice(…, { providerId: "anthropic" })` does.
 * Loading the library costs every process that prices ~20 MB of memory and ~0.1 s of CPU for
 * data of some hundred providers; a report needs 23 models. The library is still what answers
 * whenever this cannot (price-request.ts): no table, a table of another library version than the
 * one installed, a provider with fallbacks, a price entry a rate card cannot hold.
 */
import { readFileSync } from "node:fs";
import type { MatchLogic, ModelInfo, Provider } from "@pydantic/genai-prices";

/** From src/cost/ and dist/cost/ (and the bundles in dist/pipeline/) alike: two levels below the package. */
const TABLE_URL = new URL("../../dist/cost/anthropic-prices.json", import.meta.url);

interface TableFile {
  readonly library: string;
  readonly version: string;
  readonly provider: Provider;
}

/**
 * The Anthropic provider as the build extracted it, when it was extracted from `libraryVersion`
 * (the version installed now) and has the shape the lookup below handles; else undefined.
 */
export function readPriceTable(libraryVersion: string): Provider | undefined {
  try {
    const file = JSON.parse(readFileSync(TABLE_URL, "utf8")) as Partial<TableFile>;
    const provider = file.provider;
    if (file.library !== "@pydantic/genai-prices" || file.version !== libraryVersion || provider === undefined) return undefined;
    if (provider.id !== "anthropic" || !Array.isArray(provider.models) || provider.fallback_model_providers !== undefined) return undefined;
    return provider;
  } catch {
    return undefined;
  }
}

const regexes = new Map<string, RegExp>();

/** The library's match rule, case for case (its `regex` is tested on the lower-cased id too). */
function matches(rule: MatchLogic, id: string): boolean {
  if ("or" in rule) return rule.or.some((r) => matches(r, id));
  if ("and" in rule) return rule.and.every((r) => matches(r, id));
  if ("equals" in rule) return id.toLowerCase() === rule.equals.toLowerCase();
  if ("starts_with" in rule) return id.toLowerCase().startsWith(rule.starts_with.toLowerCase());
  if ("ends_with" in rule) return id.toLowerCase().endsWith(rule.ends_with.toLowerCase());
  if ("contains" in rule) return id.toLowerCase().includes(rule.contains.toLowerCase());
  if ("regex" in rule) {
    let re = regexes.get(rule.regex);
    if (re === undefined) regexes.set(rule.regex, (re = new RegExp(rule.regex)));
    return re.test(id);
  }
  return false;
}

/** `-20250929` in an id as `-2025-09-29` (a real date only), as the library retries a model id. */
const COMPACT_DATE = /(-)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g;

function withDashedDates(id: string): string {
  return id.replace(COMPACT_DATE, (whole: string, dash: string, y: string, m: string, d: string) => {
    const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
    return date.getUTCFullYear() !== Number(y) || date.getUTCMonth() !== Number(m) - 1 || date.getUTCDate() !== Number(d) ? whole : `${dash}${y}-${m}-${d}`;
  });
}

/**
 * The model of `provider` that genai-prices' calcPrice picks for `modelId`: the first whose match
 * rule fits the lower-cased, trimmed id, else the first that fits the id with its compact dates
 * dashed. The provider must have no fallback providers (the library would search those next).
 */
export function findModel(provider: Provider, modelId: string): ModelInfo | undefined {
  const id = modelId.toLowerCase().trim();
  const first = provider.models.find((m) => matches(m.match, id));
  if (first !== undefined) return first;
  const dashed = withDashedDates(id);
  return dashed === id ? undefined : provider.models.find((m) => matches(m.match, dashed));
}
