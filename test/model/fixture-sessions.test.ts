/**
 * The recorded 2.1.330 and 2.1.332 sessions (test/fixtures, the same recording plan on both
 * releases) built into the model. The truth comes from outside our code: Claude Code's own
 * `cost-state` ledger, the lines of the transcript, and the token figures the scenarios scripted
 * (test/recorder/scenarios.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Session } from "../../src/model/types.js";
import { summariseSession } from "../../src/report/session-summary.js";
import { CC_2_1_330, CC_2_1_332, lastLedger, ledgers, type Recording } from "../support/recorded-fixtures.js";
import { byId, loadAllSessions } from "../support/sessions.js";

/** Anthropic's list prices for claude-sonnet-4-5 in USD per million tokens; above 200k input tokens, the long-context tier. */
const SONNET_4_5 = { input: 3, output: 15, read: 0.3, write5m: 3.75, write1h: 6 };
const SONNET_4_5_LONG = { input: 6, output: 22.5, read: 0.6, write5m: 7.5, write1h: 12 };
type Usage = [input: number, output: number, read: number, write5m: number, write1h: number];
const price = (u: Usage, p: typeof SONNET_4_5): number => (u[0] * p.input + u[1] * p.output + u[2] * p.read + u[3] * p.write5m + u[4] * p.write1h) / 1e6;

/** The `long` session's eleven requests as scenarios.ts scripts them (long ×7, big ×2, after-compact ×2). */
const LONG_USAGE: Usage[] = [
  [1_310, 201, 0, 4_420, 17_930],
  ...[1, 2, 3, 4, 5].map((s): Usage => [180 + 40 * s, 90 + 10 * s, 22_350 + 1_100 * (s - 1), 1_100, 0]),
  [420, 133, 28_850, 1_240, 0],
  [2_140, 160, 30_090, 4_870, 0],
  [11_250, 412, 34_960, 166_310, 0], // 212,520 input tokens in all
  [2_480, 71, 0, 6_020, 0],
  [310, 36, 6_020, 402, 0],
];
/** The stub's compaction answer (anthropic-stub.ts defaultCompact): no assistant line, only in the ledger. */
const COMPACTION_USAGE: Usage = [3_120, 412, 0, 0, 0];

