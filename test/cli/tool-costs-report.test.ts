/**
 * What each tool call cost, in `report`: `toolCallDetails` per session and `topToolsByCost` in
 * `report --json`, the "Top tools by cost" table for people. Exact figures on the insights corpus
 * recorded with the real Claude Code 2.1.330 (the scripted token figures of
 * test/recorder/insights-scenarios.ts at claude-haiku-4-5 list prices, the result sizes in the
 * transcript), the bound on every recorded session, and a hostile target.
 */
import { describe, expect, it } from "vitest";
import { buildSession } from "../../src/model/build-session.js";
import type { Pricer } from "../../src/model/pricer.js";
import { usd } from "../../src/report/format.js";
import type { ToolStats } from "../../src/report/report-data.js";
import type { ToolCallDetail } from "../../src/report/tool-call-details.js";
import { toolCallDetails } from "../../src/report/tool-call-details.js";
import { runCli } from "../support/cli.js";
import { apiRequest, assistant, at, prompt, toolResults } from "../support/lines.js";
import { CC_2_1_330, CC_2_1_332, EXAMPLES, INSIGHTS_2_1_330 as REC } from "../support/recorded-fixtures.js";

const M = 1e6;
const BIG = "/home/user/work/shop-api/data/big.txt";
const tool = (name: string, n: number): string => `toolu_${name}_insights_v2_1_330_${n}_0`;
/** claude-haiku-4-5 per token: uncached input, output, cache read, 5-minute write. */
const HAIKU = { input: 1 / M, output: 5 / M, read: 0.1 / M, write5m: 1.25 / M };
/** What a request's new tokens (uncached input + 5-minute writes) cost, per token. */
const newRate = (input: number, write5m: number): number => (input * HAIKU.input + write5m * HAIKU.write5m) / (input + write5m);

interface Row {
  sessionId: string;
  costUsd: number;
  toolCallDetails: ToolCallDetail[];
}
interface Report {
  sessions: Row[];
  topToolsByCost: ToolStats[];
}

async function report(projects: string): Promise<Report> {
  const r = await runCli(["report", "--json", "--no-cache", "--projects-dir", projects]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Report;
}

describe("report: cost per tool call", () => {
  it("big-outputs: every call of the session, each part from the scripted tokens and the result sizes", async () => {
    const { sessions } = await report(REC.projects);
    const s = sessions.find((x) => x.sessionId === REC.sessionId("big-outputs")) as Row;
    // seq 1 40000: Claude Code kept the output in a file and sent a 2,231-byte preview (558
    // tokens) to the second request (140 uncached + 700 written); the third and fourth read it
    // from the cache. Its response wrote 130 output tokens, for this call alone.
    const seq = { call: 130 * HAIKU.output, result: 558 * newRate(140, 700), carried: 2 * 558 * HAIKU.read };
    // data/big.txt whole (63,398 bytes: 15,850 tokens) into the third request (150 + 16,100
    // written), read from the cache by the fourth; the second response's 80 output tokens.
    const read = { call: 80 * HAIKU.output, result: 15_850 * newRate(150, 16_100), carried: 15_850 * HAIKU.read };
    // cat of the same file: a 2,206-byte preview (552 tokens) into the last request (160 + 700); nothing after it.
    const cat = { call: 90 * HAIKU.output, result: 552 * newRate(160, 700), carried: 0 };
    const row = (id: string, name: string, target: string, p: typeof seq, resultTokens: number): ToolCallDetail => ({
      id,
      tool: name,
      target,
      outcome: "success",
      agentId: null,
      attributedCostUsd: expect.closeTo(p.call + p.result + p.carried, 12) as number,
      callCostUsd: expect.closeTo(p.call, 12) as number,
      resultCostUsd: expect.closeTo(p.result, 12) as number,
      carriedCostUsd: expect.closeTo(p.carried, 12) as number,
      subagentCostUsd: 0,
      resultTokens,
    });
    expect(s.toolCallDetails).toEqual([
      row(tool("Bash", 19), "Bash", "seq 1 40000", seq, 558),
      row(tool("Read", 20), "Read", BIG, read, 15_850),
      row(tool("Bash", 21), "Bash", "cat data/big.txt", cat, 552),
    ]);
    // What no call explains: the system prompt and prompt, the answer.
    const calls = s.toolCallDetails.reduce((sum, c) => sum + c.attributedCostUsd, 0);
    expect(calls).toBeLessThan(s.costUsd);
    expect(calls).toBeCloseTo(0.0243110987, 9);
  });

  it("every recorded session: its calls' attributed costs sum to no more than its cost", async () => {
    let sessions = 0;
    for (const rec of [REC, CC_2_1_330, CC_2_1_332, EXAMPLES]) {
      for (const s of (await report(rec.projects)).sessions) {
        sessions++;
        const calls = s.toolCallDetails.reduce((sum, c) => sum + c.attributedCostUsd, 0);
        expect(calls, s.sessionId).toBeLessThanOrEqual(s.costUsd);
        for (const c of s.toolCallDetails) {
          expect(c.attributedCostUsd, c.id).toBeCloseTo(c.callCostUsd + c.resultCostUsd + c.carriedCostUsd + c.subagentCostUsd, 12);
          expect(Math.min(c.callCostUsd, c.resultCostUsd, c.carriedCostUsd, c.subagentCostUsd), c.id).toBeGreaterThanOrEqual(0);
        }
      }
    }
    expect(sessions).toBeGreaterThanOrEqual(20);
  });

  it("topToolsByCost: each tool's calls summed over the sessions, most expensive first; the table for people", async () => {
    const data = await report(REC.projects);
    const byTool = new Map<string, { calls: number; usd: number }>();
    for (const s of data.sessions) {
      for (const c of s.toolCallDetails) {
        const t = byTool.get(c.tool) ?? { calls: 0, usd: 0 };
        byTool.set(c.tool, { calls: t.calls + 1, usd: t.usd + c.attributedCostUsd });
      }
    }
    const expected = [...byTool].sort((a, b) => b[1].usd - a[1].usd).map(([name, t]) => [name, t.calls, t.usd]);
    expect(data.topToolsByCost.map((t) => [t.tool, t.calls, t.costUsd])).toEqual(expected.map(([name, calls, usd]) => [name, calls, expect.closeTo(usd as number, 12)]));
    // The insights corpus: Read's big files cost most.
    expect(data.topToolsByCost.map((t) => t.tool)).toEqual(["Read", "Bash"]);
    const total = data.sessions.reduce((sum, s) => sum + s.costUsd, 0);
    expect(data.topToolsByCost.reduce((sum, t) => sum + t.costUsd, 0)).toBeLessThanOrEqual(total);

    const r = await runCli(["report", "--no-cache", "--projects-dir", REC.projects], { columns: 200 });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split("\n");
    const at = lines.indexOf("Top tools by cost");
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]?.split(/\s{2,}/).map((h) => h.trim())).toEqual(["Tool", "Calls", "Cost", "Per call", "Of total"]);
    const read = data.topToolsByCost[0] as ToolStats;
    const cells = lines[at + 3]?.split(/\s{2,}/).map((c) => c.trim());
    expect(cells).toEqual(["Read", String(read.calls), usd(read.costUsd), usd(read.costUsd / read.calls), `${((read.costUsd / total) * 100).toFixed(1)}%`]);
  });
});

