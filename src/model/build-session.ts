import type { Pricer } from "./pricer.js";
import { reconcileLedger } from "./reconcile-ledger.js";
import type { LedgerSnapshot } from "./reconcile-ledger.js";
import type { AssistantLine, TokenUsage, TranscriptLine } from "../transcript/line-types.js";
import { flatString } from "../util/flat-string.js";
import { promptKind } from "./prompt-kind.js";
import type { AgentMeta, SessionInput } from "../transcript/session-input.js";
import { toolTarget } from "./tool-target.js";
import type { ApiRequest, Compaction, Session, Subagent, SubagentLayout, ToolCall, ToolOutcome, Turn } from "./types.js";
import { AGENT_TOOL_NAMES } from "./types.js";

interface RequestDraft {
  key: string;
  messageId: string;
  requestId: string;
  model: string;
  usage: TokenUsage;
  stopReason: string | undefined;
  requestRef: string | undefined;
  parentUuid: string | undefined;
  firstTime: number | undefined;
  endTime: number;
  agentId: string | undefined;
  turn: TurnDraft | undefined;
  toolCallIds: string[];
  textParts: string[];
  /** Ordinal of the first line in the main file, for ledger reconciliation. */
  position: number | undefined;
}

interface ToolCallDraft {
  id: string;
  name: string;
  input: Readonly<Record<string, unknown>>;
  requestKey: string;
  agentId: string | undefined;
  turn: TurnDraft | undefined;
  startTime: number;
  endTime: number | undefined;
  outcome: ToolOutcome;
  errorText: string | undefined;
  spawnedAgentId: string | undefined;
}

interface TurnDraft {
  kind: "prompt" | "command";
  promptId: string | undefined;
  uuid: string | undefined;
  startTime: number;
  endTime: number;
  promptText: string;
  requests: number;
}

interface AgentDraft {
  agentId: string;
  layout: SubagentLayout;
  meta: AgentMeta | undefined;
  rootPrompt: string | undefined;
  startTime: number;
  endTime: number;
}

const SYNTHETIC_MODEL = "<synthetic>";

/** Usage totals decide which copy of a streamed response is final (placeholders come first). */
function usageWeight(u: TokenUsage): number {
  return u.input + u.output + u.cacheRead + u.cacheCreation;
}

const ZERO_USAGE: TokenUsage = { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, cacheCreation5m: 0, cacheCreation1h: 0 };

/**
 * A response's text arrives one block per line, and a line may repeat (copies of a streamed
 * response, placeholders first): a block already held, or the start of one held, adds nothing;
 * a longer version of a held block replaces it.
 */
function addTextPart(parts: string[], text: string): void {
  const i = parts.findIndex((p) => text.startsWith(p) || p.startsWith(text));
  if (i === -1) parts.push(text);
  else if (text.length > (parts[i] as string).length) parts[i] = text;
}

