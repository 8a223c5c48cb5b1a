/**
 * The session model from a session's transcript lines: one pass over the main file and the
 * subagent files, handing each line to the module it concerns (requests.ts, tool-calls.ts,
 * turns.ts, subagents.ts, compactions.ts, pricing.ts), then each module finishes its part.
 *
 * Every list of the session is built by pushing onto an array literal, never with map/filter/
 * spread: V8 then gives the empty ones the same element kind as the full ones, so the code that
 * walks them (the mappers, the exporters) is optimised once, not again each time a session with
 * an empty list of turns or calls comes by (measured: buildSession was compiled 8 times per
 * replay worker, at 100-200 ms of CPU each). Objects are literals with every field named: no
 * property is added to a spread copy (docs/performance.md, "Sixth session").
 */
import type { AgentTranscript, SessionInput } from "../transcript/session-input.js";
import type { TranscriptLine } from "../transcript/line-types.js";
import { flatString } from "../util/flat-string.js";
import type { CompactionDraft } from "./compactions.js";
import { compactionUuid, finishCompactions } from "./compactions.js";
import type { ContextEvent } from "./context.js";
import { analyseContext } from "./context.js";
import { finishHookErrors } from "./hook-errors.js";
import type { LedgerLine } from "./ledger.js";
import type { Pricer, RequestPrice } from "./pricer.js";
import { priceSession } from "./pricing.js";
import type { RequestLog } from "./requests.js";
import { addAssistantLine, finishRequests, newRequestLog, noteLineTime, withCost } from "./requests.js";
import type { AgentDraft } from "./subagents.js";
import { inlineSidechainRoots, joinSubagents, startedByCall, touchAgent, turnOfAgents } from "./subagents.js";
import type { ToolCallDraft } from "./tool-calls.js";
import { addToolResults, addToolUses, finishToolCalls } from "./tool-calls.js";
import { attributeToolCosts } from "./tool-costs.js";
import type { TurnDraft, TurnSegmenter } from "./turns.js";
import { extendTurn, finishTurns, newTurnSegmenter, numberTurns, onPrompt, turnIndexer } from "./turns.js";
import type { HookErrorLine } from "../transcript/line-types.js";
import type { ApiRequest, Session } from "./types.js";

/** What the pass collects. */
interface Pass {
  readonly requests: RequestLog;
  readonly toolCalls: Map<string, ToolCallDraft>;
  readonly agents: Map<string, AgentDraft>;
  readonly turns: TurnSegmenter;
  readonly compactions: CompactionDraft[];
  /** The main thread's context, in order (context.ts). */
  readonly context: ContextEvent[];
  readonly hookErrors: HookErrorLine[];
  readonly ledger: LedgerLine[];
  /** Inline sidechain line uuid → its agent id. */
  readonly inlineAgentOf: Map<string, string>;
  title: string | undefined;
  cwd: string | undefined;
  version: string | undefined;
  gitBranch: string | undefined;
  startTime: number;
  endTime: number;
}