/** Anthropic's ratios at $1 per million uncached input tokens. */
const ratioPricer: Pricer = (_model, u) => {
  const usd = (u.input + (u.cacheCreation - u.cacheCreation1h) * 1.25 + u.cacheCreation1h * 2 + u.cacheRead * 0.1 + u.output * 5) / M;
  return { usd, known: true, source: "override", linearUsd: usd, computedUsd: usd, computedKnown: true };
};

describe("toolCallDetails: hostile targets", () => {
  it("a command carrying a secret is redacted, and a long one cut at 200 characters", () => {
    const secret = "sk-ant-api03-" + "x".repeat(40);
    const long = "echo " + "y".repeat(400);
    const s = buildSession(
      {
        sessionId: "s",
        projectDir: "p",
        main: [
          prompt("go", { promptId: "p", uuid: "u0", timestamp: at(0) }),
          apiRequest("q1", at(1)),
          assistant("m1", {
            requestRef: "q1",
            timestamp: at(2),
            usage: { input: 100, output: 40, cacheRead: 0, cacheCreation: 0, cacheCreation5m: 0, cacheCreation1h: 0 },
            tools: [
              { id: "a", name: "Bash", input: { command: `curl -H "x-api-key: ${secret}" https://api.example` } },
              { id: "b", name: "Bash", input: { command: long } },
            ],
          }),
          toolResults([{ id: "a", bytes: 10 }], { timestamp: at(3) }),
          toolResults([{ id: "b", bytes: 10 }], { timestamp: at(3) }),
        ],
        agents: [],
      },
      ratioPricer,
    );
    const [a, b] = toolCallDetails(s);
    expect(a?.target).not.toContain(secret);
    expect(a?.target).toMatch(/^curl -H "x-api-key: /);
    expect(b?.target).toBe(`${long.slice(0, 200)}… [${long.length - 200} more characters]`);
    // Each call half of the response's 40 output tokens ($5 per million at these ratios); no request carried the results.
    for (const c of [a, b]) expect(c?.callCostUsd).toBeCloseTo((40 * 5) / M / 2, 15);
    expect([a?.outcome, b?.outcome]).toEqual(["success", "success"]);
  });
});
