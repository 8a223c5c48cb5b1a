/**
 * Older transcript layouts, recorded by our recorder with the real 1.0.128, 2.0.55 and 2.1.17 CLIs
 * from npm (test/fixtures/README.md): inline sidechains, sibling agent files with Warmup
 * sidechains, the subagents/ folder without .meta.json, the Task tool, streaming placeholder usage,
 * summary lines and summary-only files, rewinds. Counts come from the scripted scenarios
 * (test/recorder/scenarios.ts), ids from the recording's fixed id tag, layouts from the files.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Session } from "../../src/model/types.js";
import { summariseSession } from "../../src/report/session-summary.js";
import { createPricer } from "../../src/cost/price-request.js";
import { scanSessions } from "../../src/pipeline/scan-sessions.js";
import { CC_1_0_128, CC_2_0_55, CC_2_1_17, type Recording } from "../support/recorded-fixtures.js";
import { byId, loadAllSessions } from "../support/sessions.js";

/** [turns, requests, tool calls, failures, compactions, subagents] */
const counts = (s: Session): number[] => {
  const x = summariseSession(s);
  return [x.turns, x.requests, x.toolCalls, x.toolFailures, x.compactions, x.subagents];
};

/** Files of the recording's project folder (not subfolders) whose every line has this type, or that are empty. */
function filesWhere(rec: Recording, test: (lines: string[]) => boolean): string[] {
  return readdirSync(rec.project)
    .filter((name) => name.endsWith(".jsonl") && !name.startsWith("agent-"))
    .filter((name) => test(readFileSync(join(rec.project, name), "utf8").split("\n").filter(Boolean)))
    .map((name) => name.replace(/\.jsonl$/, ""))
    .sort();
}

/** claude-sonnet-4 / 4.5 list prices (USD per million tokens) applied to scripted usage [in, out, read, 5m, 1h]. */
const sonnet = (u: readonly (number | undefined)[]): number => ((u[0] ?? 0) * 3 + (u[1] ?? 0) * 15 + (u[2] ?? 0) * 0.3 + (u[3] ?? 0) * 3.75 + (u[4] ?? 0) * 6) / 1e6;
/** parallel-fail as scenarios.ts scripts it. */
const PARALLEL_FAIL = [
  [1_204, 318, 0, 2_210, 18_452],
  [1_580, 96, 20_662, 1_930, 0],
];

describe("Claude Code 1.0.128: inline sidechains, summary lines, summary-only files", () => {
  let sessions: Session[];
  beforeAll(async () => {
    sessions = await loadAllSessions(CC_1_0_128.projects);
  });

  it("counts every session exactly; the two summary-only files are no sessions (no activity): skipped and counted", async () => {
    const summaryOnly = filesWhere(CC_1_0_128, (lines) => lines.length > 0 && lines.every((l) => l.includes('"type":"summary"')));
    expect(summaryOnly).toHaveLength(2);
    const rows = Object.fromEntries(sessions.map((s) => [s.sessionId, counts(s)]));
    expect(rows).toEqual({
      [CC_1_0_128.sessionId("parallel-fail")]: [1, 2, 3, 1, 0, 0],
      [CC_1_0_128.sessionId("agent")]: [1, 4, 2, 0, 0, 1],
      // long: six rounds, then /compact (no turn) and one more round
      [CC_1_0_128.sessionId("long")]: [2, 9, 7, 2, 1, 0],
    });
    const scan = await scanSessions(CC_1_0_128.projects, { timeZone: "UTC" }, createPricer(), () => undefined);
    expect({ files: scan.files, skippedFiles: scan.skippedFiles, sessions: scan.sessions }).toEqual({ files: 5, skippedFiles: 2, sessions: 3 });
  });

  it("the subagent's lines inside the session file become a subagent under the Task call that started it", () => {
    const s = byId(sessions, CC_1_0_128.sessionId("agent"));
    const inline = readFileSync(CC_1_0_128.transcript("agent"), "utf8")
      .split("\n")
      .filter((l) => l.includes('"isSidechain":true'));
    expect(inline.length).toBe(4);
    expect(s.subagents.map((a) => [a.layout, a.parentToolUseId])).toEqual([["inline", "toolu_Task_v1_0_128_7_0"]]);
    const agentId = s.subagents[0]?.agentId;
    expect(s.requests.map((r) => [r.messageId, r.model, r.agentId, r.turnIndex])).toEqual([
      ["msg_v1_0_128_7", "claude-opus-4-1-20250805", undefined, 0],
      ["msg_v1_0_128_8", "claude-sonnet-4-20250514", agentId, 0],
      ["msg_v1_0_128_10", "claude-sonnet-4-20250514", agentId, 0],
      ["msg_v1_0_128_11", "claude-opus-4-1-20250805", undefined, 0],
    ]);
    expect(s.toolCalls.find((c) => c.id === "toolu_Task_v1_0_128_7_0")).toMatchObject({ name: "Task", spawnedAgentId: agentId });
  });

  it("no ledger: the cost is the priced requests (claude-sonnet-4 at $3/$15)", () => {
    const s = byId(sessions, CC_1_0_128.sessionId("parallel-fail"));
    expect(s.cost.source).toBe("computed");
    expect(s.cost.totalUsd).toBeCloseTo(
      PARALLEL_FAIL.reduce((sum, u) => sum + sonnet(u), 0),
      12,
    );
  });
});

