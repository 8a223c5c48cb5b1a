import type { Session } from "../model/types.js";
import type { MetricPoint } from "./metric-point.js";
import { exportedOutcome, genAiInputTokens } from "./exported-values.js";
import { METRIC_ATTR, OPERATION, PROVIDER_NAME, ATTR } from "./semconv.js";
import type { MetricKey, TokenType } from "./semconv.js";
import { UNIT } from "./units.js";

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

/**
 * The session's metric measurements (pure). Sums over all points equal `report --json` totals:
 * cost (ledger total, including what no request explains), tokens by type, turns, tool calls
 * and failures, compactions, sessions.
 */
export function sessionToMetricPoints(session: Session, options: MetricMapOptions = {}): MetricPoint[] {
  const common: Record<string, string> = { [METRIC_ATTR.project]: options.project ?? session.project };
  if (options.includeSessionId === true) common[METRIC_ATTR.sessionId] = session.sessionId;
  const points: MetricPoint[] = [];
  const add = (metric: MetricKey, value: number, unitKey: string, attrs: Record<string, string> = {}): void => {
    points.push({ metric, value, unitKey, attributes: { ...common, ...attrs } });
  };
  const model = mainModel(session);

  add("sessionCount", 1, UNIT.sessionStart);

  for (const r of session.requests) {
    const unit = UNIT.request(r.key);
    add("costUsage", r.cost.usd, unit, { [METRIC_ATTR.model]: r.model });
    const byType: Record<TokenType, number> = { input: r.usage.input, output: r.usage.output, cacheRead: r.usage.cacheRead, cacheCreation: r.usage.cacheCreation };
    for (const [type, value] of Object.entries(byType)) {
      if (value > 0) add("tokenUsage", value, unit, { [METRIC_ATTR.model]: r.model, [METRIC_ATTR.type]: type });
    }
    const genAi = { [ATTR.operationName]: OPERATION.chat, [ATTR.providerName]: PROVIDER_NAME, [ATTR.requestModel]: r.model, [ATTR.responseModel]: r.model };
    // GenAI conventions: input counts all input tokens, cached included.
    add("genAiTokenUsage", genAiInputTokens(r.usage), unit, { ...genAi, [ATTR.tokenType]: "input" });
    add("genAiTokenUsage", r.usage.output, unit, { ...genAi, [ATTR.tokenType]: "output" });
  }

  for (const t of session.turns) add("turnCount", 1, UNIT.turn(t.index));

  for (const c of session.toolCalls) {
    const outcome = exportedOutcome(c, options.final === true);
    const attrs = { [METRIC_ATTR.toolName]: c.name, [METRIC_ATTR.outcome]: outcome };
    add("toolCalls", 1, UNIT.tool(c.id), attrs);
    if (c.endTime !== undefined) add("toolDuration", Math.max(0, c.endTime - c.startTime) / 1000, UNIT.tool(c.id), attrs);
  }

  let compactionUsd = 0;
  for (const c of session.compactions) {
    add("compactionCount", 1, UNIT.compaction(c.uuid), { [METRIC_ATTR.trigger]: c.trigger });
    if (c.unattributedCostUsd !== undefined && c.unattributedCostUsd > EPSILON_USD) {
      compactionUsd += c.unattributedCostUsd;
      add("costUsage", c.unattributedCostUsd, UNIT.compaction(c.uuid), { [METRIC_ATTR.model]: model });
    }
  }

  add("sessionCost", session.cost.totalUsd, UNIT.session);
  // Ledger cost explained by neither a request nor a compaction: counted once, at the end.
  // A negative difference (prices above what Claude Code charged) cannot go on a counter.
  const rest = session.cost.unattributedUsd - compactionUsd;
  if (rest > EPSILON_USD) add("costUsage", rest, UNIT.session, { [METRIC_ATTR.model]: model });
  return points;
}
