/**
 * `compactions <session>` and `report --json`'s compactionDetails on the insights corpus recorded
 * with the real Claude Code 2.1.330: the figures come from list prices (claude-sonnet-4-5), the
 * scripted token figures (test/recorder/insights-scenarios.ts), Claude Code's cost-state ledger
 * and the transcript's own lines.
 */
import { describe, expect, it } from "vitest";
import { COMPACTIONS_HELP } from "../../src/cli/compactions-command.js";
import type { CompactionDetail } from "../../src/report/compaction-details.js";
import { runCli } from "../support/cli.js";
import { INSIGHTS_2_1_330 as REC, ledgers } from "../support/recorded-fixtures.js";
import { transcriptTimes } from "../support/transcript-times.js";

const M = 1e6;
const BIG = "/home/user/work/shop-api/data/big.txt";
const README = "/home/user/work/shop-api/README.md";
const INDEX = "/home/user/work/shop-api/src/index.ts";
const tool = (name: string, n: number): string => `toolu_${name}_insights_v2_1_330_${n}_0`;
/** claude-sonnet-4-5 list prices per million tokens: input, output, cache read, 5-minute write. */
const price = (input: number, output: number, read: number, write5m: number): number => (input * 3 + output * 15 + read * 0.3 + write5m * 3.75) / M;

