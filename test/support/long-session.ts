// A long Claude Code session, generated (seeded, so every run writes the same bytes) in the
// transcript format of 2.1.330 (the fields our parser reads, as the recorded fixtures have them):
// days of turns with resumes between them, one autonomous turn far past LangSmith's 25,000 runs
// per trace (thousands of requests, parallel tool calls, Agent calls), and subagents small and
// large. For the LangSmith layout tests and its benchmark; never a fixture in the repository.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { seededRandom } from "./team-corpus.js";

export interface LongSessionPlan {
  readonly seed: number;
  /** Turns, the big one among them, over this many days (a resume after each night). */
  readonly turns: number;
  readonly days: number;
  /** The big turn's main-thread requests (each with 1 to 3 tool calls; every 250th an Agent call). */
  readonly bigTurnRequests: number;
  /** Requests of the big subagent (one Agent call of the big turn starts it); the other subagents have 2 to 6. */
  readonly bigSubagentRequests: number;
}

export const LONG_SESSION: LongSessionPlan = { seed: 19, turns: 60, days: 3, bigTurnRequests: 9_000, bigSubagentRequests: 400 };

export interface WrittenSession {
  readonly sessionId: string;
  /** The projects folder (Claude Code's `~/.claude/projects`) holding it. */
  readonly projects: string;
  readonly transcript: string;
  /** Every file of the session: the transcript and each subagent's. */
  readonly files: readonly string[];
  /** What was written, counted while writing. */
  readonly counts: { readonly turns: number; readonly requests: number; readonly toolCalls: number; readonly subagents: number; readonly bigTurnIndex: number };
}

type Line = Record<string, unknown>;

