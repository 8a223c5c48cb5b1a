import type { CostMode } from "../config/price-overrides.js";
import type { TokenUsage } from "../transcript/line-types.js";
import type { ByTokenKind, Rates } from "./token-kinds.js";

/**
 * What priced a request, or a cost figure:
 * - `ledger`: Claude Code's own `cost-state` ledger (the request's share of what it charged);
 * - `learned`: the model's effective rates, learned from the ledgers of earlier sessions;
 * - `price_table`: the price library (genai-prices);
 * - `override`: the user's own prices (the config file's `prices`);
 * - `unknown`: no price at all (the cost is 0 and says so).
 */
export type CostSourceKind = "ledger" | "learned" | "price_table" | "override" | "unknown";

export type { CostMode } from "../config/price-overrides.js";

/**
 * What the session model asks of pricing: the cost of one API request. The model only calls it;
 * cost/price-request.ts implements it with genai-prices, the user's overrides and the rates
 * learned from Claude Code's ledgers.
 */
export interface RequestPrice {
  readonly usd: number;
  /** False when no price was found: the cost is incomplete, never silently zero. */
  readonly known: boolean;
  readonly source: Exclude<CostSourceKind, "ledger">;
  /**
   * The price at the model's base rates, without long-context tiers: how a ledger line's charge
   * is shared among its requests (Claude Code applies such tiers to some models only).
   */
  readonly linearUsd: number;
  /** Our own price (library or override), independent of Claude Code: the `computed` figure. */
  readonly computedUsd: number;
  readonly computedKnown: boolean;
}

/**
 * One model's part of one ledger segment (what Claude Code charged between two of its
 * `cost-state` lines): the tokens and the cost, from which its rates can be learned.
 */
export interface LedgerObservation {
  readonly model: string;
  /** The Claude Code release that wrote the ledger line. */
  readonly version: string;
  readonly sessionId: string;
  /** The ledger line's index in the session: with the session id, names the observation. */
  readonly index: number;
  /** When the ledger line was written (the last transcript time before it), ms. */
  readonly atMs: number;
  readonly tokens: ByTokenKind;
  readonly usd: number;
}

/** Rates fitted to a model's ledgers, and from when they apply (requests sent at or after it). */
export interface FittedRates {
  readonly fittedAtMs: number;
  readonly rates: Rates;
  /** How many ledger segments it explains. */
  readonly basis: number;
  /** Every rate pinned by the ledgers (five independent segments), not partly the library's. */
  readonly exact: boolean;
}

/** What has been learned about one model in one Claude Code release. */
export interface LearnedModel {
  readonly model: string;
  readonly version: string;
  readonly observations: readonly LedgerObservation[];
  readonly fits: readonly FittedRates[];
}

/** The learned rates as stored (state/learned-rates-store.ts), keyed by `model@version`. */
export interface LearnedRatesData {
  readonly version: 1;
  readonly models: Readonly<Record<string, LearnedModel>>;
}

/** Nothing learned yet. */
export const NO_LEARNED_RATES: LearnedRatesData = { version: 1, models: {} };

/**
 * Prices one request: its model and token usage at the time it was sent (and the Claude Code
 * release that sent it, for rates learned per release). Optionally says which figure is the cost
 * (`mode`), which models the user priced, and takes the ledger segments of each session built
 * with it, to learn from.
 */
export interface Pricer {
  (model: string, usage: TokenUsage, at: Date | undefined, version?: string): RequestPrice;
  /** Default `auto`. */
  readonly mode?: CostMode;
  /** A model the user priced: under `auto`, its price wins over Claude Code's ledger. */
  readonly overridden?: (model: string) => boolean;
  /** Ledger segments of a session just built, to learn rates from (cost/learned-rates.ts). */
  readonly observe?: (observations: readonly LedgerObservation[]) => void;
}
