/**
 * Subagents and the Agent/Task calls that started them. Three layouts over Claude Code's history:
 * lines inline in the main file (`isSidechain`, up to ~2.0.2x), sibling `agent-<id>.jsonl` files
 * (2.0.x), and `<session>/subagents/` with a meta file naming the call (2.1.2+). The join tries
 * the meta file's `toolUseId`, then the id the call's result named, then the first unclaimed call
 * with the subagent's first prompt.
 */
import type { TranscriptLine } from "../transcript/line-types.js";
import type { AgentMeta } from "../transcript/session-input.js";
import { flatString } from "../util/flat-string.js";
import type { ToolCallDraft } from "./tool-calls.js";
import type { TurnDraft } from "./turns.js";
import type { Subagent, SubagentLayout } from "./types.js";
import { AGENT_TOOL_NAMES } from "./types.js";

export interface AgentDraft {
  agentId: string;
  layout: SubagentLayout;
  meta: AgentMeta | undefined;
  rootPrompt: string | undefined;
  startTime: number;
  endTime: number;
}

/** The subagent's draft, created on first sight; `t` widens its time span. */
export function touchAgent(agents: Map<string, AgentDraft>, agentId: string, layout: SubagentLayout, meta: AgentMeta | undefined, t: number | undefined): AgentDraft {
  let agent = agents.get(agentId);
  if (agent === undefined) {
    agent = { agentId, layout, meta, rootPrompt: undefined, startTime: t ?? Number.POSITIVE_INFINITY, endTime: t ?? Number.NEGATIVE_INFINITY };
    agents.set(agentId, agent);
  }
  if (t !== undefined) {
    agent.startTime = Math.min(agent.startTime, t);
    agent.endTime = Math.max(agent.endTime, t);
  }
  return agent;
}

/** Inline sidechains (before 2.0.x): line uuid → an agent id from the root of its parentUuid chain. */
export function inlineSidechainRoots(lines: readonly TranscriptLine[]): Map<string, string> {
  const parentOf = new Map<string, string | undefined>();
  for (const line of lines) {
    if ("isSidechain" in line && line.isSidechain && line.agentId === undefined && line.uuid !== undefined) {
      parentOf.set(line.uuid, line.parentUuid);
    }
  }
  const rootOf = new Map<string, string>();
  /** The agent id of each root, made once (a chain of n lines has one root, not n). */
  const idOfRoot = new Map<string, string>();
  /** The root a walk found from each line that leads to one without a cycle: a later walk stops there. */
  const acyclicRoot = new Map<string, string>();
  for (const uuid of parentOf.keys()) {
    let current = uuid;
    const seen = new Set<string>();
    const path: string[] = [];
    let known: string | undefined;
    let acyclic = true;
    for (;;) {
      known = acyclicRoot.get(current);
      if (known !== undefined) break;
      const parent = parentOf.get(current);
      if (parent === undefined || !parentOf.has(parent)) break;
      if (seen.has(parent)) {
        acyclic = false; // where a walk round a cycle stops depends on where it started: nothing to remember
        break;
      }
      seen.add(current);
      path.push(current);
      current = parent;
    }
    const root = known ?? current;
    if (acyclic) {
      for (const p of path) acyclicRoot.set(p, root);
      acyclicRoot.set(current, root);
    }
    let id = idOfRoot.get(root);
    if (id === undefined) {
      id = flatString(`sidechain-${root.slice(0, 8)}`);
      idOfRoot.set(root, id);
    }
    rootOf.set(uuid, id);
  }
  return rootOf;
}

/** Every subagent with the call that started it (when one can be joined), in order of start. */
export function joinSubagents(agents: ReadonlyMap<string, AgentDraft>, toolCalls: ReadonlyMap<string, ToolCallDraft>): Subagent[] {
  const agentCalls = [...toolCalls.values()].filter((c) => AGENT_TOOL_NAMES.has(c.name));
  const claimed = new Set<string>();
  const result: Subagent[] = [];
  const sorted = [...agents.values()].sort((a, b) => a.startTime - b.startTime);
  for (const agent of sorted) {
    let parent: ToolCallDraft | undefined;
    const byMeta = agent.meta?.toolUseId;
    if (byMeta !== undefined) parent = toolCalls.get(byMeta);
    parent ??= agentCalls.find((c) => c.spawnedAgentId === agent.agentId);
    if (parent === undefined && agent.rootPrompt !== undefined) {
      parent = agentCalls.find((c) => !claimed.has(c.id) && c.spawnedAgentId === undefined && c.input["prompt"] === agent.rootPrompt);
    }
    if (parent !== undefined) claimed.add(parent.id);
    const subagentType = parent?.input["subagent_type"];
    result.push({
      agentId: agent.agentId,
      agentType: agent.meta?.agentType ?? (typeof subagentType === "string" ? subagentType : "general-purpose"),
      description: agent.meta?.description ?? (typeof parent?.input["description"] === "string" ? parent.input["description"] : undefined),
      parentToolUseId: parent?.id,
      layout: agent.layout,
      startTime: Number.isFinite(agent.startTime) ? agent.startTime : 0,
      endTime: Number.isFinite(agent.endTime) ? agent.endTime : 0,
    });
  }
  return result;
}

/** Agent call id → the subagent that claimed it first: the subagent an Agent call started, where its result did not name it. */
export function startedByCall(subagents: readonly Subagent[]): Map<string, string> {
  const startedBy = new Map<string, string>();
  for (const s of subagents) if (s.parentToolUseId !== undefined && !startedBy.has(s.parentToolUseId)) startedBy.set(s.parentToolUseId, s.agentId);
  return startedBy;
}

/** Subagent work belongs to the turn of the call that started it: agent id → that call's turn. */
export function turnOfAgents(subagents: readonly Subagent[], toolCalls: ReadonlyMap<string, ToolCallDraft>): Map<string, TurnDraft | undefined> {
  const turnOf = new Map<string, TurnDraft | undefined>();
  for (const sub of subagents) {
    if (sub.parentToolUseId !== undefined) turnOf.set(sub.agentId, toolCalls.get(sub.parentToolUseId)?.turn);
  }
  return turnOf;
}
