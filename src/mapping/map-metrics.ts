import type { CostSourceKind } from "../model/pricer.js";
import type { Session } from "../model/types.js";
import { EPSILON_USD, UsdSum, roundUsd } from "../util/usd.js";
import { ledgerCorrection, mainModel } from "./ledger-correction.js";
import type { AddPoint, AttributeSet, MetricPoint } from "./metric-point.js";
import { AttributeSets } from "./metric-point.js";
import { exportedOutcome } from "./exported-values.js";
import { addGenAiMetricPoints } from "./map-genai-metrics.js";
import { isUserTurn } from "../model/turn-origin.js";
import { METRIC_ATTR, TOKEN_TYPES } from "../semconv/names.js";
import type { TokenType } from "../semconv/names.js";
import { UNIT_OF_WORK, hookErrorKey } from "./units-of-work.js";

/** Options of `sessionToMetricPoints`. */
export interface MetricMapOptions {
  /** The `project` attribute; default the session's project (its directory name). */
  readonly project?: string;
  /** Adds `session.id` to every point: opt-in, it multiplies series. */
  readonly includeSessionId?: boolean;
  /** The session has ended: pending tool calls count as interrupted. */
  readonly final?: boolean;
  /** Units whose points were sent before (planExport): a ledger line's points then correct what they counted. */
  readonly sentBefore?: (unitKey: string) => boolean;
  /** Also the GenAI names of v1.41.0 (gen_ai.client.token.usage); see semconv/stability.ts. */
  readonly legacyGenAiNames?: boolean;
}

/**
 * Each ledger line: what it charged that no point counted, and (live) what the points sent before
 * it over- or under-counted (ledger-correction.ts); taken back on claude_code.cost.overcount where
 * negative, a counter never going down. Always a point, 0 at least: the unit is then known as sent.
 */
function addLedgerPoints(
  session: Session,
  sentBefore: ((unitKey: string) => boolean) | undefined,
  model: string,
  add: AddPoint,
  costSet: (model: string, source: CostSourceKind) => AttributeSet,
  overcountSet: (model: string) => AttributeSet,
): void {
  for (const segment of session.ledger) {
    const unit = UNIT_OF_WORK.ledger(segment.index);
    const correction = ledgerCorrection(session, segment, sentBefore, model);
    if (correction.size === 0) add("costUsage", 0, unit, costSet(model, "ledger"));
    for (const [m, usd] of correction) {
      if (usd > 0) add("costUsage", roundUsd(usd), unit, costSet(m, "ledger"));
      else add("costOvercount", roundUsd(-usd), unit, overcountSet(m));
    }
  }
}

/**
 * Each tool's calls' attributed cost (model/tool-costs.ts), with the session's end: a call's
 * result costs in every request that carries it, so its cost is whole only then.
 */
function addToolCostPoints(session: Session, add: AddPoint, toolSet: (name: string) => AttributeSet): void {
  const byTool = new Map<string, UsdSum>();
  for (const c of session.toolCalls) {
    let sum = byTool.get(c.name);
    if (sum === undefined) byTool.set(c.name, (sum = new UsdSum()));
    sum.add(c.cost.usd);
  }
  for (const [name, sum] of byTool) add("toolCost", roundUsd(sum.value), UNIT_OF_WORK.session, toolSet(name));
}

/** The attribute sets of one model's request points, built once per model and shared by its points. */
interface RequestAttributes {
  readonly cost: (source: CostSourceKind) => AttributeSet;
  readonly tokens: Readonly<Record<TokenType, AttributeSet>>;
}

/**
 * The session's metric measurements (pure). Sums over all points equal `report --json` totals:
 * cost (ledger total, including what no request explains), tokens by type, turns, tool calls
 * and failures, compactions, sessions.
 *
 * Points with equal attributes share one frozen attribute object: a long session has tens of
 * thousands of points over a handful of attribute sets, and the exporters aggregate by them.
 */
