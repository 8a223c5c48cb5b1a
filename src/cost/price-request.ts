import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as GenaiPricesModule from "@pydantic/genai-prices";
import type { ModelInfo, PriceCalculation, Provider, Usage } from "@pydantic/genai-prices";
import type { CostMode, LedgerObservation, Pricer, RequestPrice } from "../model/pricer.js";
import type { Rates } from "../model/token-kinds.js";
import { costAt, tokensOfUsage } from "../model/token-kinds.js";
import type { TokenUsage } from "../transcript/line-types.js";
import type { PriceConfig } from "../config/price-overrides.js";
import { NO_OVERRIDES } from "../config/price-overrides.js";
import type { LearnedRates } from "./learned-rates.js";
import type { RateCard } from "./rate-card.js";
import { applyRateCard, cardCanPrice, dated, rateCardOf, ratesOfCard } from "./rate-card.js";
import { findModel, readPriceTable } from "./price-table.js";

/**
 * genai-prices counts `input_tokens` as ALL input (uncached + cache reads + cache writes);
 * Anthropic's usage reports uncached input only. Convert here, once.
 */
export function toGenaiUsage(usage: TokenUsage): Usage {
  const cacheWrite = usage.cacheCreation;
  return {
    input_tokens: usage.input + usage.cacheRead + cacheWrite,
    output_tokens: usage.output,
    cache_read_tokens: usage.cacheRead,
    cache_write_tokens: cacheWrite,
    cache_write_1h_tokens: Math.min(usage.cacheCreation1h, cacheWrite),
  };
}

/** The user's overrides as a genai-prices provider (exported for the bit-for-bit tests). */
export function overrideProvider(config: PriceConfig): Provider | undefined {
  if (config.overrides.length === 0) return undefined;
  const models: ModelInfo[] = config.overrides.map((o) => {
    const prices: Record<string, number> = { input_mtok: o.input_mtok, output_mtok: o.output_mtok };
    if (o.cache_read_mtok !== undefined) prices["cache_read_mtok"] = o.cache_read_mtok;
    // genai-prices requires the 5m rate whenever a 1h rate is given.
    const cacheWrite = o.cache_write_mtok ?? o.cache_write_1h_mtok;
    if (cacheWrite !== undefined) prices["cache_write_mtok"] = cacheWrite;
    if (o.cache_write_1h_mtok !== undefined) prices["cache_write_1h_mtok"] = o.cache_write_1h_mtok;
    const match = o.model.endsWith("*") ? { starts_with: o.model.slice(0, -1) } : { equals: o.model };
    return { id: o.model, match, prices };
  });
  return { id: "claude-code-otel-overrides", name: "User price overrides", api_pattern: ".*", models };
}

/** A model the library resolved once: its one-model provider, and its dated rate cards when it has them. */
interface Resolved {
  readonly provider: Provider;
  /** The entry `calcPrice` would pick at a time, read into a card; undefined: ask the library. */
  readonly cardAt: ((at: Date) => RateCard | undefined) | undefined;
}

function resolvedFrom(p: Provider, model: ModelInfo): Resolved {
  const provider: Provider = { id: p.id, name: p.name, api_pattern: p.api_pattern, models: [model] };
  const entryAt = dated(model);
  if (entryAt === undefined) return { provider, cardAt: undefined };
  const cards = new Map<Readonly<Record<string, unknown>>, RateCard | undefined>();
  return {
    provider,
    cardAt: (at) => {
      const entry = entryAt(at);
      if (!cards.has(entry)) cards.set(entry, rateCardOf(entry));
      return cards.get(entry);
    },
  };
}

/** How `createPricer` prices beyond the config: the cost source, and the rates learned from Claude Code's ledgers. */
export interface PricerOptions {
  /** Which figure is the cost (default: the config's, else `auto`): see config/price-overrides.ts. */
  readonly mode?: CostMode;
  /** Rates learned from Claude Code's ledgers; the pricer feeds it the ledgers of the sessions it prices. */
  readonly learned?: LearnedRates;
}

type TablePrice = Pick<RequestPrice, "usd" | "known" | "linearUsd"> & { readonly source: "price_table" | "override" | "unknown" };

/**
 * Prices a request: under `computed`, with our own prices only (the user's overrides, then the
 * price library); otherwise first with the rates learned from Claude Code's ledgers for the
 * model (`ledger`), or after the user's overrides (`auto`, `both`). Every price also carries the
 * `computed` figure.
 */
