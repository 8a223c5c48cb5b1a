/**
 * Claude Code's `cost-state` lines: its own running ledger of what the session cost, per model,
 * written when a Claude Code process exits (a resumed process carries the totals on). Between two
 * lines lies a *segment*: what Claude Code charged for it, per model, and for which tokens. The
 * requests of a segment share its cost in proportion to their prices, so that a segment's chat
 * and compaction costs add up to exactly what Claude Code charged for it, whatever the price
 * library thinks of the model; tokens the ledger has and no request explains are the compaction
 * call's (it leaves no assistant line), else cost of the segment itself (`unattributedUsd`).
 */
import type { CostStateLine, ModelLedger, TokenUsage } from "../transcript/line-types.js";
import type { CostMode, CostSourceKind, LedgerObservation, Pricer, RequestPrice } from "./pricer.js";
import type { ByTokenKind } from "./token-kinds.js";
import { TOKEN_KINDS, ZERO, canonicalModel, combine, matchLedgerModels, shapeUsd, tokensOfLedger, tokensOfUsage, usageOfTokens } from "./token-kinds.js";
import type { LedgerSegment, RequestCost } from "./types.js";
import { EPSILON_USD } from "../util/usd.js";

/** A `cost-state` line of the main file, with where and when it was written. */
export interface LedgerLine {
  readonly position: number;
  readonly atMs: number;
  readonly version: string | undefined;
  readonly line: CostStateLine;
}

export interface LedgerRequest {
  readonly key: string;
  readonly model: string;
  readonly usage: TokenUsage;
  /** First line in the main file; undefined in a subagent file. */
  readonly position: number | undefined;
  readonly endTime: number;
  readonly price: RequestPrice;
}

export interface LedgerCompaction {
  readonly uuid: string;
  readonly position: number;
  readonly preTokens: number | undefined;
}

/** A compaction call's cost, and what priced it: the ledger, or our prices where they decide (`computed`, an override). */
export interface CompactionCost {
  readonly usd: number;
  readonly source: CostSourceKind;
}

export interface LedgerResult {
  readonly segments: LedgerSegment[];
  /** Every request's cost (its price where no ledger line covers it yet). */
  readonly requestCosts: Map<string, RequestCost>;
  /** The summarising call's cost of each compaction a ledger line covers. */
  readonly compactionCosts: Map<string, CompactionCost>;
  readonly observations: LedgerObservation[];
  /** Claude Code's total (undefined: no ledger line). */
  readonly ledgerUsd: number | undefined;
}

/** Claude Code prices a request above this many prompt tokens at some models' long-prompt rates: not linear, so not learned from. */
const LONG_PROMPT_TOKENS = 100_000;

interface Delta {
  readonly line: LedgerLine;
  readonly totalUsd: number;
  /** The line's total minus the previous line's (the whole total after a restart). */
  readonly usd: number;
  readonly byModel: Record<string, { usd: number; tokens: ByTokenKind; webSearches: number }>;
}

/** Each line's growth over the previous one, per model; a total that went down started again from zero. */
function deltas(lines: readonly LedgerLine[]): Delta[] {
  const out: Delta[] = [];
  let completed = 0;
  let previousTotal = 0;
  let previous: Readonly<Record<string, ModelLedger>> = {};
  for (const l of lines) {
    const restarted = l.line.totalCostUsd + EPSILON_USD < previousTotal;
    if (restarted) completed += previousTotal;
    const base = restarted ? {} : previous;
    const byModel: Delta["byModel"] = {};
    for (const [model, now] of Object.entries(l.line.modelUsage)) {
      const before = base[model];
      const tokens = before === undefined ? tokensOfLedger(now) : combine(tokensOfLedger(now), tokensOfLedger(before), (a, b) => a - b);
      byModel[model] = { usd: now.costUsd - (before?.costUsd ?? 0), tokens, webSearches: now.webSearchRequests - (before?.webSearchRequests ?? 0) };
    }
    out.push({ line: l, totalUsd: completed + l.line.totalCostUsd, usd: restarted ? l.line.totalCostUsd : l.line.totalCostUsd - previousTotal, byModel });
    previousTotal = l.line.totalCostUsd;
    previous = l.line.modelUsage;
  }
  return out;
}

/** The ledger line covering a request: the first after it in the main file, or (subagents) written after it ended. */
function segmentOf(lines: readonly LedgerLine[], position: number | undefined, endTime: number): number | undefined {
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as LedgerLine;
    if (position !== undefined ? l.position > position : l.atMs >= endTime) return i;
  }
  return undefined;
}

