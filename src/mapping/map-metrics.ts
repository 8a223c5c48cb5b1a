import type { Session } from "../model/types.js";
import type { MetricPoint } from "./metric-point.js";
import { exportedOutcome, genAiInputTokens } from "./exported-values.js";
import { METRIC_ATTR, OPERATION, PROVIDER_NAME, ATTR, TOKEN_TYPES } from "../semconv/names.js";
import type { MetricKey, TokenType } from "../semconv/names.js";
import { UNIT_OF_WORK } from "./units-of-work.js";

/** Options of `sessionToMetricPoints`. */
export interface MetricMapOptions {
  /** The `project` attribute; default the session's project (its directory name). */
  readonly project?: string;
  /** Adds `session.id` to every point: opt-in, it multiplies series. */
  readonly includeSessionId?: boolean;
  /** The session has ended: pending tool calls count as interrupted. */
  readonly final?: boolean;
}

/** Float noise in ledger differences is not money. */
const EPSILON_USD = 1e-9;

/** The model ledger-only cost is charged to: the session's most expensive model. */
export function mainModel(session: Session): string {
  let best: string | undefined;
  let bestUsd = -1;
  for (const [model, cost] of Object.entries(session.cost.byModel)) {
    if (cost.usd > bestUsd) {
      best = model;
      bestUsd = cost.usd;
    }
  }
  return best ?? "unknown";
}

type AttributeSet = Readonly<Record<string, string>>;

/** The attribute sets of one model's request points, built once per model and shared by its points. */
interface RequestAttributes {
  readonly cost: AttributeSet;
  readonly tokens: Readonly<Record<TokenType, AttributeSet>>;
  readonly genAiInput: AttributeSet;
  readonly genAiOutput: AttributeSet;
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
  const sets = new Map<string, AttributeSet>();
  const set = (key: string, attrs: Record<string, string>): AttributeSet => {
    let shared = sets.get(key);
    if (shared === undefined) {
      shared = Object.freeze({ ...common, ...attrs });
      sets.set(key, shared);
    }
    return shared;
  };
  const byModel = new Map<string, RequestAttributes>();
  const requestAttributes = (model: string): RequestAttributes => {
    let attrs = byModel.get(model);
    if (attrs === undefined) {
      const token = (type: TokenType): AttributeSet => Object.freeze({ ...common, [METRIC_ATTR.model]: model, [METRIC_ATTR.type]: type });
      const genAi = { [ATTR.operationName]: OPERATION.chat, [ATTR.providerName]: PROVIDER_NAME, [ATTR.requestModel]: model, [ATTR.responseModel]: model };
      attrs = {
        cost: set(`model\0${model}`, { [METRIC_ATTR.model]: model }),
        tokens: { input: token("input"), output: token("output"), cacheRead: token("cacheRead"), cacheCreation: token("cacheCreation") },
        genAiInput: Object.freeze({ ...common, ...genAi, [ATTR.tokenType]: "input" }),
        genAiOutput: Object.freeze({ ...common, ...genAi, [ATTR.tokenType]: "output" }),
      };
      byModel.set(model, attrs);
    }
    return attrs;
  };
  const points: MetricPoint[] = [];
  const add = (metric: MetricKey, value: number, unitKey: string, attributes: AttributeSet): void => {
    points.push({ metric, value, unitKey, attributes });
  };
  const commonSet = set("", {});
  const model = mainModel(session);

  add("sessionCount", 1, UNIT_OF_WORK.sessionStart, commonSet);

  for (const r of session.requests) {
    const unit = UNIT_OF_WORK.request(r.key);
    const attrs = requestAttributes(r.model);
    add("costUsage", r.cost.usd, unit, attrs.cost);
    const u = r.usage;
    for (const type of TOKEN_TYPES) if (u[type] > 0) add("tokenUsage", u[type], unit, attrs.tokens[type]);
    // GenAI conventions: input counts all input tokens, cached included.
    add("genAiTokenUsage", genAiInputTokens(u), unit, attrs.genAiInput);
    add("genAiTokenUsage", u.output, unit, attrs.genAiOutput);
  }

  for (const t of session.turns) add("turnCount", 1, UNIT_OF_WORK.turn(t.index), commonSet);

  for (const c of session.toolCalls) {
    const outcome = exportedOutcome(c, options.final === true);
    const attrs = set(`tool\0${c.name}\0${outcome}`, { [METRIC_ATTR.toolName]: c.name, [METRIC_ATTR.outcome]: outcome });
    const unit = UNIT_OF_WORK.tool(c.id);
    add("toolCalls", 1, unit, attrs);
    if (c.endTime !== undefined) add("toolDuration", Math.max(0, c.endTime - c.startTime) / 1000, unit, attrs);
  }

  // Ledger-only cost goes to the session's main model.
  const ledgerCostSet = set(`model\0${model}`, { [METRIC_ATTR.model]: model });
  let compactionUsd = 0;
  for (const c of session.compactions) {
    const unit = UNIT_OF_WORK.compaction(c.uuid);
    add("compactionCount", 1, unit, set(`trigger\0${c.trigger}`, { [METRIC_ATTR.trigger]: c.trigger }));
    if (c.unattributedCostUsd !== undefined && c.unattributedCostUsd > EPSILON_USD) {
      compactionUsd += c.unattributedCostUsd;
      add("costUsage", c.unattributedCostUsd, unit, ledgerCostSet);
    }
  }

  add("sessionCost", session.cost.totalUsd, UNIT_OF_WORK.session, commonSet);
  // Ledger cost explained by neither a request nor a compaction: counted once, at the end.
  // A negative difference (prices above what Claude Code charged) cannot go on a counter.
  const rest = session.cost.unattributedUsd - compactionUsd;
  if (rest > EPSILON_USD) add("costUsage", rest, UNIT_OF_WORK.session, ledgerCostSet);
  return points;
}
