import type { TokenUsage } from "../transcript/line-types.js";

/**
 * What the session model asks of pricing: the cost of one API request. The model only calls it;
 * cost/price-request.ts implements it with genai-prices and the user's overrides.
 */
export interface RequestPrice {
  readonly usd: number;
  /** False when no price was found: the cost is incomplete, never silently zero. */
  readonly known: boolean;
  readonly source: "genai-prices" | "override" | "unknown";
}

/** Prices one request: its model and token usage at the time it was sent. */
export type Pricer = (model: string, usage: TokenUsage, at: Date | undefined) => RequestPrice;