function priced(r: LedgerRequest): RequestCost {
  const p = r.price;
  return { usd: p.usd, known: p.known, source: p.source, pricedUsd: p.usd, pricedSource: p.source, computedUsd: p.computedUsd };
}

/** Whether Claude Code's ledger decides a model's cost (else our own prices do, ledger or not). */
function ledgerDecides(pricer: Pricer, model: string): boolean {
  const mode: CostMode = pricer.mode ?? "auto";
  if (mode === "computed") return false;
  return mode === "ledger" || pricer.overridden?.(model) !== true;
}

export function reconcileLedger(
  sessionId: string,
  lines: readonly LedgerLine[],
  requests: readonly LedgerRequest[],
  compactions: readonly LedgerCompaction[],
  pricer: Pricer,
): LedgerResult {
  const sessionModels = [...new Set(requests.map((r) => r.model))];
  const requestCosts = new Map<string, RequestCost>();
  const compactionCosts = new Map<string, CompactionCost>();
  const bySegment = lines.map(() => [] as LedgerRequest[]);
  for (const r of requests) {
    const i = segmentOf(lines, r.position, r.endTime);
    if (i === undefined) requestCosts.set(r.key, priced(r));
    else bySegment[i]?.push(r);
  }
  const compactionsBySegment = lines.map(() => [] as LedgerCompaction[]);
  for (const c of compactions) {
    const i = segmentOf(lines, c.position, 0);
    if (i !== undefined) compactionsBySegment[i]?.push(c);
  }
  const segments: LedgerSegment[] = [];
  const observations: LedgerObservation[] = [];
  const all = deltas(lines);
  for (const [i, d] of all.entries()) {
    const inSegment = bySegment[i] ?? [];
    const segmentCompactions = compactionsBySegment[i] ?? [];
    const unattributed: Record<string, number> = {};
    const compaction = new CompactionShare();
    const models = matchLedgerModels(Object.keys(d.byModel), [...new Set(inSegment.map((r) => r.model))]);
    const matched = new Set<string>();
    for (const [ledgerModel, charged] of Object.entries(d.byModel)) {
      // A model with no request in this stretch (only the compaction call): the session's name for it.
      const model = models.get(ledgerModel) ?? sessionModels.find((m) => canonicalModel(m) === canonicalModel(ledgerModel));
      if (model !== undefined) matched.add(model);
      const own = model === undefined ? [] : inSegment.filter((r) => r.model === model);
      const rest = shareSegment(model ?? ledgerModel, own, charged, segmentCompactions.length > 0, pricer, d.line, requestCosts);
      compaction.add(rest.compactionUsd, rest.compactionSource);
      if (Math.abs(rest.unattributedUsd) > EPSILON_USD) unattributed[model ?? ledgerModel] = (unattributed[model ?? ledgerModel] ?? 0) + rest.unattributedUsd;
      const observation = observationOf(sessionId, i, d, model ?? ledgerModel, charged, own);
      if (observation !== undefined) observations.push(observation);
    }
    // Requests of a model the ledger line does not name keep their price; what the line's total
    // has beyond its models and those prices (a line without modelUsage) is the stretch's own.
    let accounted = 0;
    for (const charged of Object.values(d.byModel)) accounted += charged.usd;
    for (const r of inSegment) {
      if (matched.has(r.model)) continue;
      requestCosts.set(r.key, priced(r));
      accounted += r.price.usd;
    }
    const remainder = d.usd - accounted;
    if (Math.abs(remainder) > EPSILON_USD) {
      const owner = inSegment[0]?.model ?? sessionModels[0] ?? "unknown";
      if (segmentCompactions.length > 0 && remainder > 0) compaction.add(remainder, "ledger");
      else unattributed[owner] = (unattributed[owner] ?? 0) + remainder;
    }
    shareCompactions(segmentCompactions, compaction, compactionCosts);
    segments.push({
      index: i,
      atMs: d.line.atMs,
      version: d.line.version,
      totalUsd: d.totalUsd,
      byModel: Object.fromEntries(Object.entries(d.byModel).map(([m, v]) => [m, { usd: v.usd, tokens: v.tokens }])),
      unattributedUsd: unattributed,
      requestKeys: inSegment.map((r) => r.key),
      compactionUuids: segmentCompactions.map((c) => c.uuid),
      hasUnknownModelCost: d.line.line.hasUnknownModelCost,
    });
  }
  const last = all[all.length - 1];
  return { segments, requestCosts, compactionCosts, observations, ledgerUsd: last?.totalUsd };
}

/**
 * One model's part of a segment: its requests' costs (set in `costs`), and what is left for the
 * compaction call (tokens no request explains, when the segment has a compaction) or unattributed.
 * Where the ledger decides, everything is scaled so that it adds up to what Claude Code charged.
 */
