/**
 * What compactions lost, on the insights corpus recorded with the real Claude Code 2.1.330
 * (test/fixtures/insights-2.1.330, npm run record:insights). The truth is in the recording: the
 * compact_boundary lines (tokens, kept lines), the file and compact_file_reference attachments
 * Claude Code wrote after each compaction, the sizes of the tool results, the hooks' own
 * PreCompact payloads, and the scripted conversation (test/recorder/insights-scenarios.ts).
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { Session } from "../../src/model/types.js";
import { INSIGHTS_2_1_330 as REC } from "../support/recorded-fixtures.js";
import { byId, loadAllSessions } from "../support/sessions.js";

const CWD = "/home/user/work/shop-api";
const README = `${CWD}/README.md`;
const INDEX = `${CWD}/src/index.ts`;
const BIG = `${CWD}/data/big.txt`;
const tool = (name: string, n: number, i = 0): string => `toolu_${name}_insights_v2_1_330_${n}_${i}`;

/** Sizes of the results as the model got them, from the transcript (Read numbers the lines). */
const README_READ = Buffer.byteLength("1\t# shop-api\n2\t\n3\tA tiny example service.\n4\t");
const INDEX_READ = Buffer.byteLength("1\texport const greet = (name: string): string => `hello ${name}`;\n2\t");
/** `seq 1 3000`: 3,000 numbers and their newlines, less the last newline Bash trims. */
const SEQ_3000 = Array.from({ length: 3000 }, (_, i) => String(i + 1)).join("\n").length;
/** data/big.txt through Read: 1,500 numbered rows of 38 bytes, then the empty line 1501 after the last newline. */
const BIG_READ = Array.from({ length: 1500 }, (_, i) => `${i + 1}\t`.length + 38).reduce((a, b) => a + b, 0) + "1501\t".length;
/** What Claude Code put back whole after a compaction: the files' own bytes. */
const README_FILE = Buffer.byteLength("# shop-api\n\nA tiny example service.\n");
const INDEX_FILE = Buffer.byteLength("export const greet = (name: string): string => `hello ${name}`;\n");

function boundaries(label: string): { uuid: string; trigger: string; kept: number }[] {
  return readFileSync(REC.transcript(label), "utf8")
    .split("\n")
    .filter((l) => l.includes('"subtype":"compact_boundary"'))
    .map((l) => JSON.parse(l) as { uuid: string; compactMetadata: { trigger: string; preservedMessages?: { allUuids: string[] } } })
    .map((b) => ({ uuid: b.uuid, trigger: b.compactMetadata.trigger, kept: b.compactMetadata.preservedMessages?.allUuids.length ?? 0 }));
}

