/**
 * What a session cost. Each request is priced at the time it was sent (the `Pricer`,
 * cost/price-request.ts: rates learned from Claude Code's ledgers, the price library, the user's
 * overrides); Claude Code's `cost-state` lines, its own ledger, then decide what each stretch of
 * the session cost (ledger.ts): where a ledger line exists, the requests it covers share what it
 * charged, and what no request explains is the compaction call's cost. Everything about cost in
 * the model lives here.
 */
import type { TokenUsage } from "../transcript/line-types.js";
import type { CompactionCost, LedgerCompaction, LedgerLine, LedgerRequest } from "./ledger.js";
import { reconcileLedger } from "./ledger.js";
import type { CostSourceKind, Pricer, RequestPrice } from "./pricer.js";
import type { ApiRequest, CacheRebuild, LedgerSegment, ModelCost, RequestCost, SessionCost } from "./types.js";
import { ZERO_USAGE } from "./types.js";
import { EPSILON_USD, UsdSum } from "../util/usd.js";

export interface PricingInput {
  readonly sessionId: string;
  /** In start order (the order of the float sums). */
  readonly requests: readonly ApiRequest[];
  readonly prices: ReadonlyMap<string, RequestPrice>;
  /** A request's first line in the main file (undefined in a subagent file). */
  readonly positionOf: (requestKey: string) => number | undefined;
  readonly ledger: readonly LedgerLine[];
  readonly compactions: readonly (LedgerCompaction & { readonly endTime: number })[];
}

export interface SessionPricing {
  /** Each request's cost, by key. */
  readonly requestCosts: ReadonlyMap<string, RequestCost>;
  readonly cost: SessionCost;
  /** Per compaction, in order: the summarising call's cost (undefined: no ledger line covers it yet). */
  readonly compactionCosts: readonly (CompactionCost | undefined)[];
  /** Per compaction, in order: the first main-thread request after it, and what its cache writes cost. */
  readonly cacheRebuilds: readonly (CacheRebuild | undefined)[];
  readonly segments: readonly LedgerSegment[];
  readonly warnings: string[];
}

export function priceSession(input: PricingInput, pricer: Pricer): SessionPricing {
  const ledgerRequests: LedgerRequest[] = [];
  for (const r of input.requests) {
    const price = input.prices.get(r.key);
    if (price !== undefined) ledgerRequests.push({ key: r.key, model: r.model, usage: r.usage, position: input.positionOf(r.key), endTime: r.endTime, price });
  }
  const ledger = reconcileLedger(input.sessionId, input.ledger, ledgerRequests, input.compactions, pricer);
  if (ledger.observations.length > 0) pricer.observe?.(ledger.observations);
  const compactionCosts = input.compactions.map((c) => ledger.compactionCosts.get(c.uuid));
  const cacheRebuilds = input.compactions.map((c) => cacheRebuild(input.requests, ledger.requestCosts, input.prices, c.endTime, pricer));
  const cost = summariseCost(input.requests, ledger.requestCosts, ledger.segments, compactionCosts, ledger.ledgerUsd, pricer);
  const warnings: string[] = [];
  for (const model of cost.unknownModels) warnings.push(`no price for model "${model}": session cost is incomplete`);
  for (const model of unknownToClaudeCode(ledger.segments)) warnings.push(`Claude Code did not know model "${model}" and charged its default model's rates`);
  return { requestCosts: ledger.requestCosts, cost, compactionCosts, cacheRebuilds, segments: ledger.segments, warnings };
}

function unknownToClaudeCode(segments: readonly LedgerSegment[]): string[] {
  const out = new Set<string>();
  for (const s of segments) if (s.hasUnknownModelCost) for (const m of Object.keys(s.byModel)) out.add(m);
  return [...out].sort();
}

/**
 * After a compaction the prompt cache holds nothing of the new context: the first main-thread
 * request writes it again. Its cache writes, at that request's cost, are the rebuild's price.
 */