/** Builds one session from its transcript lines. Pure: same input, same session. */
export function buildSession(input: SessionInput, pricer: Pricer): Session {
  const pass: Pass = {
    requests: newRequestLog(),
    toolCalls: new Map(),
    agents: new Map(),
    turns: newTurnSegmenter(),
    compactions: [],
    context: [],
    hookErrors: [],
    ledger: [],
    inlineAgentOf: inlineSidechainRoots(input.main),
    title: undefined,
    cwd: undefined,
    version: undefined,
    gitBranch: undefined,
    startTime: Number.POSITIVE_INFINITY,
    endTime: Number.NEGATIVE_INFINITY,
  };
  for (let position = 0; position < input.main.length; position++) readMainLine(pass, input.main[position] as TranscriptLine, position);
  for (const transcript of input.agents) readAgentTranscript(pass, transcript);

  const subagents = joinSubagents(pass.agents, pass.toolCalls);
  const numbered = numberTurns(pass.turns.turns);
  const turnIndexOf = turnIndexer(numbered, turnOfAgents(subagents, pass.toolCalls));
  const prices = new Map<string, RequestPrice>();
  const priced = finishRequests(pass.requests, turnIndexOf, (draft, sentAt) => {
    const p = pricer(draft.model, draft.usage, new Date(sentAt), draft.version);
    prices.set(draft.key, p);
    return { usd: p.usd, known: p.known, source: p.source, pricedUsd: p.usd, pricedSource: p.source, computedUsd: p.computedUsd };
  });
  const compactions: { uuid: string; position: number; preTokens: number | undefined; endTime: number }[] = [];
  const compactionUuids: string[] = [];
  const compactionEnds = new Map<string, number>();
  for (const [i, c] of pass.compactions.entries()) {
    const uuid = compactionUuid(c.line.uuid, i);
    compactions.push({ uuid, position: c.position, preTokens: c.line.preTokens, endTime: c.line.timestamp ?? 0 });
    compactionUuids.push(uuid);
    compactionEnds.set(uuid, c.line.timestamp ?? 0);
  }
  const pricing = priceSession(
    { sessionId: input.sessionId, requests: priced, prices, positionOf: (key) => pass.requests.drafts.get(key)?.position, ledger: pass.ledger, compactions },
    pricer,
  );
  const requests: ApiRequest[] = [];
  for (const r of priced) requests.push(withCost(r, pricing.requestCosts.get(r.key) ?? r.cost));
  // What each tool call cost is a share of the requests' final (ledger) costs.
  const context = analyseContext(pass.context, pass.toolCalls, compactionUuids);
  const droppedAt = new Map<string, number>();
  for (const [id, uuid] of context.droppedBy) droppedAt.set(id, compactionEnds.get(uuid) ?? 0);
  const parentCallOf = new Map<string, string>();
  for (const a of subagents) if (a.parentToolUseId !== undefined) parentCallOf.set(a.agentId, a.parentToolUseId);
  const toolCosts = attributeToolCosts(requests, pass.toolCalls, droppedAt, parentCallOf);
  const toolCalls = finishToolCalls(pass.toolCalls, turnIndexOf, startedByCall(subagents), context.droppedBy, toolCosts);

  const timed = Number.isFinite(pass.startTime);
  return {
    // The session's identity strings go on every span: flat (util/flat-string.ts).
    sessionId: flatString(input.sessionId),
    project: flatString(input.projectName ?? projectNameOf(pass.cwd, input.projectDir)),
    projectDir: input.projectDir,
    cwd: pass.cwd === undefined ? undefined : flatString(pass.cwd),
    version: pass.version === undefined ? undefined : flatString(pass.version),
    gitBranch: pass.gitBranch === undefined ? undefined : flatString(pass.gitBranch),
    title: pass.title,
    startTime: timed ? pass.startTime : 0,
    endTime: timed ? pass.endTime : 0,
    turns: finishTurns(numbered),
    requests,
    toolCalls,
    subagents,
    compactions: finishCompactions(pass.compactions, numbered, pricing.compactionCosts, pricing.cacheRebuilds, context.losses),
    hookErrors: finishHookErrors(pass.hookErrors),
    ledger: pricing.segments,
    cost: pricing.cost,
    warnings: pricing.warnings,
  };
}

