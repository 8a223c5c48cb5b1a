/**
 * The attributes Langfuse's OTLP ingestion reads, for each span of a session (pure).
 *
 * Sources (read 2026-11): the attribute mapping
 *   https://langfuse.com/integrations/native/opentelemetry#property-mapping
 * and the ingestion code it documents, langfuse/langfuse
 *   packages/shared/src/server/otel/OtelIngestionProcessor.ts (extractUsageDetails,
 *   extractCostDetails, extractSessionId, extractUserId, extractEnvironment) and
 *   packages/shared/src/server/otel/ObservationTypeMapper.ts.
 *
 * Facts this relies on:
 * - `langfuse.*` keys win over every other convention; a recognised `langfuse.observation.type`
 *   wins over `gen_ai.operation.name` (which would give the same types: invoke_agent → agent,
 *   execute_tool → tool, chat → generation).
 * - Trace-level keys (session, user, tags, release, trace metadata) must be on every span for
 *   Langfuse's per-observation filters and aggregations ("propagating trace attributes").
 * - Usage is read from ANY span carrying `gen_ai.usage.*` (only the AI SDK's agent spans are
 *   skipped), and a trace's cost and tokens are the sums over all its observations. Our session
 *   span carries the session totals (DESIGN §2), so it gets an empty `usage_details` (an explicit
 *   object wins over `gen_ai.usage.*`) or Langfuse would count every token twice.
 * - `usage_details` is taken as is. We send Langfuse's own canonical keys (the ones its OTel
 *   mapping produces from `gen_ai.usage.cache_*`): `input` (uncached), `output`,
 *   `input_cached_tokens`, `input_cache_creation`. Every key containing "input" is summed into
 *   the observation's input, so input = all input tokens, once; the total is the sum of the keys.
 * - `cost_details` with `total` is authoritative (Langfuse then skips its own pricing), on any
 *   observation type; the trace's cost is the sum of observations' `total_cost`.
 * - Environment comes from `deployment.environment.name` as a RESOURCE attribute too
 *   (extractEnvironment reads span then resource), so OTEL_RESOURCE_ATTRIBUTES is enough: not
 *   repeated here. Trace `version` defaults to the resource's `service.version` (ours).
 * - Re-sending a span upserts: observations are keyed by span id, traces by trace id, and ours
 *   are deterministic (ids.ts).
 */
import { flatString } from "../../util/flat-string.js";
import { LANGFUSE_ATTR } from "../../semconv/names.js";
import type { Attributes, SpanData } from "../span-data.js";
import type { DestinationContext } from "./context.js";
import type { SpanFacts } from "./context.js";
import { spanFacts } from "./context.js";

/** `langfuse.observation.type` values (Langfuse's ObservationType, lower case). */
export const LANGFUSE_TYPE = { span: "span", agent: "agent", generation: "generation", tool: "tool" } as const;

export const LANGFUSE_TAG = "claude-code";

/** Metadata keys, built once and flat (langsmith.ts says why). */
const KEY = {
  traceProject: flatString(`${LANGFUSE_ATTR.traceMetadata}.project`),
  traceGitBranch: flatString(`${LANGFUSE_ATTR.traceMetadata}.git_branch`),
  trigger: flatString(`${LANGFUSE_ATTR.observationMetadata}.trigger`),
  preTokens: flatString(`${LANGFUSE_ATTR.observationMetadata}.pre_tokens`),
  postTokens: flatString(`${LANGFUSE_ATTR.observationMetadata}.post_tokens`),
  droppedTokens: flatString(`${LANGFUSE_ATTR.observationMetadata}.dropped_tokens`),
} as const;

/** What every observation of the session carries, built once per session. */
const sessionShared = new WeakMap<DestinationContext, Attributes>();

