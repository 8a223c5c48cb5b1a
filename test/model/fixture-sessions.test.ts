import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Session } from "../../src/model/types.js";
import { summariseSession } from "../../src/report/session-summary.js";
import { FIXTURES_2_1_330, requireSharedFixtures } from "../support/shared-fixtures.js";
import { byId, loadAllSessions } from "../support/sessions.js";

const haveFixtures = requireSharedFixtures();

interface Ledger {
  totalCostUSD: number;
  modelUsage: Record<string, { inputTokens: number; outputTokens: number; cacheReadInputTokens: number; cacheCreationInputTokens: number; costUSD: number }>;
}

/** Claude Code's own last `cost-state` line: the independent truth for cost and tokens. */
function lastLedger(sessionId: string): Ledger {
  const text = readFileSync(join(FIXTURES_2_1_330 as string, "-home-dev-work-demo-app", `${sessionId}.jsonl`), "utf8");
  const lines = text.split("\n").filter((l) => l.includes('"type":"cost-state"'));
  return JSON.parse(lines[lines.length - 1] as string) as Ledger;
}

describe.skipIf(!haveFixtures)("Claude Code 2.1.330 fixture sessions", () => {
  let sessions: Session[];
  beforeAll(async () => {
    sessions = await loadAllSessions(FIXTURES_2_1_330 as string);
  });

  it("finds the four sessions, subagent folded into its parent", () => {
    expect(sessions.map((s) => s.sessionId).sort()).toEqual([
      "02588497-a121-4040-a10f-20b81be69ca9",
      "0704d901-19b8-468e-939e-baa3fdaa9e90",
      "483d7016-b254-458b-8de5-204e1de59795",
      "d850fcac-3927-4e48-858e-9d336f28e1c9",
    ]);
  });

  it.each(["0704d901-19b8-468e-939e-baa3fdaa9e90", "02588497-a121-4040-a10f-20b81be69ca9", "483d7016-b254-458b-8de5-204e1de59795", "d850fcac-3927-4e48-858e-9d336f28e1c9"])(
    "session %s costs exactly what Claude Code's ledger says",
    (id) => {
      const s = byId(sessions, id);
      const ledger = lastLedger(id);
      expect(s.cost.source).toBe("ledger");
      expect(Math.abs(s.cost.totalUsd - ledger.totalCostUSD)).toBeLessThan(1e-6);
    },
  );

  it.each(["0704d901-19b8-468e-939e-baa3fdaa9e90", "02588497-a121-4040-a10f-20b81be69ca9", "483d7016-b254-458b-8de5-204e1de59795"])(
    "session %s: per-request prices and de-duplicated tokens equal the ledger's (no unattributed calls)",
    (id) => {
      const s = byId(sessions, id);
      const ledger = lastLedger(id);
      const [model, usage] = Object.entries(ledger.modelUsage)[0] as [string, Ledger["modelUsage"][string]];
      const tokens = summariseSession(s).tokens;
      expect(tokens).toEqual({ input: usage.inputTokens, output: usage.outputTokens, cacheRead: usage.cacheReadInputTokens, cacheCreation: usage.cacheCreationInputTokens });
      expect(s.requests.every((r) => r.model === model)).toBe(true);
      expect(Math.abs(s.cost.computedUsd - usage.costUSD)).toBeLessThan(1e-9);
      expect(Math.abs(s.cost.unattributedUsd)).toBeLessThan(1e-9);
    },
  );

  it("parallel Bash calls: one failure with its error text, two requests, one turn", () => {
    const s = byId(sessions, "0704d901");
    expect(summariseSession(s)).toMatchObject({ turns: 1, requests: 2, toolCalls: 2, toolFailures: 1, compactions: 0, models: ["claude-sonnet-4-6"] });
    const failed = s.toolCalls.find((c) => c.outcome === "failure");
    expect(failed).toMatchObject({
      id: "toolu_Bash_2mwtmiess",
      name: "Bash",
      target: "ls /nonexistent-dir-xyz",
      errorText: "Exit code 2\nls: cannot access '/nonexistent-dir-xyz': No such file or directory",
      turnIndex: 0,
    });
    // Both calls came from one response written as three lines: one request, not three.
    expect(s.requests[0]?.toolCallIds).toEqual(["toolu_Bash_1mwtmiess", "toolu_Bash_2mwtmiess"]);
    expect(s.requests[0]?.usage).toEqual({ input: 443, output: 311, cacheRead: 7793, cacheCreation: 3211, cacheCreation5m: 0, cacheCreation1h: 3211 });
  });

  it("subagent: joined to the Agent call that started it, through its .meta.json", () => {
    const s = byId(sessions, "02588497");
    expect(s.subagents).toEqual([
      {
        agentId: "a6740b13358acc623",
        agentType: "general-purpose",
        description: "look around",
        parentToolUseId: "toolu_Agent_5mwtmifog",
        layout: "subagents-dir",
        startTime: s.subagents[0]?.startTime,
        endTime: s.subagents[0]?.endTime,
      },
    ]);
    const agentCall = s.toolCalls.find((c) => c.id === "toolu_Agent_5mwtmifog");
    expect(agentCall?.spawnedAgentId).toBe("a6740b13358acc623");
    const subRequests = s.requests.filter((r) => r.agentId === "a6740b13358acc623");
    expect(subRequests.map((r) => r.messageId).sort()).toEqual(["msg_mwtmifw7_9", "msg_mwtmig4t_10"]);
    // Subagent work belongs to the turn of the call that started it.
    expect(subRequests.every((r) => r.turnIndex === agentCall?.turnIndex)).toBe(true);
  });

  it("compaction: trigger, token figures and the summarising call's cost from the ledger", () => {
    const s = byId(sessions, "d850fcac");
    // The /compact command and its output share one prompt id and got no model answer: not a turn.
    expect(s.turns.map((t) => t.promptText)).toEqual(["scenario:long many steps", "scenario:basic again", "scenario:basic after compaction"]);
    expect(s.compactions).toHaveLength(1);
    const c = s.compactions[0];
    if (c === undefined) throw new Error("no compaction");
    expect(c).toMatchObject({ uuid: "2318e221-602c-4f18-b7f7-4819d9f8d955", trigger: "manual", preTokens: 69250, postTokens: 2651, droppedTokens: 66599 });
    expect(c.endTime).toBe(Date.parse("2026-11-23T18:53:00.487Z"));
    expect(c.endTime - c.startTime).toBe(136);
    // 0.536817 (ledger after /compact) - 0.45818085 (before), with no assistant line in between.
    expect(c.unattributedCostUsd).toBeCloseTo(0.07863615, 9);
    expect(s.cost.unattributedUsd).toBeCloseTo(0.66042855 - s.cost.computedUsd, 12);
    expect(s.cost.computedUsd).toBeCloseTo(0.5817924, 9);
    expect(summariseSession(s)).toMatchObject({ requests: 10, toolCalls: 8, toolFailures: 3, compactions: 1 });
  });
});