/** Main file: turns, main-thread requests and tool calls, inline sidechains, compactions, the ledger. */
function readMainLine(pass: Pass, line: TranscriptLine, position: number): void {
  noteLineTime(pass.requests, line);
  noteContext(pass, line);
  const timestamp = "timestamp" in line ? line.timestamp : undefined;
  noteTime(pass, timestamp);
  if ("isSidechain" in line && line.isSidechain) {
    const agentId = line.agentId ?? pass.inlineAgentOf.get(line.uuid ?? "");
    if (agentId !== undefined) {
      const agent = touchAgent(pass.agents, agentId, line.agentId !== undefined ? "sibling-file" : "inline", undefined, timestamp);
      if (line.kind === "prompt" && agent.rootPrompt === undefined) agent.rootPrompt = line.text;
      if (line.kind === "assistant") addAssistant(pass, line, agentId, undefined, undefined);
      if (line.kind === "tool-results") addToolResults(pass.toolCalls, line);
      if (line.kind === "hook-error") pass.hookErrors.push(line);
      return;
    }
  }
  switch (line.kind) {
    case "prompt":
      onPrompt(pass.turns, line);
      if (line.isCompactSummary) pass.context.push({ kind: "summary", bytes: Buffer.byteLength(line.text) });
      break;
    case "assistant": {
      const known = pass.requests.drafts.size;
      addAssistant(pass, line, undefined, pass.turns.current, position);
      if (pass.requests.drafts.size > known) pass.context.push({ kind: "request" });
      break;
    }
    case "tool-results":
      addToolResults(pass.toolCalls, line);
      for (const r of line.results) pass.context.push({ kind: "result", callId: r.toolUseId, uuid: line.uuid });
      break;
    case "compact-boundary":
      pass.compactions.push({ line, turn: pass.turns.current, position });
      pass.context.push({ kind: "boundary", kept: line.keptUuids });
      break;
    case "context-file":
      pass.context.push({ kind: "file", path: line.path, how: line.how, bytes: line.bytes });
      break;
    case "hook-error":
      pass.hookErrors.push(line);
      break;
    case "cost-state":
      // Written when a Claude Code process exits: after everything before it, by the last time seen.
      pass.ledger.push({ position, atMs: Number.isFinite(pass.endTime) ? pass.endTime : 0, version: pass.version, line });
      break;
    case "summary":
      pass.title ??= line.summary || undefined;
      break;
    case "api-request":
    case "other":
      break;
    default:
      assertNever(line);
  }
  extendTurn(pass.turns, timestamp);
}

/** A subagent file (sibling agent-*.jsonl, or in <session>/subagents/): its requests and tool calls. */
function readAgentTranscript(pass: Pass, transcript: AgentTranscript): void {
  // Cut from a file name: flat, it goes on every span of the subagent (util/flat-string.ts).
  const agentId = flatString(transcript.agentId);
  const agent = touchAgent(pass.agents, agentId, transcript.layout, transcript.meta, undefined);
  agent.meta ??= transcript.meta;
  for (const line of transcript.lines) {
    noteLineTime(pass.requests, line);
    noteContext(pass, line);
    if ("timestamp" in line && line.timestamp !== undefined) {
      noteTime(pass, line.timestamp);
      agent.startTime = Math.min(agent.startTime, line.timestamp);
      agent.endTime = Math.max(agent.endTime, line.timestamp);
    }
    if (line.kind === "prompt" && agent.rootPrompt === undefined && !line.isMeta) agent.rootPrompt = line.text;
    else if (line.kind === "assistant") addAssistant(pass, line, agentId, undefined, undefined);
    else if (line.kind === "tool-results") addToolResults(pass.toolCalls, line);
    else if (line.kind === "hook-error") pass.hookErrors.push({ ...line, isSidechain: true });
  }
}

function addAssistant(
  pass: Pass,
  line: Extract<TranscriptLine, { kind: "assistant" }>,
  agentId: string | undefined,
  turn: TurnDraft | undefined,
  position: number | undefined,
): void {
  const request = addAssistantLine(pass.requests, line, agentId, turn, position);
  if (request !== undefined) addToolUses(pass.toolCalls, request, line, agentId, turn);
}

/** The first cwd and branch, the last version. */
function noteContext(pass: Pass, line: TranscriptLine): void {
  if (!("cwd" in line)) return;
  if (line.cwd !== undefined) pass.cwd ??= line.cwd;
  if (line.version !== undefined) pass.version = line.version;
  if (line.gitBranch !== undefined) pass.gitBranch ??= line.gitBranch;
}

function noteTime(pass: Pass, t: number | undefined): void {
  if (t === undefined) return;
  if (t < pass.startTime) pass.startTime = t;
  if (t > pass.endTime) pass.endTime = t;
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

function assertNever(value: never): never {
  throw new Error(`unhandled line kind: ${JSON.stringify(value)}`);
}
