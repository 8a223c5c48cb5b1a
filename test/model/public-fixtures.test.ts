import { beforeAll, describe, expect, it } from "vitest";
import type { Session } from "../../src/model/types.js";
import { summariseSession } from "../../src/report/session-summary.js";
import { createPricer } from "../../src/cost/price-request.js";
import { scanSessions } from "../../src/pipeline/scan-sessions.js";
import { PUBLIC_FIXTURES, requireSharedFixtures } from "../support/shared-fixtures.js";
import { byId, loadAllSessions } from "../support/sessions.js";

const haveFixtures = requireSharedFixtures("public transcripts (public-fixtures.test.ts)");

describe.skipIf(!haveFixtures)("public transcripts, Claude Code 1.0.17 to 2.1.114", () => {
  let sessions: Session[];
  beforeAll(async () => {
    sessions = await loadAllSessions(PUBLIC_FIXTURES as string);
  });

  it("counts turns, requests, tool calls and failures exactly (failures as SOURCES.md lists them)", () => {
    const rows = Object.fromEntries(
      sessions.map((s) => {
        const x = summariseSession(s);
        return [s.sessionId.slice(0, 8), [x.turns, x.requests, x.toolCalls, x.toolFailures, x.compactions, x.subagents]];
      }),
    );
    expect(rows).toEqual({
      "03eb5929": [7, 9, 2, 0, 0, 0],
      ef958aa1: [2, 43, 71, 1, 0, 2],
      a7da6a22: [0, 6, 15, 1, 0, 1],
      "29ccd257": [1, 12, 25, 0, 0, 1],
      "2b4ed4c0": [1, 10, 9, 6, 0, 0],
      "326189cf": [3, 15, 14, 2, 0, 0],
      "7864f562": [0, 1, 0, 0, 0, 1],
      b25638d7: [1, 18, 17, 1, 0, 0],
      fed8ce56: [2, 4, 7, 2, 0, 0],
      "5c0375b4": [1, 20, 21, 3, 0, 2],
      dag_comp: [5, 5, 0, 0, 1, 0],
    });
  });

  it("2.1.2+ subagents folder: joined by .meta.json, or by toolUseResult.agentId where there is no meta", () => {
    expect(byId(sessions, "ef958aa1").subagents.map((a) => [a.agentId, a.parentToolUseId, a.layout])).toEqual([
      ["a4ca7529859c158c2", "toolu_01GmrK6tgdD9D5xD6W5X9UUy", "subagents-dir"],
      ["a36efb2a1231c41e2", "toolu_017y4gSjMWeQ3L2DAKiygU2y", "subagents-dir"],
    ]);
    const claudeP = byId(sessions, "29ccd257");
    expect(claudeP.subagents.map((a) => [a.agentId, a.parentToolUseId])).toEqual([["a2271d1", "toolu_01SXaWzD5YZ73zGwchbcxeWi"]]);
    // Before the rename to Agent (2.1.63) the tool was Task; two models in one session.
    expect(claudeP.toolCalls.find((c) => c.id === "toolu_01SXaWzD5YZ73zGwchbcxeWi")?.name).toBe("Task");
    expect(summariseSession(claudeP).models).toEqual(["claude-opus-4-5-20251101", "claude-haiku-4-5-20251001"]);
  });

  it("inline sidechains (1.0.x) become subagents under the Task call whose prompt started them", () => {
    const s = byId(sessions, "5c0375b4");
    expect(s.subagents.map((a) => [a.layout, a.parentToolUseId])).toEqual([
      ["inline", "toolu_014YF9TXhDRR7BnpasNJ7gjC"],
      ["inline", "toolu_01LKfUwrsnof18CpWZQcJH44"],
    ]);
    const sideRequests = s.requests.filter((r) => r.agentId !== undefined);
    expect(sideRequests.length).toBeGreaterThan(0);
    expect(sideRequests.every((r) => r.turnIndex === 0)).toBe(true);
  });

  it("legacy sibling agent files (2.0.x) belong to the session named inside them, even without its main file", () => {
    const s = byId(sessions, "a7da6a22");
    expect(s.subagents.map((a) => [a.agentId, a.layout, a.parentToolUseId])).toEqual([["c8d9b115", "sibling-file", undefined]]);
    const warmup = byId(sessions, "7864f562");
    expect(warmup.subagents.map((a) => a.agentId)).toEqual(["3ea04571"]);
    expect(warmup.cost.computedUsd).toBeCloseTo(0.002096, 9);
  });

  it("rewinds: every branch was billed, so every prompt is a turn and every response a request", () => {
    const s = byId(sessions, "dag_comp");
    expect(s.turns.map((t) => t.uuid)).toEqual(["u1", "b1u", "b2u", "b2u2", "p1u"]);
    expect(s.compactions.map((c) => [c.trigger, c.preTokens, c.turnIndex])).toEqual([["auto", 150000, 3]]);
  });

  it("a file holding only a summary line is no session (no activity): skipped and counted, not an error", async () => {
    expect(sessions.find((s) => s.sessionId.startsWith("ff71dbed"))).toBeUndefined();
    const scan = await scanSessions(PUBLIC_FIXTURES as string, { timeZone: "UTC" }, createPricer(), () => undefined);
    expect({ sessions: scan.sessions, skippedFiles: scan.skippedFiles, unreadable: scan.unreadable }).toEqual({ sessions: sessions.length, skippedFiles: 1, unreadable: [] });
  });
});