/** Builds one session from its transcript lines. Pure: same input, same session. */
export function buildSession(input: SessionInput, pricer: Pricer): Session {
  const warnings: string[] = [];
  const requests = new Map<string, RequestDraft>();
  const toolCalls = new Map<string, ToolCallDraft>();
  const agents = new Map<string, AgentDraft>();
  const apiRequestTimes = new Map<string, number>();
  const timeByUuid = new Map<string, number>();
  const turns: TurnDraft[] = [];
  const compactionDrafts: { line: Extract<TranscriptLine, { kind: "compact-boundary" }>; turn: TurnDraft | undefined; position: number }[] = [];
  const snapshots: LedgerSnapshot[] = [];
  let title: string | undefined;
  let cwd: string | undefined;
  let version: string | undefined;
  let gitBranch: string | undefined;
  let startTime = Number.POSITIVE_INFINITY;
  let endTime = Number.NEGATIVE_INFINITY;

  // The session's arrays are built by pushing onto array literals, not with map/filter/spread:
  // V8 then gives the empty ones the same element kind as the full ones, so the code that walks
  // them (here, the mappers, the exporters) is optimised once, not again each time a session with
  // an empty list of turns or calls comes by (measured: buildSession was compiled 8 times per
  // replay worker, at 100-200 ms of CPU each).
  const allLines: (readonly TranscriptLine[])[] = [input.main];
  for (const agent of input.agents) allLines.push(agent.lines);
  for (const lines of allLines) {
    for (const line of lines) {
      if (line.kind === "api-request" && line.timestamp !== undefined) apiRequestTimes.set(line.id, line.timestamp);
      if ("uuid" in line && line.uuid !== undefined && line.timestamp !== undefined) timeByUuid.set(line.uuid, line.timestamp);
    }
  }

  const inlineAgentOf = inlineSidechainRoots(input.main);

  const touchAgent = (agentId: string, layout: SubagentLayout, meta: AgentMeta | undefined, t: number | undefined): AgentDraft => {
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
  };

  // Flat: the model goes on every chat span and metric point (util/flat-string.ts). Cached: a
  // session has a handful of models and thousands of requests.
  const flatModels = new Map<string, string>();
  const flatModel = (model: string): string => {
    let flat = flatModels.get(model);
    if (flat === undefined) {
      flat = flatString(model);
      flatModels.set(model, flat);
    }
    return flat;
  };

  const addAssistant = (line: AssistantLine, agentId: string | undefined, turn: TurnDraft | undefined, position: number | undefined): void => {
    if (line.model === SYNTHETIC_MODEL) return;
    const messageId = line.messageId ?? line.uuid ?? "";
    const requestId = line.requestId ?? "";
    const key = `${messageId}:${requestId}`;
    const t = line.timestamp ?? 0;
    let draft = requests.get(key);
    if (draft === undefined) {
      draft = {
        key,
        messageId,
        requestId,
        model: flatModel(line.model),
        usage: line.usage ?? ZERO_USAGE,
        stopReason: line.stopReason,
        requestRef: line.requestRef,
        parentUuid: line.parentUuid,
        firstTime: line.timestamp,
        endTime: t,
        agentId,
        turn,
        toolCallIds: [],
        textParts: [],
        position,
      };
      requests.set(key, draft);
      if (turn !== undefined) turn.requests++;
    } else {
      if (line.usage !== undefined && usageWeight(line.usage) > usageWeight(draft.usage)) {
        draft.usage = line.usage;
        draft.stopReason = line.stopReason ?? draft.stopReason;
      }
      draft.endTime = Math.max(draft.endTime, t);
      draft.requestRef ??= line.requestRef;
    }
    if (line.text !== "") addTextPart(draft.textParts, line.text);
    for (const use of line.toolUses) {
      if (toolCalls.has(use.id)) continue;
      draft.toolCallIds.push(use.id);
      toolCalls.set(use.id, {
        id: use.id,
        name: use.name,
        input: use.input,
        requestKey: key,
        agentId,
        turn,
        startTime: t,
        endTime: undefined,
        outcome: "pending",
        errorText: undefined,
        spawnedAgentId: undefined,
      });
    }
  };

  const addToolResults = (line: Extract<TranscriptLine, { kind: "tool-results" }>): void => {
    for (const result of line.results) {
      const call = toolCalls.get(result.toolUseId);
      if (call === undefined || call.outcome !== "pending") continue;
      call.endTime = line.timestamp ?? call.startTime;
      call.outcome = result.isError ? "failure" : "success";
      call.errorText = result.errorText;
      if (line.spawnedAgentId !== undefined && AGENT_TOOL_NAMES.has(call.name)) call.spawnedAgentId = line.spawnedAgentId;
    }
  };

  const noteMeta = (line: TranscriptLine): void => {
    if (!("cwd" in line)) return;
    if (line.cwd !== undefined) cwd ??= line.cwd;
    if (line.version !== undefined) version = line.version;
    if (line.gitBranch !== undefined) gitBranch ??= line.gitBranch;
  };

  const noteTime = (t: number | undefined): void => {
    if (t === undefined) return;
    if (t < startTime) startTime = t;
    if (t > endTime) endTime = t;
  };

  // Main file: turns, main-thread requests and tool calls, inline sidechains, compactions, ledger.
  let currentTurn: TurnDraft | undefined;
  input.main.forEach((line, position) => {
    noteMeta(line);
    if ("timestamp" in line) noteTime(line.timestamp);
    const explicitAgent = "isSidechain" in line && line.isSidechain ? line.agentId : undefined;
    const sidechainAgent = "isSidechain" in line && line.isSidechain ? (explicitAgent ?? inlineAgentOf.get(line.uuid ?? "")) : undefined;
    if (sidechainAgent !== undefined) {
      const layout = explicitAgent !== undefined ? "sibling-file" : "inline";
      const agent = touchAgent(sidechainAgent, layout, undefined, "timestamp" in line ? line.timestamp : undefined);
      if (line.kind === "prompt" && agent.rootPrompt === undefined) agent.rootPrompt = line.text;
      if (line.kind === "assistant") addAssistant(line, sidechainAgent, undefined, undefined);
      if (line.kind === "tool-results") addToolResults(line);
      return;
    }
    switch (line.kind) {
      case "prompt": {
        const kind = promptKind(line);
        // Lines sharing the current prompt id (command output, expanded commands) continue its turn.
        const continues = line.promptId !== undefined && currentTurn?.promptId === line.promptId;
        if (kind !== "not-a-turn" && !continues && line.timestamp !== undefined) {
          currentTurn = {
            kind,
            promptId: line.promptId,
            uuid: line.uuid,
            startTime: line.timestamp,
            endTime: line.timestamp,
            promptText: line.text,
            requests: 0,
          };
          turns.push(currentTurn);
        }
        break;
      }
      case "assistant":
        addAssistant(line, undefined, currentTurn, position);
        break;
      case "tool-results":
        addToolResults(line);
        break;
      case "compact-boundary":
        compactionDrafts.push({ line, turn: currentTurn, position });
        break;
      case "cost-state":
        snapshots.push({ position, totalUsd: line.totalCostUsd });
        break;
      case "summary":
        title ??= line.summary || undefined;
        break;
      case "api-request":
      case "other":
        break;
      default:
        assertNever(line);
    }
    if (currentTurn !== undefined && "timestamp" in line && line.timestamp !== undefined) {
      currentTurn.endTime = Math.max(currentTurn.endTime, line.timestamp);
    }
  });

  // Subagent files (sibling agent-*.jsonl and <session>/subagents/).
  for (const transcript of input.agents) {
    // Cut from a file name: flat, it goes on every span of the subagent (util/flat-string.ts).
    const agentId = flatString(transcript.agentId);
    const agent = touchAgent(agentId, transcript.layout, transcript.meta, undefined);
    agent.meta ??= transcript.meta;
    for (const line of transcript.lines) {
      noteMeta(line);
      if ("timestamp" in line && line.timestamp !== undefined) {
        noteTime(line.timestamp);
        agent.startTime = Math.min(agent.startTime, line.timestamp);
        agent.endTime = Math.max(agent.endTime, line.timestamp);
      }
      if (line.kind === "prompt" && agent.rootPrompt === undefined && !line.isMeta) agent.rootPrompt = line.text;
      else if (line.kind === "assistant") addAssistant(line, agentId, undefined, undefined);
      else if (line.kind === "tool-results") addToolResults(line);
    }
  }

  const subagents = joinSubagents(agents, toolCalls);
  // Subagent work belongs to the turn of the call that started it.
  const turnOfAgent = new Map<string, TurnDraft | undefined>();
  for (const sub of subagents) {
    if (sub.parentToolUseId !== undefined) turnOfAgent.set(sub.agentId, toolCalls.get(sub.parentToolUseId)?.turn);
  }

  // Slash commands the model never answered are not turns.
  const realTurns: TurnDraft[] = [];
  for (const t of turns) if (t.kind === "prompt" || t.requests > 0) realTurns.push(t);
  const turnIndex = new Map<TurnDraft, number>();
  for (const t of realTurns) turnIndex.set(t, turnIndex.size);
  const indexOf = (turn: TurnDraft | undefined, agentId: string | undefined): number | undefined => {
    const owner = turn ?? (agentId !== undefined ? turnOfAgent.get(agentId) : undefined);
    return owner === undefined ? undefined : turnIndex.get(owner);
  };

  const pricedRequests: ApiRequest[] = [];
  for (const draft of requests.values()) {
    const startTime =
      (draft.requestRef !== undefined ? apiRequestTimes.get(draft.requestRef) : undefined) ??
      (draft.parentUuid !== undefined ? timeByUuid.get(draft.parentUuid) : undefined) ??
      draft.firstTime ??
      draft.endTime;
    const price = pricer(draft.model, draft.usage, new Date(startTime));
    pricedRequests.push({
      key: draft.key,
      messageId: draft.messageId,
      requestId: draft.requestId,
      model: draft.model,
      usage: draft.usage,
      stopReason: draft.stopReason,
      startTime: Math.min(startTime, draft.endTime),
      endTime: draft.endTime,
      agentId: draft.agentId,
      turnIndex: indexOf(draft.turn, draft.agentId),
      toolCallIds: draft.toolCallIds,
      textParts: draft.textParts,
      cost: { usd: price.usd, known: price.known },
    });
  }
  pricedRequests.sort((a, b) => a.startTime - b.startTime || a.key.localeCompare(b.key));

  // The subagent an Agent call started, where its result did not name it: the first that claims it.
  const startedBy = new Map<string, string>();
  for (const s of subagents) if (s.parentToolUseId !== undefined && !startedBy.has(s.parentToolUseId)) startedBy.set(s.parentToolUseId, s.agentId);
  const finishedCalls: ToolCall[] = [];
  for (const c of toolCalls.values()) {
    finishedCalls.push({
      id: c.id,
      name: c.name,
      input: c.input,
      target: toolTarget(c.input),
      requestKey: c.requestKey,
      agentId: c.agentId,
      turnIndex: indexOf(c.turn, c.agentId),
      startTime: c.startTime,
      endTime: c.endTime,
      outcome: c.outcome,
      errorText: c.errorText,
      spawnedAgentId: c.spawnedAgentId ?? startedBy.get(c.id),
    });
  }
  finishedCalls.sort((a, b) => a.startTime - b.startTime || a.id.localeCompare(b.id));

  const positionCost: { position: number; usd: number }[] = [];
  for (const r of pricedRequests) {
    const position = requests.get(r.key)?.position;
    if (position !== undefined) positionCost.push({ position, usd: r.cost.usd });
  }
  const compactionPositions: number[] = [];
  for (const c of compactionDrafts) compactionPositions.push(c.position);
  const ledger = reconcileLedger(snapshots, positionCost, compactionPositions);

  const compactions: Compaction[] = [];
  for (const [i, c] of compactionDrafts.entries()) {
    const end = c.line.timestamp ?? 0;
    compactions.push({
      uuid: c.line.uuid ?? `compaction-${i}`,
      startTime: end - (c.line.durationMs ?? 0),
      endTime: end,
      trigger: c.line.trigger,
      preTokens: c.line.preTokens,
      postTokens: c.line.postTokens,
      droppedTokens: c.line.droppedTokens ?? (c.line.preTokens !== undefined && c.line.postTokens !== undefined ? c.line.preTokens - c.line.postTokens : undefined),
      turnIndex: c.turn === undefined ? undefined : turnIndex.get(c.turn),
      unattributedCostUsd: ledger.compactionCosts[i],
    });
  }

  const cost = summariseCost(pricedRequests, ledger.totalUsd);
  for (const model of cost.unknownModels) warnings.push(`no price for model "${model}": session cost is incomplete`);

  const finalTurns: Turn[] = [];
  for (const t of realTurns) {
    finalTurns.push({
      index: finalTurns.length,
      promptId: t.promptId,
      uuid: t.uuid,
      startTime: t.startTime,
      endTime: t.endTime,
      promptText: t.promptText,
    });
  }

  if (!Number.isFinite(startTime)) {
    startTime = 0;
    endTime = 0;
  }
  return {
    // The session's identity strings go on every span: flat (util/flat-string.ts).
    sessionId: flatString(input.sessionId),
    project: flatString(input.projectName ?? projectNameOf(cwd, input.projectDir)),
    projectDir: input.projectDir,
    cwd: cwd === undefined ? undefined : flatString(cwd),
    version: version === undefined ? undefined : flatString(version),
    gitBranch: gitBranch === undefined ? undefined : flatString(gitBranch),
    title,
    startTime,
    endTime,
    turns: finalTurns,
    requests: pricedRequests,
    toolCalls: finishedCalls,
    subagents,
    compactions,
    cost,
    warnings,
  };
}