describe("Claude Code 2.0.55: sibling agent files, Warmup sidechains, empty session files", () => {
  let sessions: Session[];
  beforeAll(async () => {
    sessions = await loadAllSessions(CC_2_0_55.projects);
  });

  it("each run's two Warmup sidechains (the main model and haiku) belong to the session named inside them", () => {
    const agentFiles = readdirSync(CC_2_0_55.project).filter((n) => /^agent-[0-9a-f]{8}\.jsonl$/.test(n));
    // Five CLI runs × two warmups, plus the Task subagent.
    expect(agentFiles).toHaveLength(11);
    const empty = filesWhere(CC_2_0_55, (lines) => lines.length === 0);
    expect(empty).toHaveLength(2);
    const rows = Object.fromEntries(sessions.map((s) => [s.sessionId, counts(s)]));
    expect(rows).toEqual({
      [CC_2_0_55.sessionId("parallel-fail")]: [1, 4, 3, 1, 0, 2],
      [CC_2_0_55.sessionId("agent")]: [1, 6, 2, 0, 0, 3],
      [CC_2_0_55.sessionId("long")]: [2, 11, 7, 2, 1, 2],
      // The resumed runs start under a new id: their warmups name a session whose file stays empty.
      [empty[0] as string]: [0, 2, 0, 0, 0, 2],
      [empty[1] as string]: [0, 2, 0, 0, 0, 2],
    });
    for (const id of empty) {
      const s = byId(sessions, id);
      expect(statSync(join(CC_2_0_55.project, `${id}.jsonl`)).size).toBe(0);
      // Warmup answers as the stub scripts side calls: 180 in / 14 out on sonnet-4-5 ($3/$15) and haiku-4-5 ($1/$5).
      expect(s.cost.totalUsd).toBeCloseTo((180 * 3 + 14 * 15 + 180 * 1 + 14 * 5) / 1e6, 12);
      expect(s.subagents.every((a) => a.layout === "sibling-file" && a.parentToolUseId === undefined)).toBe(true);
    }
  });

  it("the Task subagent's sibling file joins the Task call; its requests are in the call's turn", () => {
    const s = byId(sessions, CC_2_0_55.sessionId("agent"));
    const task = s.subagents.find((a) => a.parentToolUseId !== undefined);
    expect(task).toMatchObject({ layout: "sibling-file", parentToolUseId: "toolu_Task_v2_0_55_10_0", description: "Survey the project" });
    expect(s.requests.filter((r) => r.agentId === task?.agentId).map((r) => [r.messageId, r.model, r.turnIndex])).toEqual([
      ["msg_v2_0_55_11", "claude-haiku-4-5-20251001", 0],
      ["msg_v2_0_55_13", "claude-haiku-4-5-20251001", 0],
    ]);
  });
});