export function createPricer(config: PriceConfig = NO_OVERRIDES, options: PricerOptions = {}): Pricer {
  const mode = options.mode ?? config.mode ?? "auto";
  const table = createTablePricer(config);
  const learned = mode === "computed" ? undefined : options.learned;
  const overridden = (model: string): boolean => config.overrides.length > 0 && table(model, ONE_TOKEN, undefined).source === "override";
  const price = (model: string, usage: TokenUsage, at: Date | undefined, version?: string): RequestPrice => {
    const own = table(model, usage, at);
    const computed = { computedUsd: own.usd, computedKnown: own.known };
    if (learned !== undefined && !(mode !== "ledger" && own.source === "override")) {
      const atMs = at === undefined || Number.isNaN(at.getTime()) ? Number.POSITIVE_INFINITY : at.getTime();
      const fit = learned.lookup(model, version, atMs);
      if (fit !== undefined) {
        const usd = costAt(fit.rates, tokensOfUsage(usage));
        return { usd, known: true, source: "learned", linearUsd: usd, ...computed };
      }
    }
    return { usd: own.usd, known: own.known, source: own.source, linearUsd: own.linearUsd, ...computed };
  };
  return Object.assign(price, {
    mode,
    overridden,
    observe: learned === undefined ? undefined : (observations: readonly LedgerObservation[]) => learned.observe(observations),
  });
}

const ONE_TOKEN: TokenUsage = { input: 1, output: 0, cacheRead: 0, cacheCreation: 0, cacheCreation5m: 0, cacheCreation1h: 0 };

/** The price library's rates for a model today (base rates of tiered entries): where learning starts. */
export function libraryRates(model: string): Rates | undefined {
  const table = priceTable();
  const found = table === undefined ? undefined : findModel(table, model);
  const tableEntry = found === undefined ? undefined : dated(found)?.(new Date());
  const tableCard = tableEntry === undefined ? undefined : rateCardOf(tableEntry);
  if (tableCard !== undefined) return ratesOfCard(tableCard);
  // No model in the extract: none in the library either.
  if (table !== undefined && found === undefined) return undefined;
  const result = safeCalc(toGenaiUsage(ONE_TOKEN), model, { providerId: "anthropic" });
  if (result === undefined) return undefined;
  const entry = dated(result.model)?.(new Date());
  const card = entry === undefined ? undefined : rateCardOf(entry);
  return card === undefined ? undefined : ratesOfCard(card);
}

/**
 * Prices with genai-prices' data. The library's lookup (provider, then the first model whose match
 * rule fits, over the whole provider's list, lower-casing on the way) and its general price engine
 * cost far more than the price itself, so each model is resolved once: later requests apply that
 * model's own price entry for the request's date (rate-card.ts, the library's arithmetic to the
 * last bit), or, for an entry a card cannot hold, call calcPrice with a provider holding just the
 * model found. The first request of a model is resolved in the build's extract of the library
 * (price-table.ts) when its card can price it, so a process whose requests all have cards never
 * loads the library; anything else takes the library's own full lookup, as it always did.
 */
function createTablePricer(config: PriceConfig): (model: string, usage: TokenUsage, at: Date | undefined) => TablePrice {
  const overrides = overrideProvider(config);
  /**
   * Model id → what it resolved to: the user's override if one matches, else the library's
   * Anthropic entry; null once the model has failed to price. Overrides and the library take
   * the same path: one full lookup per model, then its own entry (a rate card) per request.
   */
  const resolved = new Map<string, (Resolved & { readonly source: TablePrice["source"] }) | null>();
  const unknown: TablePrice = { usd: 0, known: false, source: "unknown", linearUsd: 0 };
  const lookup = (genaiUsage: Usage, model: string, at: Date | undefined, provider: Provider | undefined): PriceCalculation | undefined =>
    safeCalc(genaiUsage, model, { ...(at === undefined ? {} : { timestamp: at }), ...(provider === undefined ? { providerId: "anthropic" } : { provider }) });
  /** The model's first request, through the library's full lookup. */
  const resolveWithLibrary = (model: string, usage: TokenUsage, genaiUsage: Usage, at: Date | undefined): TablePrice => {
    const overridden = overrides === undefined ? undefined : lookup(genaiUsage, model, at, overrides);
    const result = overridden ?? lookup(genaiUsage, model, at, undefined);
    if (result === undefined) {
      resolved.set(model, null);
      return unknown;
    }
    const source = overridden !== undefined ? "override" : "price_table";
    const entry = { ...resolvedFrom(result.provider, result.model), source } as const;
    resolved.set(model, entry);
    const card = at === undefined || Number.isNaN(at.getTime()) ? undefined : entry.cardAt?.(at);
    return { usd: result.total_price, known: true, source, linearUsd: linearOf(card, usage, result.total_price) };
  };
  /**
   * What the library's lookup finds for the model, from the overrides and the build's extract:
   * null when neither has it (the library finds nothing either), undefined when there is no extract.
   */
  const resolveInTables = (model: string): (Resolved & { readonly source: TablePrice["source"] }) | null | undefined => {
    const own = overrides === undefined ? undefined : findModel(overrides, model);
    if (own !== undefined && overrides !== undefined) return { ...resolvedFrom(overrides, own), source: "override" };
    const table = priceTable();
    if (table === undefined) return undefined;
    const found = findModel(table, model);
    return found === undefined ? null : { ...resolvedFrom(table, found), source: "price_table" };
  };
  return (model, usage, at) => {
    const genaiUsage = toGenaiUsage(usage);
    let one = resolved.get(model);
    if (one === null) return unknown;
    const when = at ?? new Date();
    const cardable = !Number.isNaN(when.getTime()) && cardCanPrice(genaiUsage);
    if (one === undefined) {
      const found = resolveInTables(model);
      if (found === null) {
        resolved.set(model, null);
        return unknown;
      }
      // Where the card cannot price this first request, the library's lookup decides (it may
      // refuse this usage, and then the model), exactly as before.
      if (found === undefined || !cardable || found.cardAt?.(when) === undefined) return resolveWithLibrary(model, usage, genaiUsage, at);
      resolved.set(model, found);
      one = found;
      if (at === undefined) {
        // The library's lookup gave no linear price for a request without a time: its price.
        const usd = applyRateCard(found.cardAt?.(when) as RateCard, genaiUsage);
        return { usd, known: true, source: found.source, linearUsd: usd };
      }
    }
    const card = cardable ? one.cardAt?.(when) : undefined;
    if (card !== undefined) {
      const usd = applyRateCard(card, genaiUsage);
      return { usd, known: true, source: one.source, linearUsd: linearOf(card, usage, usd) };
    }
    const result = lookup(genaiUsage, model, at, one.provider);
    return result === undefined ? unknown : { usd: result.total_price, known: true, source: one.source, linearUsd: result.total_price };
  };
}

