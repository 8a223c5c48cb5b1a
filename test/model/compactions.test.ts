import { describe, expect, it } from "vitest";
import { finishCompactions } from "../../src/model/compactions.js";
import type { TurnDraft } from "../../src/model/turns.js";
import type { CompactionLoss } from "../../src/model/types.js";
import { at, compactBoundary } from "../support/lines.js";

const NO_LOSS: CompactionLoss = {
  toolOutputs: 0,
  toolOutputBytes: 0,
  toolOutputIds: [],
  files: [],
  keptLines: 0,
  reReadCallIds: [],
  restoredReReadCallIds: [],
  duplicateOf: undefined,
  summaryBytes: undefined,
};

describe("compactions", () => {
  it("span the summarising call's duration, take the turn's number and the ledger's cost; dropped tokens are pre - post, else the step of Claude Code's running total", () => {
    const turn: TurnDraft = { kind: "prompt", promptId: "p", uuid: "u", startTime: at(0), endTime: at(60), promptText: "x", origin: undefined, requests: 2 };
    const outside: TurnDraft = { ...turn, kind: "command", requests: 0 };
    const drafts = [
      {
        line: compactBoundary("auto", { uuid: "c1", timestamp: at(30), durationMs: 12_000, preTokens: 150_000, postTokens: 9_000, cumulativeDroppedTokens: 141_000 }),
        turn,
        position: 10,
      },
      { line: compactBoundary("manual", { timestamp: at(50), preTokens: 80_000, cumulativeDroppedTokens: 211_500 }), turn: outside, position: 20 },
      { line: compactBoundary("auto", {}), turn: undefined, position: 30 },
    ];
    const loss = { ...NO_LOSS, toolOutputs: 3 };
    expect(finishCompactions(drafts, new Map([[turn, 4]]), [{ usd: 0.0786, source: "ledger" }, undefined], [{ requestKey: "m:r", usd: 0.012 }, undefined], [loss])).toEqual([
      {
        uuid: "c1",
        startTime: at(18),
        endTime: at(30),
        trigger: "auto",
        preTokens: 150_000,
        postTokens: 9_000,
        droppedTokens: 141_000,
        turnIndex: 4,
        unattributedCostUsd: 0.0786,
        costSource: "ledger",
        cacheRebuild: { requestKey: "m:r", usd: 0.012 },
        loss,
      },
      {
        uuid: "compaction-1",
        startTime: at(50),
        endTime: at(50),
        trigger: "manual",
        preTokens: 80_000,
        postTokens: undefined,
        droppedTokens: 70_500,
        turnIndex: undefined,
        unattributedCostUsd: undefined,
        costSource: undefined,
        cacheRebuild: undefined,
        loss: NO_LOSS,
      },
      {
        uuid: "compaction-2",
        startTime: 0,
        endTime: 0,
        trigger: "auto",
        preTokens: undefined,
        postTokens: undefined,
        droppedTokens: undefined,
        turnIndex: undefined,
        unattributedCostUsd: undefined,
        costSource: undefined,
        cacheRebuild: undefined,
        loss: NO_LOSS,
      },
    ]);
  });
});