/** The project's directory name: the cwd's last segment, else the projects folder's name. */
export function projectNameOf(cwd: string | undefined, projectDir: string): string {
  if (cwd !== undefined) {
    const parts = cwd.split(/[\\/]/).filter((p) => p.length > 0);
    const last = parts[parts.length - 1];
    if (last !== undefined) return last;
  }
  return projectDir;
}

/** Inline sidechains (before 2.0.x): group lines by the root of their parentUuid chain. */
function inlineSidechainRoots(lines: readonly TranscriptLine[]): Map<string, string> {
  const parentOf = new Map<string, string | undefined>();
  for (const line of lines) {
    if ("isSidechain" in line && line.isSidechain && line.agentId === undefined && line.uuid !== undefined) {
      parentOf.set(line.uuid, line.parentUuid);
    }
  }
  const rootOf = new Map<string, string>();
  for (const uuid of parentOf.keys()) {
    let current = uuid;
    const seen = new Set<string>();
    for (;;) {
      const parent = parentOf.get(current);
      if (parent === undefined || !parentOf.has(parent) || seen.has(parent)) break;
      seen.add(current);
      current = parent;
    }
    rootOf.set(uuid, flatString(`sidechain-${current.slice(0, 8)}`));
  }
  return rootOf;
}

function joinSubagents(agents: Map<string, AgentDraft>, toolCalls: Map<string, ToolCallDraft>): Subagent[] {
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

function summariseCost(requests: readonly ApiRequest[], ledgerUsd: number | undefined): Session["cost"] {
  const byModel: Record<string, { usd: number; requests: number; tokens: TokenUsage; known: boolean }> = {};
  let computedUsd = 0;
  const unknown = new Set<string>();
  for (const r of requests) {
    computedUsd += r.cost.usd;
    if (!r.cost.known) unknown.add(r.model);
    const m = (byModel[r.model] ??= { usd: 0, requests: 0, tokens: { ...ZERO_USAGE }, known: true });
    m.usd += r.cost.usd;
    m.requests++;
    m.known &&= r.cost.known;
    m.tokens = addUsage(m.tokens, r.usage);
  }
  const source = ledgerUsd !== undefined ? "ledger" : "computed";
  const totalUsd = ledgerUsd ?? computedUsd;
  return {
    totalUsd,
    computedUsd,
    ledgerUsd,
    unattributedUsd: ledgerUsd !== undefined ? ledgerUsd - computedUsd : 0,
    source,
    complete: unknown.size === 0,
    unknownModels: [...unknown].sort(),
    byModel,
  };
}

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheCreation: a.cacheCreation + b.cacheCreation,
    cacheCreation5m: a.cacheCreation5m + b.cacheCreation5m,
    cacheCreation1h: a.cacheCreation1h + b.cacheCreation1h,
  };
}

function assertNever(value: never): never {
  throw new Error(`unhandled line kind: ${JSON.stringify(value)}`);
}
