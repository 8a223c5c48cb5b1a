/**
 * genai-prices' own price entries, applied per request without its general-purpose engine.
 *
 * `calcPrice` validates usage and prices, walks its unit registry and decomposes usage into
 * leaves on every call: ~30 µs a request, a third of a whole report's CPU on a large history,
 * for arithmetic that, for the token prices a Claude model has, is five multiplications. A rate
 * card is one price entry of the library (`model.prices`, or one dated element of it) read once
 * into those rates. Applying it repeats the library's arithmetic step for step (same leaves,
 * same tier rule, same operation order, same sums by direction) so the result is the library's
 * to the last bit; test/cost/price-request.test.ts checks that against `calcPrice` on every Anthropic
 * model, dates and tiers included. An entry with anything else in it (another price key, a
 * malformed rate) has no card, and the caller asks the library.
 */
import type { ModelInfo, Usage } from "@pydantic/genai-prices";
import type { Rates } from "../model/token-kinds.js";

interface Tier {
  readonly start: number;
  readonly price: number;
}

/** A flat rate, or the library's TieredPrices: `base` until input tokens exceed a tier's `start`. */
type Rate = number | { readonly base: number; readonly tiers: readonly Tier[] };

type TokenKey = "input" | "output" | "cacheRead" | "cacheWrite" | "cacheWrite1h";

/** The library's price keys for tokens, with the unit each prices and its direction. */
const TOKEN_PRICE_KEYS: Readonly<Record<string, { key: TokenKey; direction: "input" | "output" }>> = {
  input_mtok: { key: "input", direction: "input" },
  output_mtok: { key: "output", direction: "output" },
  cache_read_mtok: { key: "cacheRead", direction: "input" },
  cache_write_mtok: { key: "cacheWrite", direction: "input" },
  cache_write_1h_mtok: { key: "cacheWrite1h", direction: "input" },
};

/**
 * Keys whose usage we never report (Claude Code's web searches are not in `Usage` here), so the
 * library prices them at 0 × rate = 0 in the third, direction-less sum.
 */
const UNREPORTED_PRICE_KEYS: ReadonlySet<string> = new Set(["web_searches_kcount"]);

interface PricedUnit {
  readonly key: TokenKey;
  readonly direction: "input" | "output";
  readonly rate: Rate;
}

export interface RateCard {
  /** In the entry's key order: the library sums in that order. */
  readonly units: readonly PricedUnit[];
  readonly tiered: boolean;
  readonly has: ReadonlySet<TokenKey>;
}

function isRate(value: unknown): value is Rate {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0;
  if (typeof value !== "object" || value === null) return false;
  const v = value as { base?: unknown; tiers?: unknown };
  return (
    typeof v.base === "number" &&
    Number.isFinite(v.base) &&
    v.base >= 0 &&
    Array.isArray(v.tiers) &&
    v.tiers.every((t: unknown) => {
      const tier = t as { start?: unknown; price?: unknown } | null;
      return (
        tier !== null &&
        typeof tier === "object" &&
        Number.isSafeInteger(tier.start) &&
        (tier.start as number) >= 0 &&
        typeof tier.price === "number" &&
        Number.isFinite(tier.price) &&
        tier.price >= 0
      );
    })
  );
}

/** Reads one price entry into a card, or undefined when it holds anything the card cannot apply exactly. */
export function rateCardOf(prices: Readonly<Record<string, unknown>>): RateCard | undefined {
  const units: PricedUnit[] = [];
  const has = new Set<TokenKey>();
  let tiered = false;
  for (const [priceKey, value] of Object.entries(prices)) {
    if (value === undefined) continue;
    const unit = TOKEN_PRICE_KEYS[priceKey];
    if (unit === undefined) {
      if (UNREPORTED_PRICE_KEYS.has(priceKey) && isRate(value)) continue;
      return undefined;
    }
    if (!isRate(value)) return undefined;
    const rate: Rate = typeof value === "number" ? value : { base: value.base, tiers: [...value.tiers].sort((a, b) => a.start - b.start) };
    if (typeof rate !== "number") tiered = true;
    units.push({ key: unit.key, direction: unit.direction, rate });
    has.add(unit.key);
  }
  // The library refuses a 1h rate without the 5m one (and any rate without input): leave those to it.
  if (!has.has("input") || (has.has("cacheWrite1h") && !has.has("cacheWrite"))) return undefined;
  return { units, tiered, has };
}

/**
 * The price entry `calcPrice` would use at `at`: model.prices when it is not a list, else the
 * last element whose start date has passed (the first when none has). Undefined for a list with
 * any other kind of constraint (time of day): the caller asks the library.
 */
