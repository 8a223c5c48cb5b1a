import { describe, expect, it } from "vitest";
import type { Pricer } from "../../src/model/pricer.js";
import { noteLedgerLine, priceSession, requestCost, summariseCost } from "../../src/model/pricing.js";
import type { LedgerSnapshot } from "../../src/model/reconcile-ledger.js";
import type { ApiRequest } from "../../src/model/types.js";
import { at, costState, usage } from "../support/lines.js";

/** $1 per output token for "known", nothing known about any other model; remembers when it was asked. */
const asked: [string, string][] = [];
const tablePricer: Pricer = (model, u, when) => {
  asked.push([model, when?.toISOString() ?? "-"]);
  return model === "known" ? { usd: u.output, known: true, source: "override" } : { usd: 0, known: false, source: "unknown" };
};

function request(key: string, model: string, usd: number, known: boolean, output: number): ApiRequest {
  return {
    key,
    messageId: key,
    requestId: `r-${key}`,
    model,
    usage: usage(1, output, 10, 2),
    stopReason: "end_turn",
    startTime: at(1),
    endTime: at(2),
    agentId: undefined,
    turnIndex: 0,
    toolCallIds: [],
    textParts: [],
    cost: { usd, known },
  };
}

describe("pricing", () => {
  it("a request is priced at the time it was sent; the cost keeps usd and known only", () => {
    asked.length = 0;
    expect(requestCost(tablePricer, "known", usage(5, 3), at(7))).toEqual({ usd: 3, known: true });
    expect(requestCost(tablePricer, "mystery", usage(5, 3), at(8))).toEqual({ usd: 0, known: false });
    expect(asked).toEqual([
      ["known", "2026-01-01T00:00:07.000Z"],
      ["mystery", "2026-01-01T00:00:08.000Z"],
    ]);
  });

  it("without a ledger: the sum of requests, by model, and a warning per model without a price", () => {
    const requests = [request("a", "known", 0.5, true, 5), request("b", "mystery", 0, false, 7), request("c", "known", 0.25, true, 3)];
    expect(priceSession(requests, () => undefined, [], [])).toEqual({
      cost: {
        totalUsd: 0.75,
        computedUsd: 0.75,
        ledgerUsd: undefined,
        unattributedUsd: 0,
        source: "computed",
        complete: false,
        unknownModels: ["mystery"],
        byModel: {
          known: { usd: 0.75, requests: 2, tokens: { input: 2, output: 8, cacheRead: 20, cacheCreation: 4, cacheCreation5m: 4, cacheCreation1h: 0 }, known: true },
          mystery: { usd: 0, requests: 1, tokens: { input: 1, output: 7, cacheRead: 10, cacheCreation: 2, cacheCreation5m: 2, cacheCreation1h: 0 }, known: false },
        },
      },
      compactionCosts: [],
      warnings: ['no price for model "mystery": session cost is incomplete'],
    });
  });

  it("with Claude Code's ledger: its total is the cost (segments added when a new process restarts it); growth across a compaction no request explains is the summary call's cost", () => {
    const snapshots: LedgerSnapshot[] = [];
    // positions: request a@2, ledger@3 (0.5), compaction@5, ledger@6 (0.9: 0.4 growth, nothing explains it), request b@8, ledger@9 (0.1: restarted), compaction@12 (no ledger after)
    noteLedgerLine(snapshots, costState(0.5), 3);
    noteLedgerLine(snapshots, costState(0.9), 6);
    noteLedgerLine(snapshots, costState(0.1), 9);
    expect(snapshots).toEqual([
      { position: 3, totalUsd: 0.5 },
      { position: 6, totalUsd: 0.9 },
      { position: 9, totalUsd: 0.1 },
    ]);
    const requests = [request("a", "known", 0.5, true, 5), request("b", "known", 0.1, true, 1), request("sub", "known", 0.05, true, 1)];
    const positions: Record<string, number> = { a: 2, b: 8 };
    const priced = priceSession(requests, (key) => positions[key], snapshots, [5, 12]);
    // The sums in the order the code adds them (requests in start order; ledger segments in order).
    const computedUsd = 0.5 + 0.1 + 0.05;
    const ledgerUsd = 0.9 + 0.1;
    expect(priced).toEqual({
      cost: {
        totalUsd: ledgerUsd,
        computedUsd,
        ledgerUsd,
        unattributedUsd: ledgerUsd - computedUsd,
        source: "ledger",
        complete: true,
        unknownModels: [],
        byModel: {
          known: { usd: computedUsd, requests: 3, tokens: { input: 3, output: 7, cacheRead: 30, cacheCreation: 6, cacheCreation5m: 6, cacheCreation1h: 0 }, known: true },
        },
      },
      compactionCosts: [0.9 - 0.5, undefined],
      warnings: [],
    });
  });

  it("no requests, no ledger: zero, complete", () => {
    expect(summariseCost([], undefined)).toEqual({
      totalUsd: 0,
      computedUsd: 0,
      ledgerUsd: undefined,
      unattributedUsd: 0,
      source: "computed",
      complete: true,
      unknownModels: [],
      byModel: {},
    });
  });
});
