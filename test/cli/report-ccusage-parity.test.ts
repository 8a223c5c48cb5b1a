import { beforeAll, describe, expect, it } from "vitest";
import { relative, sep } from "node:path";
import { discoverSessions } from "../../src/transcript/discover.js";
import { ccusageBinary, ccusageSessions } from "../support/ccusage.js";
import type { CcusageGroup } from "../support/ccusage.js";
import { FIXTURES_2_1_330, PUBLIC_FIXTURES, requireSharedFixtures } from "../support/shared-fixtures.js";
import { loadAllSessions } from "../support/sessions.js";

const haveFixtures = requireSharedFixtures();
const haveCcusage = ccusageBinary() !== undefined;
if (!haveCcusage && process.env["CI"] === "true") throw new Error("ccusage 20 is a dev dependency and must be installed in CI");

/**
 * ccusage 20 keys a "session" by path: the folder holding a `subagents/` file, else the second
 * path segment under `projects/` (the file name for the usual `<project>/<session>.jsonl`, but a
 * project folder in deeper layouts). We key by session id, subagents folded into their parent.
 * Regrouping our requests by ccusage's key compares the very same requests, price for price.
 */
function ccusageKey(root: string, path: string): string {
  const parts = relative(root, path).split(sep);
  const sub = parts.indexOf("subagents");
  if (sub > 0) return parts[sub - 1] as string;
  return (parts[1] ?? parts[0] ?? "").replace(/\.jsonl$/, "");
}

async function regroupLikeCcusage(root: string): Promise<Map<string, Omit<CcusageGroup, "period">>> {
  const sessions = await loadAllSessions(root);
  const { sessions: sources } = await discoverSessions(root);
  const groups = new Map<string, Omit<CcusageGroup, "period">>();
  for (const s of sessions) {
    const source = sources.find((x) => x.sessionId === s.sessionId);
    for (const r of s.requests) {
      const agentFile = source?.agentFiles.find((a) => a.agentId === r.agentId);
      const file = agentFile?.path ?? source?.mainFile;
      if (file === undefined) throw new Error(`no file for request ${r.key}`);
      const key = ccusageKey(root, file);
      const g = groups.get(key) ?? { totalCost: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 };
      g.totalCost += r.cost.usd;
      g.inputTokens += r.usage.input;
      g.outputTokens += r.usage.output;
      g.cacheReadTokens += r.usage.cacheRead;
      g.cacheCreationTokens += r.usage.cacheCreation;
      groups.set(key, g);
    }
  }
  return groups;
}

describe.skipIf(!haveFixtures || !haveCcusage)("cost and tokens agree with ccusage 20 on the same requests", () => {
  for (const [name, dir] of [
    ["public fixtures (Claude Code 1.0.17 to 2.1.114)", PUBLIC_FIXTURES],
    ["Claude Code 2.1.330 fixtures", FIXTURES_2_1_330],
  ] as const) {
    describe(name, () => {
      let ours: Map<string, Omit<CcusageGroup, "period">>;
      let theirs: CcusageGroup[];
      beforeAll(async () => {
        ours = await regroupLikeCcusage(dir as string);
        theirs = ccusageSessions(dir as string);
      });

      it("every ccusage group matches ours to $0.000001 and to the token", () => {
        expect(theirs.length).toBeGreaterThan(0);
        for (const group of theirs) {
          const mine = ours.get(group.period);
          expect(mine, `group ${group.period}`).toBeDefined();
          expect(Math.abs((mine?.totalCost ?? 0) - group.totalCost), `cost of ${group.period}`).toBeLessThan(1e-6);
          expect({
            period: group.period,
            input: mine?.inputTokens,
            output: mine?.outputTokens,
            cacheRead: mine?.cacheReadTokens,
            cacheCreation: mine?.cacheCreationTokens,
          }).toEqual({
            period: group.period,
            input: group.inputTokens,
            output: group.outputTokens,
            cacheRead: group.cacheReadTokens,
            cacheCreation: group.cacheCreationTokens,
          });
        }
        // Nothing we count is missing from ccusage, except groups with no usage at all.
        const theirKeys = new Set(theirs.map((g) => g.period));
        const extra = [...ours.entries()].filter(([k, g]) => !theirKeys.has(k) && g.totalCost > 0);
        expect(extra).toEqual([]);
      });
    });
  }
});