export function dated(model: ModelInfo): ((at: Date) => Readonly<Record<string, unknown>>) | undefined {
  const prices = model.prices as unknown;
  if (!Array.isArray(prices)) {
    const only = prices as Readonly<Record<string, unknown>>;
    return () => only;
  }
  const entries: { startMs: number | undefined; prices: Readonly<Record<string, unknown>> }[] = [];
  for (const element of prices as { constraint?: { type?: string; start_date?: string }; prices: Record<string, unknown> }[]) {
    const c = element.constraint;
    if (c === undefined) entries.push({ startMs: undefined, prices: element.prices });
    else if ((c.type === undefined || c.type === "start_date") && typeof c.start_date === "string") {
      const startMs = new Date(c.start_date).getTime();
      if (Number.isNaN(startMs)) return undefined;
      entries.push({ startMs, prices: element.prices });
    } else return undefined;
  }
  if (entries.length === 0) return undefined;
  const first = (entries[0] as (typeof entries)[number]).prices;
  return (at) => {
    const t = at.getTime();
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i] as (typeof entries)[number];
      if (e.startMs === undefined || t >= e.startMs) return e.prices;
    }
    return first;
  };
}

function cost(rate: Rate, leaf: number, inputTotal: number): number {
  if (typeof rate === "number") return (rate * leaf) / 1e6;
  if (leaf <= 0) return 0;
  // The library: tier price × tokens / 1e6, then × 1e6 / per (per = 1e6). Kept as is for the bits.
  let price = rate.base;
  for (const tier of rate.tiers) if (inputTotal > tier.start) price = tier.price;
  return (((price * leaf) / 1e6) * 1e6) / 1e6;
}

/** Total price of one request's usage (genai-prices' meaning of `input_tokens`: all input). */
export function applyRateCard(card: RateCard, usage: Usage): number {
  const inputTotal = usage.input_tokens ?? 0;
  const cacheRead = usage.cache_read_tokens ?? 0;
  const cacheWrite = usage.cache_write_tokens ?? 0;
  const cacheWrite1h = usage.cache_write_1h_tokens ?? 0;
  // Leaves as the library decomposes them: a unit keeps what its priced, more specific units do
  // not take. Unpriced cache tokens stay in their parent and are charged at its rate.
  const leaf1h = card.has.has("cacheWrite1h") ? cacheWrite1h : 0;
  const leafWrite = card.has.has("cacheWrite") ? cacheWrite - leaf1h : 0;
  const leafRead = card.has.has("cacheRead") ? cacheRead : 0;
  const leafInput = inputTotal - leafRead - leafWrite - leaf1h;
  const leaves: Record<TokenKey, number> = { input: leafInput, output: usage.output_tokens ?? 0, cacheRead: leafRead, cacheWrite: leafWrite, cacheWrite1h: leaf1h };
  let inputSum = 0;
  let outputSum = 0;
  for (const unit of card.units) {
    const c = cost(unit.rate, leaves[unit.key], inputTotal);
    if (unit.direction === "input") inputSum += c;
    else outputSum += c;
  }
  // The library's third, direction-less sum (web searches) is always 0 here: adding it changes no bit.
  return inputSum + outputSum;
}

/**
 * The card's rates per million tokens as Claude Code's five kinds (base rates of tiered ones); a
 * kind the entry does not price is charged at its parent's rate, as the library does.
 */
export function ratesOfCard(card: RateCard): Rates | undefined {
  const rate = (key: TokenKey): number | undefined => {
    const r = card.units.find((u) => u.key === key)?.rate;
    return r === undefined ? undefined : typeof r === "number" ? r : r.base;
  };
  const input = rate("input");
  const output = rate("output");
  if (input === undefined || output === undefined) return undefined;
  const write = rate("cacheWrite") ?? input;
  return { input, output, cacheRead: rate("cacheRead") ?? input, cacheWrite5m: write, cacheWrite1h: rate("cacheWrite1h") ?? write };
}

/** Usage the card's leaves are well defined for; anything else goes to the library, which explains it. */
export function cardCanPrice(usage: Usage): boolean {
  const input = usage.input_tokens ?? 0;
  const read = usage.cache_read_tokens ?? 0;
  const write = usage.cache_write_tokens ?? 0;
  const write1h = usage.cache_write_1h_tokens ?? 0;
  const output = usage.output_tokens ?? 0;
  return [input, read, write, write1h, output].every((n) => Number.isFinite(n) && n >= 0) && write1h <= write && read + write <= input;
}
