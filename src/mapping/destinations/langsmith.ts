/**
 * The attributes LangSmith's OTLP ingestion reads, for each span of a session (pure).
 *
 * Sources (read 2026-11):
 * - Attribute mapping: https://docs.langchain.com/langsmith/trace-with-opentelemetry
 *   (`langsmith.span.kind` → run type: llm, chain, tool, ...; `langsmith.metadata.<key>` →
 *   metadata; `langsmith.span.tags`, comma separated; `gen_ai.system` → `metadata.ls_provider`;
 *   `gen_ai.usage.input_tokens` / `output_tokens` → usage_metadata; an `exception` event →
 *   error status and message).
 * - Threads: https://docs.langchain.com/langsmith/threads: runs are grouped by `thread_id` (or
 *   `session_id` / `conversation_id`) metadata, which must be on every run, children included,
 *   or their tokens and costs are left out of thread totals (cost-tracking page).
 * - `langsmith.usage_metadata`: a JSON usage_metadata object, the attribute LangSmith's own OTel
 *   exporter sends (langsmith-sdk js/src/experimental/otel/constants.ts, exporter.ts). Fields per
 *   https://docs.langchain.com/langsmith/cost-tracking: `input_tokens` is ALL input ("sum of all
 *   input token types", so cache reads and writes included, like the GenAI convention),
 *   `input_token_details.{cache_read, cache_creation}`, and `total_cost` to state a cost instead
 *   of LangSmith deriving it from its price table (any run type: "Other" costs).
 * - Coding-agent metadata contract (coding-agent-v1):
 *   https://docs.langchain.com/langsmith/coding-agent-metadata-contract: on every run
 *   `ls_agent_type` (root | subagent | middleware | compaction), `ls_agent_purpose`,
 *   `ls_integration`, `ls_agent_runtime`, `thread_id`, `ls_trace_schema_version`; where known
 *   `ls_agent_version`, `git_branch`, `working_directory`; llm runs `ls_model_name`,
 *   `ls_provider`; tool runs `ls_tool_name`; subagent runs `ls_subagent_id`, `ls_subagent_type`.
 *
 * Not set: `langsmith.trace.session_id` / `session_name`: a LangSmith "session" is a tracing
 * PROJECT; the project comes from the `Langsmith-Project` header (collector overlay).
 * A run's id is derived from the span id, which is deterministic (ids.ts); LangSmith keeps the
 * first run it receives for an id, so it gets final spans only. Its traces are per turn, at most
 * 25,000 runs each: langsmith-traces.ts says where each span goes.
 * The session span's `gen_ai.usage.*` totals are removed by the collector's LangSmith pipeline
 * (there is no LangSmith key to override them, and they would be counted beside the llm runs).
 */
import { flatString } from "../../util/flat-string.js";
import { ATTR, LANGSMITH_ATTR, PROVIDER_NAME } from "../../semconv/names.js";
import type { Attributes, SpanData } from "../span-data.js";
import type { DestinationContext } from "./context.js";
import type { SpanFacts } from "./context.js";
import { spanFacts } from "./context.js";

export const LANGSMITH_RUN_TYPE = { chain: "chain", llm: "llm", tool: "tool" } as const;

/** coding-agent-v1 literals. ls_integration names the emitter: us, not the official plugin. */
export const CODING_AGENT = {
  integration: "claude-code-otel",
  runtime: "Claude Code",
  purpose: "coding",
  schemaVersion: "coding-agent-v1",
} as const;

export type LsAgentType = "root" | "subagent" | "compaction";

/**
 * Flat: a template literal is a concatenation, which V8 turns into a thin string once used as a
 * key, and every keyed store with a thin string key misses the inline cache.
 */
const meta = (key: string): string => flatString(`${LANGSMITH_ATTR.metadata}.${key}`);

/** Metadata keys, built once: a replay sets them on tens of thousands of spans. */
const META = {
  threadId: meta("thread_id"),
  agentType: meta("ls_agent_type"),
  agentPurpose: meta("ls_agent_purpose"),
  integration: meta("ls_integration"),
  agentRuntime: meta("ls_agent_runtime"),
  schemaVersion: meta("ls_trace_schema_version"),
  project: meta("project"),
  integrationVersion: meta("ls_integration_version"),
  agentVersion: meta("ls_agent_version"),
  gitBranch: meta("git_branch"),
  workingDirectory: meta("working_directory"),
  userId: meta("user_id"),
  turnNumber: meta("turn_number"),
  turnId: meta("turn_id"),
  modelName: meta("ls_model_name"),
  provider: meta("ls_provider"),
  toolName: meta("ls_tool_name"),
  subagentId: meta("ls_subagent_id"),
  subagentType: meta("ls_subagent_type"),
} as const;

