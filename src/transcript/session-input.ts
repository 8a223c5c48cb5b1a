import type { TranscriptLine } from "./line-types.js";

/** What `<session>/subagents/agent-<id>.meta.json` says about a subagent. */
export interface AgentMeta {
  readonly agentType: string | undefined;
  readonly toolUseId: string | undefined;
  readonly description: string | undefined;
  readonly model: string | undefined;
}

export interface AgentTranscript {
  readonly agentId: string;
  readonly layout: "subagents-dir" | "sibling-file";
  readonly meta: AgentMeta | undefined;
  readonly lines: readonly TranscriptLine[];
}

/** Everything read from disk for one session: the pure builder's only input. */
export interface SessionInput {
  readonly sessionId: string;
  /** The folder under `projects/` (Claude Code's encoding of the cwd). */
  readonly projectDir: string;
  /** Overrides the project name derived from the cwd. */
  readonly projectName?: string | undefined;
  readonly main: readonly TranscriptLine[];
  readonly agents: readonly AgentTranscript[];
}

/** A session whose files hold no transcript line we read (e.g. a 0-byte file): nothing to model. */
export function isEmptyInput(input: SessionInput): boolean {
  return input.main.length === 0 && input.agents.every((a) => a.lines.length === 0);
}
