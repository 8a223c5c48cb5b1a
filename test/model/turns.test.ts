import { describe, expect, it } from "vitest";
import type { TurnDraft } from "../../src/model/turns.js";
import { extendTurn, finishTurns, newTurnSegmenter, numberTurns, onPrompt, turnIndexer } from "../../src/model/turns.js";
import { at, prompt } from "../support/lines.js";

describe("turns: segmentation", () => {
  it("a typed prompt starts a turn; lines with its prompt id continue it; meta, compaction summaries, command output and untimed prompts do not start one", () => {
    const s = newTurnSegmenter();
    const lines = [
      prompt("first question", { promptId: "p1", uuid: "u1", timestamp: at(0) }),
      prompt("expanded command text", { promptId: "p1", uuid: "u2", timestamp: at(1) }),
      prompt("<local-command-stdout>ok</local-command-stdout>", { promptId: "p2", timestamp: at(2) }),
      prompt("caveat", { promptId: "p3", timestamp: at(3), isMeta: true }),
      prompt("summary of the conversation", { promptId: "p4", timestamp: at(4), isCompactSummary: true }),
      prompt("no time", { promptId: "p5" }),
      prompt("<command-name>/clear</command-name>", { promptId: "p6", uuid: "u6", timestamp: at(6) }),
      prompt("second question", { promptId: "p7", uuid: "u7", timestamp: at(7) }),
    ];
    for (const line of lines) {
      onPrompt(s, line);
      extendTurn(s, line.timestamp);
    }
    extendTurn(s, at(9));
    extendTurn(s, undefined);
    expect(s.turns).toEqual([
      { kind: "prompt", promptId: "p1", uuid: "u1", startTime: at(0), endTime: at(4), promptText: "first question", origin: undefined, requests: 0 },
      { kind: "command", promptId: "p6", uuid: "u6", startTime: at(6), endTime: at(6), promptText: "<command-name>/clear</command-name>", origin: undefined, requests: 0 },
      { kind: "prompt", promptId: "p7", uuid: "u7", startTime: at(7), endTime: at(9), promptText: "second question", origin: undefined, requests: 0 },
    ]);
    expect(s.current).toBe(s.turns[2]);
  });

  it("numbering: prompts and answered commands count, unanswered commands do not; finished turns carry their number", () => {
    const draft = (kind: "prompt" | "command", id: string, requests: number): TurnDraft => ({
      kind,
      promptId: id,
      uuid: `u-${id}`,
      startTime: at(1),
      endTime: at(2),
      promptText: id,
      origin: id === "d" ? "system" : undefined,
      requests,
    });
    const drafts = [draft("prompt", "a", 0), draft("command", "b", 0), draft("command", "c", 2), draft("prompt", "d", 1)];
    const numbered = numberTurns(drafts);
    expect([...numbered.values()]).toEqual([0, 1, 2]);
    expect(finishTurns(numbered)).toEqual([
      { index: 0, promptId: "a", uuid: "u-a", startTime: at(1), endTime: at(2), promptText: "a", origin: undefined },
      { index: 1, promptId: "c", uuid: "u-c", startTime: at(1), endTime: at(2), promptText: "c", origin: undefined },
      { index: 2, promptId: "d", uuid: "u-d", startTime: at(1), endTime: at(2), promptText: "d", origin: "system" },
    ]);
    const indexOf = turnIndexer(
      numbered,
      new Map([
        ["agent-1", drafts[3]],
        ["agent-2", undefined],
      ]),
    );
    expect([indexOf(drafts[2], undefined), indexOf(drafts[1], undefined), indexOf(undefined, "agent-1"), indexOf(undefined, "agent-2"), indexOf(undefined, undefined)]).toEqual([
      1,
      undefined,
      2,
      undefined,
      undefined,
    ]);
  });
});
