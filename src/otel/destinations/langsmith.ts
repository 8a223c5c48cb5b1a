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
 * Re-sending upserts: a run's id is derived from the span id, which is deterministic (ids.ts).
 * The session span's `gen_ai.usage.*` totals are removed by the collector's LangSmith pipeline
 * (there is no LangSmith key to override them, and they would be counted beside the llm runs).
 */
import { ATTR, LANGSMITH_ATTR, PROVIDER_NAME } from "../semconv.js";
import type { Attributes, SpanData } from "../span-data.js";
import type { DestinationContext } from "./context.js";
import { numberAttr, spanRole, stringAttr, tokensOf } from "./context.js";

export const LANGSMITH_RUN_TYPE = { chain: "chain", llm: "llm", tool: "tool" } as const;

/** coding-agent-v1 literals. ls_integration names the emitter: us, not the official plugin. */
export const CODING_AGENT = {
  integration: "claude-code-otel",
  runtime: "Claude Code",
  purpose: "coding",
  schemaVersion: "coding-agent-v1",
} as const;

export type LsAgentType = "root" | "subagent" | "compaction";

const meta = (key: string): string => `${LANGSMITH_ATTR.metadata}.${key}`;

export function langsmithAttributes(span: SpanData, ctx: DestinationContext): Attributes {
  const role = spanRole(span);
  const inSubagent = stringAttr(span, ATTR.subagentId) !== undefined;
  const agentType: LsAgentType = role === "compaction" ? "compaction" : role === "subagent" || inSubagent ? "subagent" : "root";

  const out: Attributes = {
    [LANGSMITH_ATTR.spanKind]: role === "chat" ? LANGSMITH_RUN_TYPE.llm : role === "tool" ? LANGSMITH_RUN_TYPE.tool : LANGSMITH_RUN_TYPE.chain,
    [LANGSMITH_ATTR.tags]: `claude-code,${ctx.project}`,
    [meta("thread_id")]: ctx.sessionId,
    [meta("ls_agent_type")]: agentType,
    [meta("ls_agent_purpose")]: CODING_AGENT.purpose,
    [meta("ls_integration")]: CODING_AGENT.integration,
    [meta("ls_agent_runtime")]: CODING_AGENT.runtime,
    [meta("ls_trace_schema_version")]: CODING_AGENT.schemaVersion,
    [meta("project")]: ctx.project,
  };
  if (ctx.integrationVersion !== undefined) out[meta("ls_integration_version")] = ctx.integrationVersion;
  if (ctx.claudeCodeVersion !== undefined) out[meta("ls_agent_version")] = ctx.claudeCodeVersion;
  if (ctx.gitBranch !== undefined) out[meta("git_branch")] = ctx.gitBranch;
  if (ctx.cwd !== undefined) out[meta("working_directory")] = ctx.cwd;
  if (ctx.userId !== undefined) out[meta("user_id")] = ctx.userId;

  switch (role) {
    case "turn": {
      const index = numberAttr(span, ATTR.turnIndex);
      if (index !== undefined) out[meta("turn_number")] = index + 1;
      const promptId = stringAttr(span, ATTR.promptId);
      if (promptId !== undefined) out[meta("turn_id")] = promptId;
      return out;
    }
    case "chat": {
      const model = stringAttr(span, ATTR.responseModel) ?? stringAttr(span, ATTR.requestModel);
      if (model !== undefined) out[meta("ls_model_name")] = model;
      out[meta("ls_provider")] = PROVIDER_NAME;
      const t = tokensOf(span);
      const usd = numberAttr(span, ATTR.costUsd);
      if (t !== undefined) {
        const usage: Record<string, unknown> = {
          input_tokens: t.all,
          output_tokens: t.output,
          total_tokens: t.all + t.output,
          input_token_details: { cache_read: t.cacheRead, cache_creation: t.cacheCreation },
        };
        // An unpriced model: no cost, so LangSmith may price it from its own table.
        if (usd !== undefined && !(model !== undefined && ctx.unknownModels.has(model))) usage["total_cost"] = usd;
        out[LANGSMITH_ATTR.usageMetadata] = JSON.stringify(usage);
      }
      return out;
    }
    case "tool": {
      const tool = stringAttr(span, ATTR.toolName);
      if (tool !== undefined) out[meta("ls_tool_name")] = tool;
      return out;
    }
    case "subagent": {
      const id = stringAttr(span, ATTR.agentId);
      const type = stringAttr(span, ATTR.agentName);
      if (id !== undefined) out[meta("ls_subagent_id")] = id;
      if (type !== undefined) out[meta("ls_subagent_type")] = type;
      return out;
    }
    case "compaction": {
      // The summarising call's cost (Claude Code's ledger): an "Other" cost on a chain run.
      const usd = numberAttr(span, ATTR.costUsd);
      if (usd !== undefined && usd >= 0) out[LANGSMITH_ATTR.usageMetadata] = JSON.stringify({ total_cost: usd });
      return out;
    }
    case "session":
    case "other":
      return out;
  }
}