/** Writes the session into `projects` and says what it holds. */
export function writeLongSession(projects: string, plan: LongSessionPlan = LONG_SESSION): WrittenSession {
  const rand = seededRandom(plan.seed);
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join("");
  const uuid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  const sessionId = uuid();
  const cwd = "/home/dev/work/long-run";
  const projectDir = join(projects, "-home-dev-work-long-run");
  mkdirSync(join(projectDir, sessionId, "subagents"), { recursive: true });
  let t = Date.UTC(2026, 10, 30, 8, 0, 0);
  const stamp = (ms: number): string => new Date(ms).toISOString();
  const main: Line[] = [];
  const files: string[] = [];
  let last: string | null = null;
  let n = 0;
  let tool = 0;
  const toolId = (): string => `toolu_long_${++tool}`;
  const counts = { turns: 0, requests: 0, toolCalls: 0, subagents: 0, bigTurnIndex: Math.floor(plan.turns / 2) };
  const usage = (): Line => ({
    input_tokens: 1 + Math.floor(rand() * 400),
    output_tokens: 1 + Math.floor(rand() * 600),
    cache_read_input_tokens: Math.floor(rand() * 60_000),
    cache_creation_input_tokens: Math.floor(rand() * 3_000),
  });
  const base = (extra: Line): Line => {
    const uuidNow = uuid();
    const line = { parentUuid: last, isSidechain: false, uuid: uuidNow, cwd, sessionId, version: "2.1.330", gitBranch: "main", ...extra };
    last = uuidNow;
    return line;
  };

  /** One request (an assistant line), its tool calls' results (one user line), on `into`. */
  const request = (
    into: Line[],
    ctx: { promptId: string; agentId?: string; model: string },
    tools: readonly { id: string; name: string; input: Line }[],
    results: Line | undefined,
  ): void => {
    n++;
    counts.requests++;
    counts.toolCalls += tools.length;
    const content = tools.length > 0 ? tools.map((x) => ({ type: "tool_use", ...x })) : [{ type: "text", text: `Step ${n} done.` }];
    const sidechain = ctx.agentId !== undefined ? { isSidechain: true, agentId: ctx.agentId } : {};
    t += 800 + Math.floor(rand() * 4_000);
    into.push(
      base({
        ...sidechain,
        type: "assistant",
        timestamp: stamp(t),
        requestId: `req_long_${n}`,
        message: { id: `msg_long_${n}`, type: "message", role: "assistant", model: ctx.model, content, stop_reason: tools.length > 0 ? "tool_use" : "end_turn", usage: usage() },
      }),
    );
    if (tools.length === 0) return;
    t += 100 + Math.floor(rand() * 2_000);
    into.push(
      base({
        ...sidechain,
        type: "user",
        promptId: ctx.promptId,
        timestamp: stamp(t),
        message: { role: "user", content: tools.map((x) => ({ type: "tool_result", tool_use_id: x.id, content: "ok", is_error: rand() < 0.02 })) },
        ...(results ?? {}),
      }),
    );
  };

  /** A subagent: its own file and meta, started by the Agent call `toolUseId`. */
  const subagent = (toolUseId: string, promptId: string, requests: number): string => {
    counts.subagents++;
    const agentId = `a${hex(16)}`;
    const lines: Line[] = [];
    const saved = last;
    last = null;
    lines.push(base({ isSidechain: true, agentId, promptId, type: "user", timestamp: stamp(t), message: { role: "user", content: "Survey part of the project." } }));
    for (let i = 0; i < requests; i++) {
      const tools = i === requests - 1 ? [] : [{ id: toolId(), name: rand() < 0.5 ? "Read" : "Bash", input: { command: "ls" } }];
      request(lines, { promptId, agentId, model: "claude-haiku-4-5" }, tools, undefined);
    }
    last = saved;
    const file = join(projectDir, sessionId, "subagents", `agent-${agentId}.jsonl`);
    writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    writeFileSync(join(projectDir, sessionId, "subagents", `agent-${agentId}.meta.json`), JSON.stringify({ agentType: "Explore", description: "Survey", toolUseId }));
    files.push(file);
    return agentId;
  };

  const dayMs = 24 * 3600_000;
  const start = t;
  for (let turn = 0; turn < plan.turns; turn++) {
    // A resume the next morning: the turns of each day together.
    const day = Math.floor((turn * plan.days) / plan.turns);
    if (start + day * dayMs > t) t = start + day * dayMs;
    counts.turns++;
    const promptId = uuid();
    t += 5_000;
    main.push(base({ promptId, type: "user", timestamp: stamp(t), promptSource: "typed", turnOrigin: "human", message: { role: "user", content: `Task ${turn}` } }));
    const big = turn === counts.bigTurnIndex;
    const requests = big ? plan.bigTurnRequests : 1 + Math.floor(rand() * 12);
    for (let i = 0; i < requests; i++) {
      const lastOne = i === requests - 1;
      const callCount = lastOne ? 0 : 1 + Math.floor(rand() * 3);
      const tools: { id: string; name: string; input: Line }[] = [];
      for (let c = 0; c < callCount; c++) tools.push({ id: toolId(), name: ["Read", "Bash", "Edit", "Grep"][Math.floor(rand() * 4)] as string, input: { path: "src/x.ts" } });
      // Agent calls: every 250th request of the big turn (the first one starts the big subagent), now and then elsewhere.
      const agentCall = !lastOne && (big ? i % 250 === 1 : rand() < 0.1);
      let results: Line | undefined;
      if (agentCall) {
        const id = toolId();
        tools.push({ id, name: "Agent", input: { subagent_type: "Explore", description: "Survey", prompt: "Survey part of the project." } });
        const agentId = subagent(id, promptId, big && i === 1 ? plan.bigSubagentRequests : 2 + Math.floor(rand() * 5));
        results = { toolUseResult: { status: "completed", agentId, agentType: "Explore" } };
      }
      request(main, { promptId, model: "claude-sonnet-4-6" }, tools, results);
    }
  }
  const transcript = join(projectDir, `${sessionId}.jsonl`);
  writeFileSync(transcript, `${main.map((l) => JSON.stringify(l)).join("\n")}\n`);
  return { sessionId, projects, transcript, files: [transcript, ...files], counts };
}