function langfuseSessionAttributes(ctx: DestinationContext): Attributes {
  let shared = sessionShared.get(ctx);
  if (shared === undefined) {
    shared = {
      [LANGFUSE_ATTR.sessionId]: ctx.sessionId,
      // Frozen: every span of the session shares this array.
      [LANGFUSE_ATTR.traceTags]: Object.freeze([LANGFUSE_TAG, ctx.project]) as string[],
    };
    if (ctx.userId !== undefined) shared[LANGFUSE_ATTR.userId] = ctx.userId;
    if (ctx.claudeCodeVersion !== undefined) shared[LANGFUSE_ATTR.release] = ctx.claudeCodeVersion;
    sessionShared.set(ctx, shared);
  }
  return shared;
}

/** `facts`: the span's, when the caller has them already (destinationAttributes). */
export function langfuseAttributes(span: SpanData, ctx: DestinationContext, facts: SpanFacts = spanFacts(span)): Attributes {
  // Not `{ ...shared }`: V8 (Node 20) adds properties to a spread copy several times slower (docs/performance.md, "Sixth session").
  const out: Attributes = Object.assign({}, langfuseSessionAttributes(ctx));

  switch (facts.role) {
    case "session":
      out[LANGFUSE_ATTR.observationType] = LANGFUSE_TYPE.span;
      // The session totals are sums of the chat spans: never count them again.
      out[LANGFUSE_ATTR.usageDetails] = "{}";
      // Filterable trace metadata (plain attributes land under metadata.attributes, not filterable).
      out[KEY.traceProject] = ctx.project;
      if (ctx.gitBranch !== undefined) out[KEY.traceGitBranch] = ctx.gitBranch;
      return out;
    case "turn":
    case "subagent":
      out[LANGFUSE_ATTR.observationType] = LANGFUSE_TYPE.agent;
      return out;
    case "chat": {
      out[LANGFUSE_ATTR.observationType] = LANGFUSE_TYPE.generation;
      const t = facts.tokens;
      if (t !== undefined) {
        out[LANGFUSE_ATTR.usageDetails] = JSON.stringify({
          input: t.uncached,
          output: t.output,
          input_cached_tokens: t.cacheRead,
          input_cache_creation: t.cacheCreation,
        });
      }
      const usd = facts.costUsd;
      // An unpriced request: no cost, so Langfuse may price it from its own model table.
      if (usd !== undefined && facts.costSource !== "unknown") {
        out[LANGFUSE_ATTR.costDetails] = JSON.stringify({ total: usd });
      }
      return out;
    }
    case "tool":
      out[LANGFUSE_ATTR.observationType] = LANGFUSE_TYPE.tool;
      if (span.status.code === "ERROR") {
        out[LANGFUSE_ATTR.observationLevel] = "ERROR";
        out[LANGFUSE_ATTR.observationStatusMessage] = span.status.message ?? "tool error";
      }
      return out;
    case "compaction": {
      // A span with figures as filterable metadata; the summarising call it stands for left no
      // assistant line, so its cost (from Claude Code's ledger) is a generation-less cost here.
      out[LANGFUSE_ATTR.observationType] = LANGFUSE_TYPE.span;
      if (facts.compactionTrigger !== undefined) out[KEY.trigger] = facts.compactionTrigger;
      if (facts.compactionPreTokens !== undefined) out[KEY.preTokens] = facts.compactionPreTokens;
      if (facts.compactionPostTokens !== undefined) out[KEY.postTokens] = facts.compactionPostTokens;
      if (facts.compactionDroppedTokens !== undefined) out[KEY.droppedTokens] = facts.compactionDroppedTokens;
      // Never a negative cost (a ledger below our price): Langfuse's cost is a spend, not a correction.
      const usd = facts.costUsd;
      if (usd !== undefined && usd >= 0) out[LANGFUSE_ATTR.costDetails] = JSON.stringify({ total: usd });
      return out;
    }
    case "ledger": {
      // Cost Claude Code charged that no generation carries (see mapping/ledger-correction.ts);
      // never negative here either, so a live session that counted above the ledger shows more.
      out[LANGFUSE_ATTR.observationType] = LANGFUSE_TYPE.span;
      const usd = facts.costUsd;
      if (usd !== undefined && usd > 0) out[LANGFUSE_ATTR.costDetails] = JSON.stringify({ total: usd });
      return out;
    }
    case "other":
      return out;
  }
}