export function sessionToMetricPoints(session: Session, options: MetricMapOptions = {}): MetricPoint[] {
  const common: Record<string, string> = { [METRIC_ATTR.project]: options.project ?? session.project };
  if (options.includeSessionId === true) common[METRIC_ATTR.sessionId] = session.sessionId;
  const sets = new AttributeSets(Object.freeze(common));
  const costSet = (model: string, source: CostSourceKind): AttributeSet => sets.get(`cost\0${model}\0${source}`, { [METRIC_ATTR.model]: model, [METRIC_ATTR.costSource]: source });
  const byModel = new Map<string, RequestAttributes>();
  const requestAttributes = (model: string): RequestAttributes => {
    let attrs = byModel.get(model);
    if (attrs === undefined) {
      const token = (type: TokenType): AttributeSet => sets.get(`token\0${model}\0${type}`, { [METRIC_ATTR.model]: model, [METRIC_ATTR.type]: type });
      attrs = {
        cost: (source) => costSet(model, source),
        tokens: { input: token("input"), output: token("output"), cacheRead: token("cacheRead"), cacheCreation: token("cacheCreation") },
      };
      byModel.set(model, attrs);
    }
    return attrs;
  };
  const points: MetricPoint[] = [];
  const add: AddPoint = (metric, value, unitKey, attributes) => {
    points.push({ metric, value, unitKey, attributes });
  };
  const commonSet = sets.get("", {});
  const model = mainModel(session);

  add("sessionCount", 1, UNIT_OF_WORK.sessionStart, commonSet);

  for (const r of session.requests) {
    const unit = UNIT_OF_WORK.request(r.key);
    const attrs = requestAttributes(r.model);
    // An unpriced request counts its tokens as such, and no cost (never a silent $0).
    if (r.cost.known) add("costUsage", roundUsd(r.cost.usd), unit, attrs.cost(r.cost.source));
    const u = r.usage;
    for (const type of TOKEN_TYPES) if (u[type] > 0) add("tokenUsage", u[type], unit, attrs.tokens[type]);
    if (!r.cost.known) for (const type of TOKEN_TYPES) if (u[type] > 0) add("tokenUnpriced", u[type], unit, attrs.tokens[type]);
  }
  addGenAiMetricPoints(points, session, sets.common, options.legacyGenAiNames === true);

  // User prompts answered: turns Claude Code started itself count as agent invocations only (map-genai-metrics.ts).
  for (const t of session.turns) if (isUserTurn(t)) add("turnCount", 1, UNIT_OF_WORK.turn(t.index), commonSet);

  for (const c of session.toolCalls) {
    const outcome = exportedOutcome(c, options.final === true);
    const attrs = sets.get(`tool\0${c.name}\0${outcome}`, { [METRIC_ATTR.toolName]: c.name, [METRIC_ATTR.outcome]: outcome });
    const unit = UNIT_OF_WORK.tool(c.id);
    add("toolCalls", 1, unit, attrs);
    if (c.endTime !== undefined) add("toolDuration", Math.max(0, c.endTime - c.startTime) / 1000, unit, attrs);
  }

  for (const c of session.compactions) {
    const unit = UNIT_OF_WORK.compaction(c.uuid);
    const trigger = sets.get(`trigger\0${c.trigger}`, { [METRIC_ATTR.trigger]: c.trigger });
    add("compactionCount", 1, unit, trigger);
    // Each read of a lost file goes with the call that read it: known once its result is.
    for (const id of c.loss.reReadCallIds) add("compactionRereads", 1, UNIT_OF_WORK.tool(id), trigger);
    if (c.unattributedCostUsd !== undefined && c.unattributedCostUsd > EPSILON_USD)
      add("costUsage", roundUsd(c.unattributedCostUsd), unit, costSet(model, c.costSource ?? "ledger"));
  }

  for (const e of session.hookErrors) {
    const attrs = sets.get(`hook\0${e.event}\0${e.owner}`, { [METRIC_ATTR.hookEvent]: e.event, [METRIC_ATTR.hook]: e.owner });
    add("hookErrors", 1, UNIT_OF_WORK.hookError(hookErrorKey(e)), attrs);
  }

  if (options.final === true) addToolCostPoints(session, add, (name) => sets.get(`tool-cost\0${name}`, { [METRIC_ATTR.toolName]: name }));
  addLedgerPoints(session, options.sentBefore, model, add, costSet, (m) => sets.get(`overcount\0${m}`, { [METRIC_ATTR.model]: m }));
  add("sessionCost", roundUsd(session.cost.totalUsd), UNIT_OF_WORK.session, commonSet);
  return points;
}