function shareSegment(
  model: string,
  own: readonly LedgerRequest[],
  charged: { usd: number; tokens: ByTokenKind },
  hasCompaction: boolean,
  pricer: Pricer,
  line: LedgerLine,
  costs: Map<string, RequestCost>,
): { compactionUsd: number; compactionSource: CostSourceKind; unattributedUsd: number } {
  const residual = residualTokens(charged.tokens, own);
  const residualPrice = pricer(model, usageOfTokens(residual), new Date(line.atMs), line.version);
  if (!ledgerDecides(pricer, model)) {
    for (const r of own) costs.set(r.key, priced(r));
    const usd = residualPrice.known ? residualPrice.usd : 0;
    const compactionSource = residualPrice.known ? residualPrice.source : "unknown";
    return hasCompaction ? { compactionUsd: usd, compactionSource, unattributedUsd: 0 } : { compactionUsd: 0, compactionSource, unattributedUsd: usd };
  }
  // Prices to share by: ours where every request has one, else the usual shape of Anthropic's prices.
  const byPrice = own.every((r) => r.price.known) && residualPrice.known;
  const weight = (t: ByTokenKind, p: RequestPrice): number => (byPrice ? p.linearUsd : shapeUsd(t));
  let total = byPrice ? residualPrice.linearUsd : shapeUsd(residual);
  const residualWeight = total;
  for (const r of own) total += weight(tokensOfUsage(r.usage), r.price);
  const scale = total > 0 ? charged.usd / total : 0;
  for (const r of own) {
    const p = r.price;
    costs.set(r.key, { usd: weight(tokensOfUsage(r.usage), p) * scale, known: true, source: "ledger", pricedUsd: p.usd, pricedSource: p.source, computedUsd: p.computedUsd });
  }
  // Nothing to share by (no tokens at all): the whole charge is the segment's own.
  const left = total > 0 ? residualWeight * scale : charged.usd;
  return hasCompaction && total > 0
    ? { compactionUsd: left, compactionSource: "ledger", unattributedUsd: 0 }
    : { compactionUsd: 0, compactionSource: "ledger", unattributedUsd: left };
}

/** What a model's ledger charged beyond its requests' tokens: the calls no request explains. */
function residualTokens(charged: ByTokenKind, own: readonly LedgerRequest[]): ByTokenKind {
  let used: ByTokenKind = ZERO;
  for (const r of own) used = combine(used, tokensOfUsage(r.usage), (a, b) => a + b);
  return combine(charged, used, (a, b) => Math.max(0, a - b));
}

/**
 * A segment's compaction cost as its models' parts add up. A segment priced partly by the ledger
 * and partly by our prices (an override for one of its models) names what priced the larger part.
 */
class CompactionShare {
  usd = 0;
  source: CostSourceKind = "ledger";
  private largest = 0;

  add(usd: number, source: CostSourceKind): void {
    if (!(usd > 0)) return;
    this.usd += usd;
    if (usd > this.largest) {
      this.largest = usd;
      this.source = source;
    }
  }
}

/** A segment's compaction cost, shared among its compactions by the context each summarised. */
function shareCompactions(compactions: readonly LedgerCompaction[], share: CompactionShare, out: Map<string, CompactionCost>): void {
  if (compactions.length === 0) return;
  const weights = compactions.map((c) => (c.preTokens !== undefined && c.preTokens > 0 ? c.preTokens : 1));
  const sum = weights.reduce((a, b) => a + b, 0);
  for (const [i, c] of compactions.entries()) out.set(c.uuid, { usd: (share.usd * (weights[i] ?? 1)) / sum, source: share.source });
}

/** The segment's figures for one model, to learn its rates from; none where they are not linear in the tokens. */
function observationOf(sessionId: string, index: number, d: Delta, model: string, charged: Delta["byModel"][string], own: readonly LedgerRequest[]): LedgerObservation | undefined {
  if (d.line.version === undefined || charged.webSearches > 0 || !(charged.usd > 0)) return undefined;
  if (TOKEN_KINDS.some((k) => charged.tokens[k] < 0)) return undefined;
  if (own.some((r) => r.usage.input + r.usage.cacheRead + r.usage.cacheCreation > LONG_PROMPT_TOKENS)) return undefined;
  // The calls no request explains (a compaction) may be long prompts too.
  const rest = residualTokens(charged.tokens, own);
  if (rest.input + rest.cacheRead + rest.cacheWrite5m + rest.cacheWrite1h > LONG_PROMPT_TOKENS) return undefined;
  return { model, version: d.line.version, sessionId, index, atMs: d.line.atMs, tokens: charged.tokens, usd: charged.usd };
}