describe.each([
  ["2.1.330", CC_2_1_330],
  ["2.1.332", CC_2_1_332],
] as [string, Recording][])("recorded Claude Code %s sessions", (version, rec) => {
  const tag = `v${version.replace(/\./g, "_")}`;
  const id = (label: string): string => rec.sessionId(label);
  let sessions: Session[];
  beforeAll(async () => {
    sessions = await loadAllSessions(rec.projects);
  });

  it("finds the six recorded sessions, subagents folded into their parents", () => {
    expect(sessions.map((s) => s.sessionId).sort()).toEqual([...rec.sessionIds].sort());
    expect(rec.sessionIds).toHaveLength(6);
  });

  it.each(["parallel-fail", "edit-files", "agent", "agent-bg", "long", "rewind"])("%s costs exactly what Claude Code's ledger says", (label) => {
    const s = byId(sessions, id(label));
    expect(s.cost.source).toBe("ledger");
    expect(Math.abs(s.cost.totalUsd - lastLedger(rec.transcript(label)).totalCostUSD)).toBeLessThan(1e-9);
  });

  it.each(["parallel-fail", "edit-files", "agent", "agent-bg", "rewind"])("%s: per-model prices and de-duplicated tokens equal the ledger's", (label) => {
    const s = byId(sessions, id(label));
    const ledger = lastLedger(rec.transcript(label));
    expect(Object.keys(s.cost.byModel).sort()).toEqual(Object.keys(ledger.modelUsage).sort());
    for (const [model, usage] of Object.entries(ledger.modelUsage)) {
      const ours = s.cost.byModel[model];
      expect(ours?.tokens, model).toMatchObject({
        input: usage.inputTokens,
        output: usage.outputTokens,
        cacheRead: usage.cacheReadInputTokens,
        cacheCreation: usage.cacheCreationInputTokens,
        cacheCreation5m: usage.cacheCreationEphemeral5mInputTokens,
        cacheCreation1h: usage.cacheCreationEphemeral1hInputTokens,
      });
      expect(Math.abs((ours?.usd ?? NaN) - usage.costUSD), model).toBeLessThan(1e-9);
    }
    expect(Math.abs(s.cost.unattributedUsd)).toBeLessThan(1e-9);
  });

  it("parallel-fail: three calls in one response (one request, not three), the failing ls with its error text", () => {
    const s = byId(sessions, id("parallel-fail"));
    expect(summariseSession(s)).toMatchObject({ turns: 1, requests: 2, toolCalls: 3, toolFailures: 1, compactions: 0, subagents: 0, models: ["claude-sonnet-4-6"] });
    expect(s.toolCalls.map((c) => [c.id, c.name, c.target, c.outcome])).toEqual([
      [`toolu_Bash_${tag}_1_0`, "Bash", "echo hello && ls", "success"],
      [`toolu_Bash_${tag}_1_1`, "Bash", "ls /nonexistent", "failure"],
      [`toolu_Read_${tag}_1_2`, "Read", "/home/user/work/shop-api/README.md", "success"],
    ]);
    expect(s.toolCalls[1]?.errorText).toBe("Exit code 2\nls: cannot access '/nonexistent': No such file or directory");
    expect(s.requests.map((r) => [r.messageId, r.requestId, r.toolCallIds])).toEqual([
      [`msg_${tag}_1`, `req_${tag}_1`, [`toolu_Bash_${tag}_1_0`, `toolu_Bash_${tag}_1_1`, `toolu_Read_${tag}_1_2`]],
      [`msg_${tag}_2`, `req_${tag}_2`, []],
    ]);
    // Scripted: 1,204 in / 318 out / 2,210 5m + 18,452 1h writes; then 1,580 / 96 / 20,662 read / 1,930 5m.
    expect(s.requests.map((r) => r.usage)).toEqual([
      { input: 1_204, output: 318, cacheRead: 0, cacheCreation: 20_662, cacheCreation5m: 2_210, cacheCreation1h: 18_452 },
      { input: 1_580, output: 96, cacheRead: 20_662, cacheCreation: 1_930, cacheCreation5m: 1_930, cacheCreation1h: 0 },
    ]);
  });

  it("foreground subagent: joined to its Agent call through .meta.json, on its own model, in the call's turn", () => {
    const s = byId(sessions, id("agent"));
    const call = `toolu_Agent_${tag}_7_0`;
    const meta = JSON.parse(readFileSync(join(rec.project, id("agent"), "subagents", `agent-${s.subagents[0]?.agentId ?? ""}.meta.json`), "utf8")) as Record<string, unknown>;
    expect(meta).toMatchObject({ agentType: "general-purpose", description: "Survey the project" });
    expect(s.subagents.map((a) => [a.agentType, a.description, a.parentToolUseId, a.layout])).toEqual([["general-purpose", "Survey the project", call, "subagents-dir"]]);
    const agentId = s.subagents[0]?.agentId;
    expect(s.toolCalls.find((c) => c.id === call)?.spawnedAgentId).toBe(agentId);
    expect(s.requests.map((r) => [r.messageId, r.model, r.agentId, r.turnIndex])).toEqual([
      [`msg_${tag}_7`, "claude-opus-4-6", undefined, 0],
      [`msg_${tag}_8`, "claude-haiku-4-5", agentId, 0],
      [`msg_${tag}_9`, "claude-haiku-4-5", agentId, 0],
      [`msg_${tag}_10`, "claude-opus-4-6", undefined, 0],
    ]);
    expect(summariseSession(s).models).toEqual(["claude-opus-4-6", "claude-haiku-4-5"]);
  });

  it("background subagent: its work stays in the Agent call's turn; the task notification starts a second turn", () => {
    const s = byId(sessions, id("agent-bg"));
    const agentId = s.subagents[0]?.agentId;
    expect(s.subagents.map((a) => [a.parentToolUseId, a.description])).toEqual([[`toolu_Agent_${tag}_11_0`, "Survey in background"]]);
    expect(s.requests.map((r) => [r.messageId, r.agentId, r.turnIndex])).toEqual([
      [`msg_${tag}_11`, undefined, 0],
      [`msg_${tag}_12`, agentId, 0],
      [`msg_${tag}_13`, undefined, 0],
      [`msg_${tag}_14`, agentId, 0],
      [`msg_${tag}_15`, undefined, 1],
    ]);
    // The first turn is the person's (-p: turnOrigin sdk), the second Claude Code's own (turnOrigin task_notification).
    expect(s.turns.map((t) => t.origin)).toEqual(["user", "system"]);
    expect(summariseSession(s).turns).toBe(1);
  });

  it("rewind: both branches were billed, so every prompt is a turn and every response a request", () => {
    const s = byId(sessions, id("rewind"));
    const lines = readFileSync(rec.transcript("rewind"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type?: string; uuid?: string; parentUuid?: string | null; message?: { content?: unknown } });
    const prompts = lines.filter((l) => l.type === "user" && typeof l.message?.content === "string" && l.message.content.startsWith("scenario:rewind"));
    // The prompt asked instead (c) hangs under the line the run resumed at (the first turn's last
    // assistant line), which is also an ancestor of the rewound prompt (b): two branches.
    const resumedAt = rec.steps.find((step) => step.args.includes("--resume-session-at"))?.args.at(-1);
    expect(prompts).toHaveLength(3);
    expect(prompts[2]?.parentUuid).toBe(resumedAt);
    const parentOf = new Map(lines.map((l) => [l.uuid, l.parentUuid]));
    const ancestors: (string | null | undefined)[] = [];
    for (let u = prompts[1]?.parentUuid; u !== null && u !== undefined; u = parentOf.get(u)) ancestors.push(u);
    expect(ancestors).toContain(resumedAt);
    expect(s.turns.map((t) => [t.uuid, t.promptText])).toEqual([
      [prompts[0]?.uuid, "scenario:rewind-a first question"],
      [prompts[1]?.uuid, "scenario:rewind-b second question"],
      [prompts[2]?.uuid, "scenario:rewind-c the second question, asked differently"],
    ]);
    expect(s.requests.map((r) => [r.messageId, r.turnIndex])).toEqual([28, 29, 30, 31, 32].map((n, i) => [`msg_${tag}_${n}`, [0, 0, 1, 2, 2][i]]));
  });

  it("long: the compaction from its boundary line, its cost from the ledger; requests over 200k priced at the long-context tier", () => {
    const s = byId(sessions, id("long"));
    const lines = readFileSync(rec.transcript("long"), "utf8").split("\n").filter(Boolean);
    const boundary = JSON.parse(lines.find((l) => l.includes('"subtype":"compact_boundary"')) ?? "{}") as {
      uuid: string;
      timestamp: string;
      compactMetadata: { trigger: string; preTokens: number; postTokens: number; durationMs: number };
    };
    expect(boundary.compactMetadata).toMatchObject({ trigger: "manual", preTokens: 212_932, postTokens: 2_717 });
    // The /compact command and its output got no model answer: not a turn.
    expect(s.turns.map((t) => t.promptText)).toEqual(["scenario:long run the six steps", "scenario:big read the large generated file", "scenario:after-compact continue"]);
    const c = s.compactions[0];
    expect(s.compactions).toHaveLength(1);
    expect(c).toMatchObject({ uuid: boundary.uuid, trigger: "manual", preTokens: 212_932, postTokens: 2_717, droppedTokens: 210_215, turnIndex: 1 });
    expect(c?.endTime).toBe(Date.parse(boundary.timestamp));
    expect((c?.endTime ?? 0) - (c?.startTime ?? 0)).toBe(boundary.compactMetadata.durationMs);

    // The ledger grew by the compaction call alone across /compact (no assistant line in between).
    const totals = ledgers(rec.transcript("long")).map((l) => l.totalCostUSD);
    expect(totals).toHaveLength(4);
    expect(c?.unattributedCostUsd).toBeCloseTo((totals[2] ?? 0) - (totals[1] ?? 0), 12);
    expect(c?.unattributedCostUsd).toBeCloseTo(price(COMPACTION_USAGE, SONNET_4_5), 12);

    // Claude Code's ledger prices everything at the base rate, the compaction call included ...
    expect(lastLedger(rec.transcript("long")).totalCostUSD).toBeCloseTo(
      [...LONG_USAGE, COMPACTION_USAGE].reduce((sum, u) => sum + price(u, SONNET_4_5), 0),
      12,
    );
    // ... while the price table charges the 212,520-token request at the long-context tier: that
    // is its price; its cost is its share of the ledger, which is Claude Code's base-rate price
    // (the requests share each ledger line's charge by their base-rate prices).
    const tiered = LONG_USAGE.map((u) => price(u, u[0] + u[2] + u[3] + u[4] > 200_000 ? SONNET_4_5_LONG : SONNET_4_5));
    expect(s.requests.map((r) => r.usage.input + r.usage.cacheRead + r.usage.cacheCreation)).toEqual(LONG_USAGE.map((u) => u[0] + u[2] + u[3] + u[4]));
    s.requests.forEach((r, i) => expect(r.cost.pricedUsd, r.messageId).toBeCloseTo(tiered[i] ?? NaN, 12));
    s.requests.forEach((r, i) => expect(r.cost.usd, r.messageId).toBeCloseTo(price(LONG_USAGE[i] ?? [0, 0, 0, 0, 0], SONNET_4_5), 12));
    expect(new Set(s.requests.map((r) => r.cost.source))).toEqual(new Set(["ledger"]));
    expect(s.cost.computedUsd).toBeCloseTo(1.635654, 12);
    expect(s.cost.totalUsd).toBeCloseTo(0.9802035, 12);
    expect(summariseSession(s)).toMatchObject({ turns: 3, requests: 11, toolCalls: 8, toolFailures: 2, compactions: 1 });
  });
});