describe("compaction loss, recorded with Claude Code 2.1.330", () => {
  let sessions: Session[];
  beforeAll(async () => {
    sessions = await loadAllSessions(REC.projects);
  });

  it("the sizes the model got: every result's bytes, and the whole size of outputs kept in a file", () => {
    expect([README_READ, INDEX_READ, SEQ_3000, BIG_READ]).toEqual([44, 68, 13_892, 63_398]);
    const s = byId(sessions, REC.sessionId("reread"));
    expect(s.toolCalls.map((c) => [c.id, c.resultBytes, c.persistedBytes])).toEqual([
      [tool("Read", 1, 0), README_READ, undefined],
      [tool("Read", 1, 1), INDEX_READ, undefined],
      [tool("Bash", 2), SEQ_3000, undefined],
      [tool("Read", 3), BIG_READ, undefined],
      [tool("Read", 6), README_READ, undefined],
      [tool("Read", 7), BIG_READ, undefined],
      [tool("Bash", 8), Buffer.byteLength("1500 data/big.txt"), undefined],
      [tool("Read", 12), INDEX_READ, undefined],
    ]);
    // Bash outputs over 30,000 characters: a preview to the model, the whole output in a file.
    const big = byId(sessions, REC.sessionId("big-outputs"));
    expect(big.toolCalls.map((c) => [c.target, c.resultBytes, c.persistedBytes])).toEqual([
      ["seq 1 40000", 2_231, Array.from({ length: 40_000 }, (_, i) => String(i + 1)).join("\n").length + 1],
      [BIG, BIG_READ, undefined],
      ["cat data/big.txt", 2_206, 57_000],
    ]);
  });

  it("reread: three manual compactions, their tokens (this compaction's drop, not Claude Code's running total) and triggers as the hooks saw them", () => {
    const s = byId(sessions, REC.sessionId("reread"));
    const lines = boundaries("reread");
    const hookTriggers = readFileSync(REC.hooks, "utf8")
      .split("\n")
      .filter((l) => l.includes('"PreCompact"') && l.includes(s.sessionId))
      .map((l) => (JSON.parse(l) as { trigger: string }).trigger);
    expect(hookTriggers).toEqual(["manual", "manual", "manual"]);
    expect(s.compactions.map((c) => [c.uuid, c.trigger, c.preTokens, c.postTokens, c.droppedTokens, c.loss.keptLines])).toEqual([
      [lines[0]?.uuid, "manual", 41_220, 2_898, 38_322, 3],
      [lines[1]?.uuid, "manual", 22_490, 2_820, 19_670, 3],
      [lines[2]?.uuid, "manual", 2_998, 2_632, 366, 0],
    ]);
    // Claude Code's cumulativeDroppedTokens on the last line is the sum.
    expect(38_322 + 19_670 + 366).toBe(58_358);
    expect(lines.map((l) => l.kept)).toEqual([3, 3, 0]);
  });

  it("reread, first compaction: four results left the context; the two small files came back whole, the large one only by name, and was read again", () => {
    const [first] = byId(sessions, REC.sessionId("reread")).compactions;
    expect(first?.loss).toEqual({
      toolOutputs: 4,
      toolOutputBytes: README_READ + INDEX_READ + SEQ_3000 + BIG_READ,
      toolOutputIds: [tool("Read", 3), tool("Bash", 2), tool("Read", 1, 1), tool("Read", 1, 0)],
      files: [
        { path: BIG, reads: 1, bytes: BIG_READ, after: "referenced" },
        { path: README, reads: 1, bytes: README_READ, after: "restored" },
        { path: INDEX, reads: 1, bytes: INDEX_READ, after: "restored" },
      ],
      keptLines: 3,
      // data/big.txt was lost and read again; README.md had come back whole and was read again anyway.
      reReadCallIds: [tool("Read", 7)],
      restoredReReadCallIds: [tool("Read", 6)],
      duplicateOf: undefined,
      summaryBytes: 1_095,
    });
  });

  it("reread, second and third compactions: the file restored by the first and never read since is lost, read again after the third; the third summarises the same conversation again", () => {
    const s = byId(sessions, REC.sessionId("reread"));
    const [, second, third] = s.compactions;
    expect(second?.loss).toEqual({
      toolOutputs: 3,
      toolOutputBytes: BIG_READ + README_READ + 17,
      toolOutputIds: [tool("Read", 7), tool("Read", 6), tool("Bash", 8)],
      files: [
        { path: BIG, reads: 1, bytes: BIG_READ, after: "referenced" },
        // Put back whole by the first compaction, then read: both copies were in the context.
        { path: README, reads: 1, bytes: README_FILE + README_READ, after: "restored" },
        { path: INDEX, reads: 0, bytes: INDEX_FILE, after: "lost" },
      ],
      keptLines: 3,
      reReadCallIds: [tool("Read", 12)],
      restoredReReadCallIds: [],
      duplicateOf: undefined,
      summaryBytes: 1_095,
    });
    expect(third?.loss).toEqual({
      toolOutputs: 0,
      toolOutputBytes: 0,
      toolOutputIds: [],
      files: [{ path: README, reads: 0, bytes: README_FILE, after: "lost" }],
      keptLines: 0,
      reReadCallIds: [],
      restoredReReadCallIds: [],
      duplicateOf: second?.uuid,
      summaryBytes: 872,
    });
    // Each result left the context at the compaction after it; the last read is still in it.
    expect(s.toolCalls.map((c) => c.droppedBy)).toEqual([...Array(4).fill(s.compactions[0]?.uuid), ...Array(3).fill(second?.uuid), undefined]);
  });

  it("auto-compact: Claude Code compacted when the API refused the prompt as too long, kept the last call and its result, and the large file was read again", () => {
    const s = byId(sessions, REC.sessionId("auto-compact"));
    const [line] = boundaries("auto-compact");
    expect(s.compactions.map((c) => [c.uuid, c.trigger, c.preTokens, c.postTokens, c.droppedTokens])).toEqual([[line?.uuid, "auto", 37_664, 2_793, 34_871]]);
    expect(s.compactions[0]?.loss).toEqual({
      toolOutputs: 1,
      toolOutputBytes: BIG_READ,
      toolOutputIds: [tool("Read", 14)],
      files: [{ path: BIG, reads: 1, bytes: BIG_READ, after: "referenced" }],
      keptLines: 5,
      reReadCallIds: [tool("Read", 17)],
      restoredReReadCallIds: [],
      duplicateOf: undefined,
      summaryBytes: 1_119,
    });
    expect(s.toolCalls.map((c) => [c.id, c.droppedBy])).toEqual([
      [tool("Read", 14), line?.uuid],
      [tool("Bash", 15), undefined],
      [tool("Read", 17), undefined],
    ]);
  });

  it("hooks-fail: every failure of claude-code-otel's hooks Claude Code recorded, named ours where it kept the command", () => {
    const s = byId(sessions, REC.sessionId("hooks-fail"));
    expect(s.hookErrors.map((h) => [h.event, h.failure, h.exitCode, h.owner, h.sidechain])).toEqual([
      ["SessionStart", "async_hook_response", 1, "claude-code-otel", false],
      // The async responses after the first carry no command, and the recording's stderr is filler.
      ["UserPromptSubmit", "async_hook_response", 1, "unknown", false],
      ["PostToolUse", "async_hook_response", 1, "unknown", false],
    ]);
    expect(s.hookErrors[0]?.command).toBe("'/usr/bin/node' '/home/user/.npm-global/lib/node_modules/claude-code-otel/bin/claude-code-otel.cjs' hook");
    for (const label of ["reread", "auto-compact", "big-outputs"]) expect(byId(sessions, REC.sessionId(label)).hookErrors).toEqual([]);
  });
});
