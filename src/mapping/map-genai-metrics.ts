/**
 * The GenAI conventions' metrics (v0.1.0) for a session (pure), beside our own claude_code.*:
 *   per API request  gen_ai.client.inference.usage.{input,output,cache_read.input,cache_write.input}_tokens
 *                    (counters, gen_ai.token.modality = unknown: Anthropic's usage has no modality split),
 *                    gen_ai.client.inference.operation.{input,output}_tokens and .inference.duration (histograms)
 *   per tool call    gen_ai.execute_tool.duration
 *   per invocation   gen_ai.invoke_agent.duration, .inference_calls, .tool_calls, for each turn
 *                    (agent claude-code) and each subagent run (agent = its type)
 * Input tokens are all input, cached included (Anthropic's own input_tokens excludes the cache).
 * Durations are the spans' (the conventions: "the metric value SHOULD be the same as the span
 * duration"). With `legacy`, also v1.41.0's gen_ai.client.token.usage.
 */
import type { ApiRequest, Session } from "../model/types.js";
import { AGENT_NAME, ATTR, TOKEN_MODALITY_UNKNOWN, TOOL_ERROR_TYPE } from "../semconv/names.js";
import { chatOperationAttributes, genAiInputTokens } from "./exported-values.js";
import type { AddPoint, AttributeSet, MetricPoint } from "./metric-point.js";
import { AttributeSets } from "./metric-point.js";
import { UNIT_OF_WORK } from "./units-of-work.js";

interface ModelSets {
  readonly usage: AttributeSet;
  readonly operation: AttributeSet;
  readonly legacyInput: AttributeSet;
  readonly legacyOutput: AttributeSet;
}

/** An invocation's own calls (a turn's main-thread ones, a subagent's). */
interface Counts {
  inference: number;
  tools: number;
}

/** The attribute sets of one model's request points, made once per model and shared by its points. */
class GenAiAttributeSets extends AttributeSets {
  private readonly models = new Map<string, ModelSets>();

  model(model: string): ModelSets {
    let m = this.models.get(model);
    if (m === undefined) {
      const op = { ...this.common, ...chatOperationAttributes(model) };
      m = {
        usage: Object.freeze({ ...op, [ATTR.tokenModality]: TOKEN_MODALITY_UNKNOWN }),
        operation: Object.freeze(op),
        legacyInput: Object.freeze({ ...op, [ATTR.tokenType]: "input" }),
        legacyOutput: Object.freeze({ ...op, [ATTR.tokenType]: "output" }),
      };
      this.models.set(model, m);
    }
    return m;
  }
}

/** Appends the session's GenAI points to `points`; `common` holds the attributes every point carries (project, opt-in session id). */
export function addGenAiMetricPoints(points: MetricPoint[], session: Session, common: AttributeSet, legacy: boolean): void {
  const add: AddPoint = (metric, value, unitKey, attributes) => {
    points.push({ metric, value, unitKey, attributes });
  };
  const sets = new GenAiAttributeSets(common);
  // Each invocation's own calls, by the invocation's unit: its subagent's, else its turn's.
  const counts = new Map<string, Counts>();
  const count = (call: { readonly agentId?: string | undefined; readonly turnIndex?: number | undefined }, kind: keyof Counts): void => {
    const unit = call.agentId !== undefined ? UNIT_OF_WORK.agent(call.agentId) : call.turnIndex !== undefined ? UNIT_OF_WORK.turn(call.turnIndex) : undefined;
    if (unit === undefined) return;
    let c = counts.get(unit);
    if (c === undefined) counts.set(unit, (c = { inference: 0, tools: 0 }));
    c[kind]++;
  };
  for (const r of session.requests) {
    addRequestPoints(add, r, sets.model(r.model), legacy);
    count(r, "inference");
  }
  const agentTypes = new Map(session.subagents.map((a) => [a.agentId, a.agentType]));
  for (const c of session.toolCalls) {
    count(c, "tools");
    if (c.endTime === undefined) continue;
    const agent = c.agentId === undefined ? AGENT_NAME : (agentTypes.get(c.agentId) ?? AGENT_NAME);
    const failed = c.outcome === "failure";
    const attrs = sets.get(`tool\0${c.name}\0${agent}\0${failed ? 1 : 0}`, {
      [ATTR.toolName]: c.name,
      [ATTR.agentName]: agent,
      ...(failed ? { [ATTR.errorType]: TOOL_ERROR_TYPE } : {}),
    });
    add("executeToolDuration", Math.max(0, c.endTime - c.startTime) / 1000, UNIT_OF_WORK.tool(c.id), attrs);
  }
  const invocation = (unit: string, agent: string, durationMs: number): void => {
    const attrs = sets.get(`agent\0${agent}`, { [ATTR.agentName]: agent });
    const own = counts.get(unit);
    add("invokeAgentDuration", Math.max(0, durationMs) / 1000, unit, attrs);
    add("invokeAgentInferenceCalls", own?.inference ?? 0, unit, attrs);
    add("invokeAgentToolCalls", own?.tools ?? 0, unit, attrs);
  };
  for (const t of session.turns) invocation(UNIT_OF_WORK.turn(t.index), AGENT_NAME, t.endTime - t.startTime);
  for (const a of session.subagents) invocation(UNIT_OF_WORK.agent(a.agentId), a.agentType, a.endTime - a.startTime);
}

/** One request: every operation records input and output (0 included), the cache subsets when there are any. */
function addRequestPoints(add: AddPoint, r: ApiRequest, m: ModelSets, legacy: boolean): void {
  const unit = UNIT_OF_WORK.request(r.key);
  const u = r.usage;
  const input = genAiInputTokens(u);
  add("inferenceInputTokens", input, unit, m.usage);
  add("inferenceOutputTokens", u.output, unit, m.usage);
  if (u.cacheRead > 0) add("inferenceCacheReadTokens", u.cacheRead, unit, m.usage);
  if (u.cacheCreation > 0) add("inferenceCacheWriteTokens", u.cacheCreation, unit, m.usage);
  add("inferenceOperationInputTokens", input, unit, m.operation);
  add("inferenceOperationOutputTokens", u.output, unit, m.operation);
  add("inferenceDuration", Math.max(0, r.endTime - r.startTime) / 1000, unit, m.operation);
  if (legacy) {
    add("genAiTokenUsage", input, unit, m.legacyInput);
    add("genAiTokenUsage", u.output, unit, m.legacyOutput);
  }
}
