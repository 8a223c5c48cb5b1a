import type { TranscriptLine } from "./line-types.js";

/** What `<session>/subagents/agent-<id>.meta.json` says about a subagent. */
export interface AgentMeta {
  readonly agentType: string | undefined;
  readonly toolUseId: string | undefined;
  readonly description: string | undefined;
  readonly model: string | undefined;
}

/** One subagent's transcript: its lines and meta file. */
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

/**
 * A session with no activity: not one timestamped prompt, tool result or response in any of its
 * files. Nothing to model: a 0-byte file, a summary-only file (Claude Code 1.0 wrote those for
 * its resume list), any other JSONL that happens to sit under the projects folder. Without this
 * check such a file became a session starting at the epoch (1970-01-01), counted everywhere.
 */
export function isEmptyInput(input: SessionInput): boolean {
  return !hasActivity(input.main) && input.agents.every((a) => !hasActivity(a.lines));
}

function hasActivity(lines: readonly TranscriptLine[]): boolean {
  for (const line of lines) {
    if ((line.kind === "prompt" || line.kind === "tool-results" || line.kind === "assistant") && line.timestamp !== undefined) return true;
  }
  return false;
}