async function details(label: string): Promise<CompactionDetail[]> {
  const r = await runCli(["compactions", REC.sessionId(label).slice(0, 8), "--projects-dir", REC.projects, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { compactionDetails: CompactionDetail[] }).compactionDetails;
}

describe("compactions <session>", () => {
  it("reread: the first compaction, every figure", async () => {
    const times = transcriptTimes(REC.transcript("reread"));
    const ms = (id: string): number => Date.parse(times.toolResult(id)) - Date.parse(times.toolUse(id));
    const totals = ledgers(REC.transcript("reread")).map((l) => l.totalCostUSD);
    const [first] = await details("reread");
    expect(first).toEqual({
      uuid: expect.any(String) as string,
      at: expect.any(String) as string,
      trigger: "manual",
      turn: 1,
      preTokens: 41_220,
      postTokens: 2_898,
      droppedTokens: 38_322,
      // The ledger grew by the summarising call alone: 3,050 tokens in, 380 out (the stub's summary).
      costUsd: expect.closeTo(price(3_050, 380, 0, 0), 12) as number,
      // The next request wrote its 5,800-token context to the cache again.
      rebuildCostUsd: expect.closeTo((5_800 * 3.75) / M, 12) as number,
      toolOutputsBefore: { count: 4, bytes: 44 + 68 + 13_892 + 63_398, tokens: 11 + 17 + 3_473 + 15_850 },
      filesReadBefore: [
        { path: BIG, reads: 1, bytes: 63_398, after: "referenced" },
        { path: README, reads: 1, bytes: 44, after: "restored" },
        { path: INDEX, reads: 1, bytes: 68, after: "restored" },
      ],
      filesReReadAfter: [{ path: BIG, reads: 1, bytes: 63_398, costUsd: expect.closeTo(0.065026621, 9) as number, durationMs: ms(tool("Read", 7)) }],
      reReads: 1,
      reReadCostUsd: expect.closeTo(0.065026621, 9) as number,
      reReadDurationMs: ms(tool("Read", 7)),
      restoredFilesReRead: 1,
      keptLines: 3,
      duplicate: false,
      duplicateOf: null,
      summaryBytes: 1_095,
    });
    expect(totals[1]! - totals[0]!).toBeCloseTo(first!.costUsd!, 12);
  });

  it("reread: the third compaction is flagged as a duplicate of the second; report --json has the same details beside the counts", async () => {
    const all = await details("reread");
    expect(
      all.map((d) => [d.trigger, d.duplicate, d.duplicateOf === null ? null : all.findIndex((x) => x.uuid === d.duplicateOf), d.reReads, d.filesReReadAfter.map((f) => f.path)]),
    ).toEqual([
      ["manual", false, null, 1, [BIG]],
      ["manual", false, null, 1, [INDEX]],
      ["manual", true, 1, 0, []],
    ]);
    const report = await runCli(["report", "--json", "--no-cache", "--projects-dir", REC.projects]);
    const session = (JSON.parse(report.stdout) as { sessions: { sessionId: string; compactions: number; compactionDetails: CompactionDetail[] }[] }).sessions.find(
      (s) => s.sessionId === REC.sessionId("reread"),
    );
    expect(session?.compactions).toBe(3);
    expect(session?.compactionDetails).toEqual(all);
  });

  it("auto-compact: the auto trigger, the lost file read again; the summarising call is what the one ledger line charged beyond the requests", async () => {
    const [auto] = await details("auto-compact");
    expect(auto).toMatchObject({
      trigger: "auto",
      preTokens: 37_664,
      postTokens: 2_793,
      droppedTokens: 34_871,
      // The stub's summary again: 3,050 tokens in, 380 out.
      costUsd: expect.closeTo(price(3_050, 380, 0, 0), 12) as number,
      rebuildCostUsd: expect.closeTo((6_100 * 3.75) / M, 12) as number,
      toolOutputsBefore: { count: 1, bytes: 63_398, tokens: 15_850 },
      filesReadBefore: [{ path: BIG, reads: 1, bytes: 63_398, after: "referenced" }],
      reReads: 1,
      keptLines: 5,
      duplicate: false,
    });
  });

  it("prints a table per session for people, paths relative to the project", async () => {
    const r = await runCli(["compactions", REC.sessionId("reread").slice(0, 8), "--projects-dir", REC.projects], { columns: 200 });
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/^Session d16164c8-5efe-452c-8faa-0ce024fa5732 \(shop-api, 2026-12-07 \d\d:\d\d\): 3 compactions; 2 reads of lost files again, \$0\.07, \d+s$/);
    expect(lines.filter((l) => /^\d {2}/.test(l)).map((l) => l.split(/\s{2,}/))).toEqual([
      [
        "1",
        expect.any(String),
        "manual",
        "1",
        "41.2k → 2.9k",
        "38.3k",
        "$0.01",
        "$0.02",
        "4 (77 KB)",
        "1",
        "1",
        expect.stringMatching(/^\$0\.07, \d+s$/),
        "1 restored file read again anyway; 3 lines kept",
      ],
      ["2", expect.any(String), "manual", "2", "22.5k → 2.8k", "19.7k", "$0.01", "$0.02", "3 (63 KB)", "2", "1", expect.stringMatching(/^\$0\.0008, \d+s$/), "3 lines kept"],
      ["3", expect.any(String), "manual", "-", "3.0k → 2.6k", "366", "$0.01", "$0.02", "0 (0 B)", "1", "0", "-", "duplicate of #2: the same conversation summarised again"],
      ["1", "data/big.txt", "1", "63 KB", "referenced", expect.stringMatching(/^1× \$0\.07, \d+s$/)],
      ["1", "README.md", "1", "44 B", "restored", "-"],
      ["1", "src/index.ts", "1", "68 B", "restored", "-"],
      ["2", "data/big.txt", "1", "63 KB", "referenced", "-"],
      ["2", "README.md", "1", "80 B", "restored", "-"],
      ["2", "src/index.ts", "0", "64 B", "lost", expect.stringMatching(/^1× \$0\.0008, \d+s$/)],
      ["3", "README.md", "0", "36 B", "lost", "-"],
    ]);
  });

  it("a session without compactions says so; an unknown session is exit 3; no id is a usage error; --help", async () => {
    const none = await runCli(["compactions", REC.sessionId("big-outputs").slice(0, 8), "--projects-dir", REC.projects]);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/^Session c3fc8950-b99a-47ff-83b3-11015e9a3a86 \(shop-api, .*\): 0 compactions\n$/);
    expect((await runCli(["compactions", "ffffffff", "--projects-dir", REC.projects])).code).toBe(3);
    const missing = await runCli(["compactions", "--projects-dir", REC.projects]);
    expect([missing.code, missing.stderr]).toEqual([2, "claude-code-otel compactions: compactions needs a session id: claude-code-otel compactions <session-id>\n"]);
    expect(await runCli(["compactions", "--help"])).toEqual({ code: 0, stdout: COMPACTIONS_HELP, stderr: "" });
  });
});
