import { calcPrice } from "@pydantic/genai-prices";
import type { ModelInfo, Provider, Usage } from "@pydantic/genai-prices";
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

export function createPricer(config: PriceConfig = NO_OVERRIDES): Pricer {
  const overrides = overrideProvider(config);
  const cache = new Map<string, boolean>();
  return (model, usage, at) => {
    const genaiUsage = toGenaiUsage(usage);
    const options = at === undefined ? {} : { timestamp: at };
    if (overrides !== undefined) {
      const result = safeCalc(genaiUsage, model, { ...options, provider: overrides });
      if (result !== undefined) return { usd: result, known: true, source: "override" };
    }
    if (cache.get(model) === false) return { usd: 0, known: false, source: "unknown" };
    const result = safeCalc(genaiUsage, model, { ...options, providerId: "anthropic" });
    cache.set(model, result !== undefined);
    return result === undefined ? { usd: 0, known: false, source: "unknown" } : { usd: result, known: true, source: "genai-prices" };
  };
}

function safeCalc(usage: Usage, model: string, options: Parameters<typeof calcPrice>[2]): number | undefined {
  try {
    const result = calcPrice(usage, model, options);
    return result === null || result === undefined ? undefined : result.total_price;
  } catch {
    return undefined;
  }
}
