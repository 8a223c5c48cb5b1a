/**
 * What the destination mappers need besides the span itself: session-level facts that Langfuse
 * and LangSmith want repeated on every span (both group and filter per span, not per trace).
 */
import type { Session } from "../../model/types.js";
import { AGENT_NAME, ATTR, OPERATION, SPAN_NAME } from "../semconv.js";
import type { SpanData } from "../span-data.js";
import type { DestinationName } from "./select.js";

export interface DestinationContext {
  readonly sessionId: string;
  readonly project: string;
  /** Claude Code's version, where the transcript names it. */
  readonly claudeCodeVersion: string | undefined;
  readonly gitBranch: string | undefined;
  readonly cwd: string | undefined;
  /** Who ran the session, when configured (`user.id` in OTEL_RESOURCE_ATTRIBUTES, see destinationOptionsFromResource). */
  readonly userId: string | undefined;
  /** claude-code-otel's own version. */
  readonly integrationVersion: string | undefined;
  /** Models without a price: their chat spans carry no cost, so the products may price them. */
  readonly unknownModels: ReadonlySet<string>;
}

/** Per-run settings for the destination attributes; `false` in SpanMapOptions turns them off. */
export interface DestinationOptions {
  readonly userId?: string | undefined;
  readonly integrationVersion?: string | undefined;
  /** The products whose attributes spans carry; both when absent (select.ts). */
  readonly products?: readonly DestinationName[] | undefined;
}

export function destinationContext(session: Session, options: DestinationOptions = {}): DestinationContext {
  return {
    sessionId: session.sessionId,
    project: session.project,
    claudeCodeVersion: session.version,
    gitBranch: session.gitBranch,
    cwd: session.cwd,
    userId: options.userId,
    integrationVersion: options.integrationVersion,
    unknownModels: new Set(session.cost.unknownModels),
  };
}

/** `user.id` from the resource (OTEL_RESOURCE_ATTRIBUTES), the standard place for it. */
export function destinationOptionsFromResource(resource: Readonly<Record<string, string>>, integrationVersion?: string, products?: readonly DestinationName[]): DestinationOptions {
  const userId = resource["user.id"]?.trim();
  return { userId: userId !== undefined && userId !== "" ? userId : undefined, integrationVersion, products };
}

/** The role a span plays in the session tree, read from its contract names (semconv.ts). */
export type SpanRole = "session" | "turn" | "chat" | "tool" | "subagent" | "compaction" | "other";

export function spanRole(span: SpanData): SpanRole {
  if (span.name === SPAN_NAME.session) return "session";
  if (span.name === SPAN_NAME.compaction) return "compaction";
  const op = span.attributes[ATTR.operationName];
  if (op === OPERATION.chat) return "chat";
  if (op === OPERATION.executeTool) return "tool";
  if (op === OPERATION.invokeAgent) return span.attributes[ATTR.agentName] === AGENT_NAME && span.attributes[ATTR.agentId] === undefined ? "turn" : "subagent";
  return "other";
}

export function numberAttr(span: SpanData, key: string): number | undefined {
  const v = span.attributes[key];
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

export function stringAttr(span: SpanData, key: string): string | undefined {
  const v = span.attributes[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Anthropic's uncached input: the span's GenAI input_tokens count cache reads and writes too. */
export function tokensOf(span: SpanData): { all: number; uncached: number; output: number; cacheRead: number; cacheCreation: number } | undefined {
  const all = numberAttr(span, ATTR.usageInputTokens);
  const output = numberAttr(span, ATTR.usageOutputTokens);
  if (all === undefined || output === undefined) return undefined;
  const cacheRead = numberAttr(span, ATTR.usageCacheReadInputTokens) ?? 0;
  const cacheCreation = numberAttr(span, ATTR.usageCacheCreationInputTokens) ?? 0;
  return { all, uncached: Math.max(all - cacheRead - cacheCreation, 0), output, cacheRead, cacheCreation };
}
