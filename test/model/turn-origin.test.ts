import { describe, expect, it } from "vitest";
import { buildSession } from "../../src/model/build-session.js";
import { hookSourceOrigin, isUserTurn, transcriptTurnOrigin } from "../../src/model/turn-origin.js";
import { assistant, at, prompt, usage } from "../support/lines.js";
import { createPricer } from "../../src/cost/price-request.js";
import type { TranscriptLine } from "../../src/transcript/line-types.js";

describe("who started a turn", () => {
  it("the prompt line's turnOrigin (Claude Code's own list of not-a-person origins), then its promptSource", () => {
    const of = (turnOrigin?: string, promptSource?: string): unknown => transcriptTurnOrigin({ turnOrigin, promptSource });
    expect([of("human"), of("sdk"), of("scheduled"), of("task_notification"), of("auto_continuation"), of("peer"), of("host_synthetic"), of("system")]).toEqual([
      "user",
      "user",
      "schedule",
      "system",
      "system",
      "system",
      "system",
      "system",
    ]);
    expect([of(undefined, "system"), of(undefined, "sdk"), of("unknown", "system"), of("sdk", "system"), of(undefined, undefined)]).toEqual([
      "system",
      undefined,
      "system",
      "user",
      undefined,
    ]);
    // Hostile values find nothing (no prototype lookups).
    expect([of("constructor"), of("__proto__", "toString"), hookSourceOrigin("hasOwnProperty")]).toEqual([undefined, undefined, undefined]);
  });

  it("UserPromptSubmit's source (2.1.330's hook schema)", () => {
    expect(["user", "sdk", "system", "poll_event", "schedule_wakeup", "loop_wakeup", "typed"].map(hookSourceOrigin)).toEqual([
      "user",
      "user",
      "system",
      "system",
      "schedule",
      "loop",
      undefined,
    ]);
    expect([isUserTurn({ origin: undefined }), isUserTurn({ origin: "user" }), isUserTurn({ origin: "loop" })]).toEqual([true, true, false]);
  });

  it("a session's turns carry it; a line that says nothing leaves it undefined (a person's, as before)", () => {
    const lines: TranscriptLine[] = [
      prompt("fix the bug", { promptId: "p1", uuid: "u1", timestamp: at(0), turnOrigin: "human", promptSource: "typed" }),
      assistant("m1", { timestamp: at(1), usage: usage(10, 5), stopReason: "end_turn" }),
      prompt("<task-notification>done</task-notification>", { promptId: "p2", uuid: "u2", timestamp: at(60), turnOrigin: "task_notification", promptSource: "system" }),
      assistant("m2", { timestamp: at(61), usage: usage(10, 5), stopReason: "end_turn" }),
      prompt("and now?", { promptId: "p3", uuid: "u3", timestamp: at(120) }),
      assistant("m3", { timestamp: at(121), usage: usage(10, 5), stopReason: "end_turn" }),
    ];
    const s = buildSession({ sessionId: "s1", projectDir: "-p", main: lines, agents: [] }, createPricer());
    expect(s.turns.map((t) => [t.promptId, t.origin])).toEqual([
      ["p1", "user"],
      ["p2", "system"],
      ["p3", undefined],
    ]);
  });
});
