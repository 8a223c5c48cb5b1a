/**
 * How Langfuse and LangSmith READ a span, written down from their documented ingestion rules,
 * so tests can check what a user would see (types, grouping, tokens, cost) rather than keys.
 *
 * Langfuse: https://langfuse.com/integrations/native/opentelemetry#property-mapping and
 *   langfuse/langfuse packages/shared/src/server/otel/OtelIngestionProcessor.ts:
 *   type = recognised langfuse.observation.type, else gen_ai.operation.name (chat → generation,
 *   invoke_agent → agent, execute_tool → tool), else a model attribute → generation, else span;
 *   session = langfuse.session.id ?? session.id ?? gen_ai.conversation.id;
 *   usage = langfuse.observation.usage_details (JSON, as is) else gen_ai.usage.* normalised
 *   (input minus cache reads and writes); any span may carry usage;
 *   cost = langfuse.observation.cost_details (JSON) else gen_ai.usage.cost as {total};
 *   observation input/output = sum of usage keys containing "input"/"output";
 *   trace totals = sums over all observations.
 * LangSmith: https://docs.langchain.com/langsmith/trace-with-opentelemetry,
 *   https://docs.langchain.com/langsmith/cost-tracking, .../threads:
 *   run type = langsmith.span.kind, else chat → llm, gen_ai.tool.name → tool, else chain;
 *   thread = metadata thread_id ?? session_id ?? conversation_id;
 *   usage = langsmith.usage_metadata (JSON) else gen_ai.usage.input_tokens / output_tokens;
 *   cost = usage_metadata.total_cost (else LangSmith's price table: not modelled).
 */

export type Attrs = Readonly<Record<string, unknown>>;

const LANGFUSE_TYPES = new Set(["span", "generation", "event", "embedding", "agent", "tool", "chain", "retriever", "guardrail", "evaluator"]);
const GENAI_TO_LANGFUSE: Record<string, string> = { chat: "generation", invoke_agent: "agent", execute_tool: "tool" };

function jsonObject(v: unknown): Record<string, unknown> | undefined {
  if (typeof v !== "string" || v === "") return undefined;
  try {
    const parsed: unknown = JSON.parse(v);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

export interface LangfuseObservation {
  type: string;
  sessionId: string | undefined;
  userId: string | undefined;
  release: string | undefined;
  tags: string[];
  level: string;
  statusMessage: string | undefined;
  model: string | undefined;
  usage: Record<string, number>;
  cost: number | undefined;
  inputTokens: number;
  outputTokens: number;
}

export function langfuseObservation(a: Attrs, status: { code: number; message?: string | undefined } = { code: 0 }): LangfuseObservation {
  const explicit = str(a["langfuse.observation.type"]);
  const model = str(a["langfuse.observation.model.name"]) ?? str(a["gen_ai.response.model"]) ?? str(a["gen_ai.request.model"]);
  const op = str(a["gen_ai.operation.name"]);
  const type =
    explicit !== undefined && LANGFUSE_TYPES.has(explicit) ? explicit : ((op !== undefined ? GENAI_TO_LANGFUSE[op] : undefined) ?? (model !== undefined ? "generation" : "span"));

  let usage: Record<string, number> = {};
  const provided = jsonObject(a["langfuse.observation.usage_details"]);
  if (provided !== undefined) {
    for (const [k, v] of Object.entries(provided)) if (num(v) !== undefined && (v as number) >= 0) usage[k] = v as number;
  } else {
    const input = num(a["gen_ai.usage.input_tokens"]);
    const output = num(a["gen_ai.usage.output_tokens"]);
    const read = num(a["gen_ai.usage.cache_read.input_tokens"]);
    const write = num(a["gen_ai.usage.cache_creation.input_tokens"]);
    usage = {};
    if (input !== undefined) usage["input"] = Math.max(input - (read ?? 0) - (write ?? 0), 0);
    if (output !== undefined) usage["output"] = output;
    if (read !== undefined) usage["input_cached_tokens"] = read;
    if (write !== undefined) usage["input_cache_creation"] = write;
  }
  const costDetails = jsonObject(a["langfuse.observation.cost_details"]);
  const cost = costDetails !== undefined ? num(costDetails["total"]) : num(a["gen_ai.usage.cost"]);
  const sum = (part: string): number =>
    Object.entries(usage)
      .filter(([k]) => k.toLowerCase().includes(part))
      .reduce((s, [, v]) => s + v, 0);
  const tags = a["langfuse.trace.tags"];
  return {
    type,
    sessionId: str(a["langfuse.session.id"]) ?? str(a["session.id"]) ?? str(a["gen_ai.conversation.id"]),
    userId: str(a["langfuse.user.id"]) ?? str(a["user.id"]),
    release: str(a["langfuse.release"]),
    tags: Array.isArray(tags) ? tags.map(String) : [],
    level: str(a["langfuse.observation.level"]) ?? (status.code === 2 ? "ERROR" : "DEFAULT"),
    statusMessage: str(a["langfuse.observation.status_message"]) ?? str(status.message),
    model: type === "generation" ? model : undefined,
    usage,
    cost,
    inputTokens: sum("input"),
    outputTokens: sum("output"),
  };
}

export interface LangSmithRun {
  runType: string;
  threadId: string | undefined;
  metadata: Record<string, unknown>;
  tags: string[];
  inputTokens: number;
  outputTokens: number;
  cacheRead: number;
  cacheCreation: number;
  cost: number | undefined;
}

export function langsmithRun(a: Attrs): LangSmithRun {
  const metadata: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a)) if (k.startsWith("langsmith.metadata.")) metadata[k.slice("langsmith.metadata.".length)] = v;
  const kind = str(a["langsmith.span.kind"])?.toLowerCase();
  const runType = kind ?? (a["gen_ai.operation.name"] === "chat" ? "llm" : a["gen_ai.tool.name"] !== undefined ? "tool" : "chain");
  const usage = jsonObject(a["langsmith.usage_metadata"]);
  const details = (usage?.["input_token_details"] ?? {}) as Record<string, unknown>;
  const tags = str(a["langsmith.span.tags"]);
  return {
    runType,
    threadId: str(metadata["thread_id"]) ?? str(metadata["session_id"]) ?? str(metadata["conversation_id"]),
    metadata,
    tags: tags === undefined ? [] : tags.split(",").map((t) => t.trim()),
    inputTokens: num(usage?.["input_tokens"]) ?? num(a["gen_ai.usage.input_tokens"]) ?? 0,
    outputTokens: num(usage?.["output_tokens"]) ?? num(a["gen_ai.usage.output_tokens"]) ?? 0,
    cacheRead: num(details["cache_read"]) ?? 0,
    cacheCreation: num(details["cache_creation"]) ?? 0,
    cost: num(usage?.["total_cost"]),
  };
}