/** The price at the entry's base rates: `usd` itself unless the entry is tiered. */
function linearOf(card: RateCard | undefined, usage: TokenUsage, usd: number): number {
  if (card?.tiered !== true) return usd;
  const rates = ratesOfCard(card);
  return rates === undefined ? usd : costAt(rates, tokensOfUsage(usage));
}

type GenaiPrices = typeof GenaiPricesModule;
const requireHere = createRequire(import.meta.url);
let library: GenaiPrices | undefined;
let table: Provider | null | undefined;

/** The build's extract of the library's Anthropic models, when it matches the installed library. */
function priceTable(): Provider | undefined {
  table ??= readPriceTable(priceLibraryVersion()) ?? null;
  return table ?? undefined;
}

/**
 * Readies pricing before a run of requests: loads genai-prices (its price data costs ~40 ms and
 * ~20 MB) only when the build's extract of it cannot serve (price-table.ts). Where the extract
 * cannot price a request later, the pricer requires the library's CommonJS build then (a process
 * that loads it that way peaks ~30 MB higher than with this import, the GC sizing its heap to it).
 */
export async function preparePrices(): Promise<void> {
  if (priceTable() === undefined) library ??= await import("@pydantic/genai-prices");
}

/**
 * Loads genai-prices whatever the extract could serve: for the commands that export (replay and
 * its worker threads, watch). Measured: `replay --jobs 1` of the 401 MB bench corpus took
 * 10.4-10.9 CPU-s with the library imported here against 11.7-12.3 without it (3 alternating runs,
 * load 2-4), and peaked 10 MB lower; the time goes to the OTLP serializer's string loops
 * (`writeString` 0.24 s against 1.0 s in the profiles). A 15 MB ballast of plain objects made at
 * the same point gave the same speed: V8 sizes the old generation to what is live early, and the
 * export's strings fare better in that heap. Not explained further; pricing itself uses the
 * extract either way.
 */
export async function loadPriceLibrary(): Promise<void> {
  library ??= await import("@pydantic/genai-prices");
}

/** Whether this process has loaded genai-prices itself (for the tests of the extract). */
export function priceLibraryLoaded(): boolean {
  return library !== undefined;
}

function genaiPrices(): GenaiPrices {
  library ??= requireHere("@pydantic/genai-prices") as GenaiPrices;
  return library;
}

/** The installed genai-prices version, read without loading the library: part of what a cached price depends on. */
export function priceLibraryVersion(): string {
  try {
    const entry = requireHere.resolve("@pydantic/genai-prices");
    const pkg = JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}

function safeCalc(usage: Usage, model: string, options: Parameters<GenaiPrices["calcPrice"]>[2]): PriceCalculation | undefined {
  try {
    const result = genaiPrices().calcPrice(usage, model, options);
    return result === null || result === undefined ? undefined : result;
  } catch {
    return undefined;
  }
}
