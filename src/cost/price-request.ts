import { calcPrice } from "@pydantic/genai-prices";
import type { ModelInfo, PriceCalculation, Provider, Usage } from "@pydantic/genai-prices";
import type { TokenUsage } from "../transcript/line-types.js";
import type { PriceConfig } from "./price-config.js";
import { NO_OVERRIDES } from "./price-config.js";

export interface RequestPrice {
  readonly usd: number;
  /** False when no price was found: the cost is incomplete, never silently zero. */
  readonly known: boolean;
  readonly source: "genai-prices" | "override" | "unknown";
}

export type Pricer = (model: string, usage: TokenUsage, at: Date | undefined) => RequestPrice;

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

function overrideProvider(config: PriceConfig): Provider | undefined {
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

/**
 * Prices with genai-prices. The library's lookup (provider, then the first model whose match rule
 * fits, over the whole provider's list, lower-casing on the way) costs more than the price itself,
 * so each model is resolved once: the first call goes through the full lookup, later calls hand
 * calcPrice a provider holding just the model it found. The price (time constraints, tiers, cache
 * rates) is still the library's own computation on the same entry, to the last bit.
 */
export function createPricer(config: PriceConfig = NO_OVERRIDES): Pricer {
  const overrides = overrideProvider(config);
  /** Model id → a one-model provider for it, or null once the model has failed to price. */
  const resolved = new Map<string, Provider | null>();
  const unknown: RequestPrice = { usd: 0, known: false, source: "unknown" };
  return (model, usage, at) => {
    const genaiUsage = toGenaiUsage(usage);
    if (overrides !== undefined) {
      const result = safeCalc(genaiUsage, model, at === undefined ? { provider: overrides } : { timestamp: at, provider: overrides });
      if (result !== undefined) return { usd: result.total_price, known: true, source: "override" };
    }
    const one = resolved.get(model);
    if (one === null) return unknown;
    const result =
      one === undefined
        ? safeCalc(genaiUsage, model, at === undefined ? { providerId: "anthropic" } : { timestamp: at, providerId: "anthropic" })
        : safeCalc(genaiUsage, model, at === undefined ? { provider: one } : { timestamp: at, provider: one });
    if (result === undefined) {
      resolved.set(model, null);
      return unknown;
    }
    if (one === undefined) {
      const p = result.provider;
      resolved.set(model, { id: p.id, name: p.name, api_pattern: p.api_pattern, models: [result.model] });
    }
    return { usd: result.total_price, known: true, source: "genai-prices" };
  };
}

function safeCalc(usage: Usage, model: string, options: Parameters<typeof calcPrice>[2]): PriceCalculation | undefined {
  try {
    const result = calcPrice(usage, model, options);
    return result === null || result === undefined ? undefined : result;
  } catch {
    return undefined;
  }
}