function cacheRebuild(
  requests: readonly ApiRequest[],
  costs: ReadonlyMap<string, RequestCost>,
  prices: ReadonlyMap<string, RequestPrice>,
  after: number,
  pricer: Pricer,
): CacheRebuild | undefined {
  const first = requests.find((r) => r.agentId === undefined && r.startTime >= after);
  if (first === undefined) return undefined;
  const cost = costs.get(first.key);
  const price = prices.get(first.key);
  if (cost === undefined || price === undefined || first.usage.cacheCreation === 0 || !(price.usd > 0)) return { requestKey: first.key, usd: 0 };
  const u = first.usage;
  const writes: TokenUsage = { ...ZERO_USAGE, cacheCreation: u.cacheCreation, cacheCreation5m: u.cacheCreation5m, cacheCreation1h: u.cacheCreation1h };
  const writesPrice = pricer(first.model, writes, new Date(first.startTime)).usd;
  return { requestKey: first.key, usd: cost.usd * (writesPrice / price.usd) };
}

/**
 * The session's cost by model and in total: every request's cost, every compaction call's, and
 * what the ledger charged that neither carries.
 */
function summariseCost(
  requests: readonly ApiRequest[],
  costs: ReadonlyMap<string, RequestCost>,
  segments: readonly LedgerSegment[],
  compactionCosts: readonly (CompactionCost | undefined)[],
  ledgerUsd: number | undefined,
  pricer: Pricer,
): SessionCost {
  const byModel: Record<string, { usd: UsdSum; requests: number; tokens: TokenUsage; known: boolean; sourceUsd: Partial<Record<CostSourceKind, number>> }> = {};
  const requestsUsd = new UsdSum();
  const computedUsd = new UsdSum();
  const unknown = new Set<string>();
  for (const r of requests) {
    const c = costs.get(r.key) ?? r.cost;
    requestsUsd.add(c.usd);
    computedUsd.add(c.computedUsd);
    if (!c.known) unknown.add(r.model);
    const m = (byModel[r.model] ??= { usd: new UsdSum(), requests: 0, tokens: { ...ZERO_USAGE }, known: true, sourceUsd: {} });
    m.usd.add(c.usd);
    m.requests++;
    m.known &&= c.known;
    m.tokens = addUsage(m.tokens, r.usage);
    m.sourceUsd[c.source] = (m.sourceUsd[c.source] ?? 0) + Math.max(c.usd, EPSILON_USD);
  }
  const otherUsd = new UsdSum();
  for (const c of compactionCosts) otherUsd.add(c?.usd ?? 0);
  for (const s of segments) for (const usd of Object.values(s.unattributedUsd)) otherUsd.add(usd);
  const totalUsd = new UsdSum().add(requestsUsd.value).add(otherUsd.value).value;
  const mode = pricer.mode ?? "auto";
  const finalModel: Record<string, ModelCost> = {};
  for (const [model, m] of Object.entries(byModel)) {
    const source = (Object.entries(m.sourceUsd) as [CostSourceKind, number][]).sort((a, b) => b[1] - a[1])[0]?.[0] ?? "unknown";
    finalModel[model] = { usd: m.usd.value, requests: m.requests, tokens: m.tokens, known: m.known, source };
  }
  return {
    totalUsd,
    computedUsd: computedUsd.value,
    ledgerUsd,
    unattributedUsd: otherUsd.value,
    source: ledgerUsd !== undefined && mode !== "computed" ? "ledger" : "computed",
    mode,
    complete: unknown.size === 0,
    unknownModels: [...unknown].sort(),
    byModel: finalModel,
  };
}

function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheCreation: a.cacheCreation + b.cacheCreation,
    cacheCreation5m: a.cacheCreation5m + b.cacheCreation5m,
    cacheCreation1h: a.cacheCreation1h + b.cacheCreation1h,
  };
}