describe("Claude Code 2.1.17: the Task tool, subagents/ without .meta.json, streaming placeholder usage, a rewind", () => {
  let sessions: Session[];
  beforeAll(async () => {
    sessions = await loadAllSessions(CC_2_1_17.projects);
  });

  it("counts every session exactly", () => {
    expect(Object.fromEntries(sessions.map((s) => [s.sessionId, counts(s)]))).toEqual({
      [CC_2_1_17.sessionId("parallel-fail")]: [1, 2, 3, 1, 0, 0],
      [CC_2_1_17.sessionId("agent")]: [1, 4, 2, 0, 0, 1],
      [CC_2_1_17.sessionId("long")]: [2, 9, 7, 2, 1, 0],
      // rewind: both branches were billed
      [CC_2_1_17.sessionId("rewind")]: [3, 5, 2, 0, 0, 0],
    });
  });

  it("the subagent in subagents/ (7-hex id, no .meta.json) joins its Task call through toolUseResult.agentId", () => {
    const s = byId(sessions, CC_2_1_17.sessionId("agent"));
    const folder = readdirSync(join(CC_2_1_17.project, CC_2_1_17.sessionId("agent"), "subagents"));
    expect(folder).toEqual([expect.stringMatching(/^agent-a[0-9a-f]{6}\.jsonl$/)]);
    expect(s.subagents.map((a) => [`agent-${a.agentId}.jsonl`, a.layout, a.parentToolUseId])).toEqual([[folder[0], "subagents-dir", "toolu_Task_v2_1_17_6_0"]]);
    expect(s.toolCalls.find((c) => c.id === "toolu_Task_v2_1_17_6_0")?.name).toBe("Task");
    expect(summariseSession(s).models).toEqual(["claude-opus-4-5-20251101", "claude-haiku-4-5-20251001"]);
  });

  it("placeholder usage: every assistant line holds message_start's output_tokens (1) and no stop reason, and that is all there is", () => {
    const s = byId(sessions, CC_2_1_17.sessionId("parallel-fail"));
    const usage = readFileSync(CC_2_1_17.transcript("parallel-fail"), "utf8")
      .split("\n")
      .filter((l) => l.includes('"type":"assistant"'))
      .map((l) => (JSON.parse(l) as { message: { stop_reason: string | null; usage: { output_tokens: number } } }).message);
    expect(usage.map((m) => [m.stop_reason, m.usage.output_tokens])).toEqual(Array(usage.length).fill([null, 1]));
    // Input and cache figures are final in message_start; output is not (scripted: 318 and 96).
    expect(s.requests.map((r) => [r.usage.input, r.usage.output, r.usage.cacheRead, r.usage.cacheCreation5m, r.usage.cacheCreation1h])).toEqual([
      [1_204, 1, 0, 2_210, 18_452],
      [1_580, 1, 20_662, 1_930, 0],
    ]);
    expect(s.cost.totalUsd).toBeCloseTo(
      PARALLEL_FAIL.map((u) => [u[0], 1, u[2], u[3], u[4]]).reduce((sum, u) => sum + sonnet(u), 0),
      12,
    );
  });

  it("rewind: the prompt asked instead hangs under the line the run resumed at", () => {
    const s = byId(sessions, CC_2_1_17.sessionId("rewind"));
    const resumedAt = CC_2_1_17.steps.find((step) => step.args.includes("--resume-session-at"))?.args.at(-1);
    const lines = readFileSync(CC_2_1_17.transcript("rewind"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { uuid?: string; parentUuid?: string | null });
    expect(lines.find((l) => l.uuid === s.turns[2]?.uuid)?.parentUuid).toBe(resumedAt);
    expect(s.turns.map((t) => t.promptText)).toEqual([
      "scenario:rewind-a first question",
      "scenario:rewind-b second question",
      "scenario:rewind-c the second question, asked differently",
    ]);
  });
});
