/**
 * The five kinds of token Claude Code prices, as figures: from a request's usage or a ledger
 * line's `modelUsage`, and back; and how Claude Code's model names meet the transcript's.
 */
import type { ModelLedger, TokenUsage } from "../transcript/line-types.js";

/** A figure per kind of token Claude Code prices: token counts, or rates. */
export interface ByTokenKind {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite5m: number;
  readonly cacheWrite1h: number;
}

/** Rates in USD per million tokens, as Claude Code applies them. */
export type Rates = ByTokenKind;

export const TOKEN_KINDS: readonly (keyof ByTokenKind)[] = ["input", "output", "cacheRead", "cacheWrite5m", "cacheWrite1h"];

/**
 * Relative rates of Anthropic's price lists (input 1, output 5, cache read 0.1, 5-minute write
 * 1.25, 1-hour write 2): how a model nobody can price shares its segment's cost among requests,
 * and where learning starts for a model the library lacks.
 */
export const ANTHROPIC_PROPORTIONS: ByTokenKind = { input: 1, output: 5, cacheRead: 0.1, cacheWrite5m: 1.25, cacheWrite1h: 2 };

export const ZERO: ByTokenKind = { input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };

export function tokensOfUsage(u: TokenUsage): ByTokenKind {
  const oneHour = Math.min(Math.max(u.cacheCreation1h, 0), u.cacheCreation);
  return { input: u.input, output: u.output, cacheRead: u.cacheRead, cacheWrite5m: u.cacheCreation - oneHour, cacheWrite1h: oneHour };
}

export function usageOfTokens(t: ByTokenKind): TokenUsage {
  return {
    input: t.input,
    output: t.output,
    cacheRead: t.cacheRead,
    cacheCreation: t.cacheWrite5m + t.cacheWrite1h,
    cacheCreation5m: t.cacheWrite5m,
    cacheCreation1h: t.cacheWrite1h,
  };
}

export function tokensOfLedger(m: ModelLedger): ByTokenKind {
  const oneHour = Math.min(m.cacheCreation1hInputTokens, m.cacheCreationInputTokens);
  return { input: m.inputTokens, output: m.outputTokens, cacheRead: m.cacheReadInputTokens, cacheWrite5m: m.cacheCreationInputTokens - oneHour, cacheWrite1h: oneHour };
}

export function combine(a: ByTokenKind, b: ByTokenKind, f: (x: number, y: number) => number): ByTokenKind {
  return {
    input: f(a.input, b.input),
    output: f(a.output, b.output),
    cacheRead: f(a.cacheRead, b.cacheRead),
    cacheWrite5m: f(a.cacheWrite5m, b.cacheWrite5m),
    cacheWrite1h: f(a.cacheWrite1h, b.cacheWrite1h),
  };
}

/** Tokens at some rates (USD). */
export function costAt(rates: Rates, tokens: ByTokenKind): number {
  let usd = 0;
  for (const k of TOKEN_KINDS) usd += (tokens[k] * rates[k]) / 1e6;
  return usd;
}

/** Tokens at Anthropic's relative rates: a weight, not a price. */
export function shapeUsd(t: ByTokenKind): number {
  return costAt(ANTHROPIC_PROPORTIONS, t);
}

/** The model id without what Claude Code adds or the API dates: `claude-sonnet-4-5[1m]` → `claude-sonnet-4-5`. */
export function canonicalModel(model: string): string {
  return model
    .toLowerCase()
    .replace(/\[[^\]]*\]$/, "")
    .replace(/-\d{8}$/, "");
}

/** Which request model each ledger model is: the same id, the same canonical id, else the one left on each side. */
export function matchLedgerModels(ledgerModels: readonly string[], requestModels: readonly string[]): Map<string, string | undefined> {
  const match = new Map<string, string | undefined>();
  const free = new Set(requestModels);
  for (const l of ledgerModels) {
    if (free.has(l)) {
      match.set(l, l);
      free.delete(l);
    }
  }
  for (const l of ledgerModels) {
    if (match.has(l)) continue;
    const m = [...free].find((r) => canonicalModel(r) === canonicalModel(l));
    if (m !== undefined) {
      match.set(l, m);
      free.delete(m);
    }
  }
  const left = ledgerModels.filter((l) => !match.has(l));
  if (left.length === 1 && free.size === 1) match.set(left[0] as string, [...free][0]);
  for (const l of left) if (!match.has(l)) match.set(l, undefined);
  return match;
}