/** What every run of the session carries, built once per session. */
const sessionShared = new WeakMap<DestinationContext, Attributes>();

function langsmithSessionAttributes(ctx: DestinationContext): Attributes {
  let shared = sessionShared.get(ctx);
  if (shared === undefined) {
    shared = {
      [LANGSMITH_ATTR.tags]: flatString(`claude-code,${ctx.project}`),
      [META.threadId]: ctx.sessionId,
      [META.agentPurpose]: CODING_AGENT.purpose,
      [META.integration]: CODING_AGENT.integration,
      [META.agentRuntime]: CODING_AGENT.runtime,
      [META.schemaVersion]: CODING_AGENT.schemaVersion,
      [META.project]: ctx.project,
    };
    if (ctx.integrationVersion !== undefined) shared[META.integrationVersion] = ctx.integrationVersion;
    if (ctx.claudeCodeVersion !== undefined) shared[META.agentVersion] = ctx.claudeCodeVersion;
    if (ctx.gitBranch !== undefined) shared[META.gitBranch] = ctx.gitBranch;
    if (ctx.cwd !== undefined) shared[META.workingDirectory] = ctx.cwd;
    if (ctx.userId !== undefined) shared[META.userId] = ctx.userId;
    sessionShared.set(ctx, shared);
  }
  return shared;
}

/** `facts`: the span's, when the caller has them already (destinationAttributes). */
export function langsmithAttributes(span: SpanData, ctx: DestinationContext, facts: SpanFacts = spanFacts(span)): Attributes {
  const role = facts.role;
  const agentType: LsAgentType = role === "compaction" ? "compaction" : role === "subagent" || facts.inSubagent ? "subagent" : "root";
  // Not a spread: V8 adds properties to a spread copy slowly (docs/performance.md, "Sixth session").
  const out: Attributes = Object.assign({}, langsmithSessionAttributes(ctx));
  const place = ctx.langsmithPlaces?.get(span.spanId);
  if (place !== undefined) {
    if (place.traceId !== span.traceId) out[ATTR.langsmithTraceId] = place.traceId;
    if (place.parentSpanId !== (span.parentSpanId ?? "")) out[ATTR.langsmithParentSpanId] = place.parentSpanId;
  }
  out[LANGSMITH_ATTR.spanKind] = role === "chat" ? LANGSMITH_RUN_TYPE.llm : role === "tool" ? LANGSMITH_RUN_TYPE.tool : LANGSMITH_RUN_TYPE.chain;
  out[META.agentType] = agentType;

  switch (role) {
    case "turn": {
      if (facts.turnIndex !== undefined) out[META.turnNumber] = facts.turnIndex + 1;
      if (facts.promptId !== undefined) out[META.turnId] = facts.promptId;
      return out;
    }
    case "chat": {
      const model = facts.model;
      if (model !== undefined) out[META.modelName] = model;
      out[META.provider] = PROVIDER_NAME;
      const t = facts.tokens;
      const usd = facts.costUsd;
      if (t !== undefined) {
        const usage: Record<string, unknown> = {
          input_tokens: t.all,
          output_tokens: t.output,
          total_tokens: t.all + t.output,
          input_token_details: { cache_read: t.cacheRead, cache_creation: t.cacheCreation },
        };
        // An unpriced request: no cost, so LangSmith may price it from its own table.
        if (usd !== undefined && facts.costSource !== "unknown") usage["total_cost"] = usd;
        out[LANGSMITH_ATTR.usageMetadata] = JSON.stringify(usage);
      }
      return out;
    }
    case "tool": {
      if (facts.toolName !== undefined) out[META.toolName] = facts.toolName;
      return out;
    }
    case "subagent": {
      if (facts.agentId !== undefined) out[META.subagentId] = facts.agentId;
      if (facts.agentName !== undefined) out[META.subagentType] = facts.agentName;
      return out;
    }
    case "compaction":
    case "ledger": {
      // The summarising call's cost, or what the ledger charged beyond the chat runs: an "Other"
      // cost on a chain run, never negative.
      const usd = facts.costUsd;
      if (usd !== undefined && (role === "compaction" ? usd >= 0 : usd > 0)) out[LANGSMITH_ATTR.usageMetadata] = JSON.stringify({ total_cost: usd });
      return out;
    }
    case "session":
    case "other":
      return out;
  }
}
