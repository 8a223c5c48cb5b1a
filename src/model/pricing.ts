/**
 * What a session cost. Each request is priced at the time it was sent (the `Pricer`,
 * cost/price-request.ts); Claude Code's `cost-state` lines, its own running ledger, are
 * reconciled against those prices (reconcile-ledger.ts): where a ledger exists, its total is the
 * session's cost, and its growth across a compaction that no request explains is what the
 * summarising call cost. Everything about cost in the model lives here.
 */
import type { CostStateLine, TokenUsage } from "../transcript/line-types.js";
import type { Pricer } from "./pricer.js";
import type { LedgerSnapshot } from "./reconcile-ledger.js";
import { reconcileLedger } from "./reconcile-ledger.js";
import type { ApiRequest, RequestCost, SessionCost } from "./types.js";
import { ZERO_USAGE } from "./types.js";

/** A `cost-state` line of the main file, at its ordinal there. */
export function noteLedgerLine(snapshots: LedgerSnapshot[], line: CostStateLine, position: number): void {
  snapshots.push({ position, totalUsd: line.totalCostUsd });
}

export function requestCost(pricer: Pricer, model: string, usage: TokenUsage, sentAt: number): RequestCost {
  const price = pricer(model, usage, new Date(sentAt));
  return { usd: price.usd, known: price.known };
}

export interface SessionPricing {
  readonly cost: SessionCost;
  /** Per compaction, in order: the summarising call's cost, from the ledger (undefined: no ledger around it). */
  readonly compactionCosts: readonly (number | undefined)[];
  readonly warnings: string[];
}

/**
 * `requests` in start order (the order of the float sums); `positionOf`: a request's first line in
 * the main file (undefined in a subagent file); compactions by their lines' ordinals.
 */
export function priceSession(
  requests: readonly ApiRequest[],
  positionOf: (requestKey: string) => number | undefined,
  snapshots: readonly LedgerSnapshot[],
  compactionPositions: readonly number[],
): SessionPricing {
  const positionCost: { position: number; usd: number }[] = [];
  for (const r of requests) {
    const position = positionOf(r.key);
    if (position !== undefined) positionCost.push({ position, usd: r.cost.usd });
  }
  const ledger = reconcileLedger(snapshots, positionCost, compactionPositions);
  const cost = summariseCost(requests, ledger.totalUsd);
  const warnings: string[] = [];
  for (const model of cost.unknownModels) warnings.push(`no price for model "${model}": session cost is incomplete`);
  return { cost, compactionCosts: ledger.compactionCosts, warnings };
}

/** The session's cost by model and in total: the ledger's total where there is one, else the sum of requests. */
export function summariseCost(requests: readonly ApiRequest[], ledgerUsd: number | undefined): SessionCost {
  const byModel: Record<string, { usd: number; requests: number; tokens: TokenUsage; known: boolean }> = {};
  let computedUsd = 0;
  const unknown = new Set<string>();
  for (const r of requests) {
    computedUsd += r.cost.usd;
    if (!r.cost.known) unknown.add(r.model);
    const m = (byModel[r.model] ??= { usd: 0, requests: 0, tokens: { ...ZERO_USAGE }, known: true });
    m.usd += r.cost.usd;
    m.requests++;
    m.known &&= r.cost.known;
    m.tokens = addUsage(m.tokens, r.usage);
  }
  const source = ledgerUsd !== undefined ? "ledger" : "computed";
  const totalUsd = ledgerUsd ?? computedUsd;
  return {
    totalUsd,
    computedUsd,
    ledgerUsd,
    unattributedUsd: ledgerUsd !== undefined ? ledgerUsd - computedUsd : 0,
    source,
    complete: unknown.size === 0,
    unknownModels: [...unknown].sort(),
    byModel,
  };
}

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheCreation: a.cacheCreation + b.cacheCreation,
    cacheCreation5m: a.cacheCreation5m + b.cacheCreation5m,
    cacheCreation1h: a.cacheCreation1h + b.cacheCreation1h,
  };
}
