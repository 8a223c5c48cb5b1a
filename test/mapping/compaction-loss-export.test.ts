/**
 * What a compaction lost, exported: the compaction span (counts and sizes always, paths with
 * content capture), the execute_tool span of a re-read, the claude_code.compaction.rereads points,
 * and when each goes out (the compaction's span once the session is over, its count and cost at
 * once, a re-read with its call). On the insights corpus recorded with the real Claude Code 2.1.330.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { sessionToMetricPoints } from "../../src/mapping/map-metrics.js";
import { sessionToSpans } from "../../src/mapping/map-spans.js";
import { NOTHING_EXPORTED, planExport } from "../../src/mapping/plan-export.js";
import type { Session } from "../../src/model/types.js";
import { roundUsd } from "../../src/util/usd.js";
import { INSIGHTS_2_1_330 as REC } from "../support/recorded-fixtures.js";
import { byId, loadAllSessions } from "../support/sessions.js";

const M = 1e6;
const CWD = "/home/user/work/shop-api";
const tool = (name: string, n: number): string => `toolu_${name}_insights_v2_1_330_${n}_0`;

describe("compaction loss in spans and metrics", () => {
  let reread: Session;
  let auto: Session;
  beforeAll(async () => {
    const sessions = await loadAllSessions(REC.projects);
    reread = byId(sessions, REC.sessionId("reread"));
    auto = byId(sessions, REC.sessionId("auto-compact"));
  });

  const compactionSpans = (s: Session, captureContent = false) =>
    sessionToSpans(s, { final: true, destinations: false, captureContent }).filter((x) => x.name === "claude_code.compaction");

  it("each compaction span carries what it lost, what was read again and what that cost; paths only with content capture", () => {
    const [first, second, third] = compactionSpans(reread);
    const base = (c: (typeof reread.compactions)[number]) => ({
      "session.id": reread.sessionId,
      "claude_code.compaction.trigger": "manual",
      "claude_code.compaction.pre_tokens": c.preTokens,
      "claude_code.compaction.post_tokens": c.postTokens,
      "claude_code.compaction.dropped_tokens": c.droppedTokens,
      // The summarising call (the stub's summary: 3,050 in, 380 out at $3/$15 per million).
      "claude_code.cost_usd": expect.closeTo((3_050 * 3 + 380 * 15) / M, 12) as number,
      "claude_code.cost.source": "ledger",
      "claude_code.compaction.summary_bytes": c.loss.summaryBytes,
    });
    const [c1, c2, c3] = reread.compactions;
    const readAgain = reread.toolCalls.find((c) => c.id === tool("Read", 7));
    expect(first?.attributes).toEqual({
      ...base(c1!),
      "claude_code.compaction.cache_rebuild_usd": expect.closeTo((5_800 * 3.75) / M, 12) as number,
      "claude_code.compaction.tool_outputs": 4,
      "claude_code.compaction.tool_output_bytes": 77_402,
      "claude_code.compaction.files": 3,
      "claude_code.compaction.files_restored": 2,
      "claude_code.compaction.files_lost": 1,
      "claude_code.compaction.rereads": 1,
      "claude_code.compaction.reread_cost_usd": roundUsd(readAgain?.cost.usd ?? NaN),
      "claude_code.compaction.reread_duration_ms": (readAgain?.endTime ?? 0) - (readAgain?.startTime ?? 0),
      "claude_code.compaction.kept_lines": 3,
    });
    expect(second?.attributes).toMatchObject({ "claude_code.compaction.files": 3, "claude_code.compaction.files_lost": 2, "claude_code.compaction.rereads": 1 });
    expect(second?.attributes["claude_code.compaction.duplicate_of"]).toBeUndefined();
    expect(third?.attributes).toMatchObject({
      "claude_code.compaction.tool_outputs": 0,
      "claude_code.compaction.files_lost": 1,
      "claude_code.compaction.rereads": 0,
      "claude_code.compaction.kept_lines": 0,
      "claude_code.compaction.duplicate_of": c2?.uuid,
    });
    expect(Object.keys(first?.attributes ?? {}).filter((k) => k.endsWith("_paths"))).toEqual([]);
    const [p1, p2, p3] = compactionSpans(reread, true);
    expect([p1, p2, p3].map((x) => [x?.attributes["claude_code.compaction.lost_file_paths"], x?.attributes["claude_code.compaction.reread_file_paths"]])).toEqual([
      [[`${CWD}/data/big.txt`], [`${CWD}/data/big.txt`]],
      [[`${CWD}/data/big.txt`, `${CWD}/src/index.ts`], [`${CWD}/src/index.ts`]],
      [[`${CWD}/README.md`], []],
    ]);
    expect([first, second, third].map((x) => x?.unitKey)).toEqual([c1, c2, c3].map((c) => `compaction:${c?.uuid}`));
  });

  it("the execute_tool span of a re-read names the compaction whose loss it repairs", () => {
    const spans = sessionToSpans(auto, { final: true, destinations: false });
    const reads = spans.filter((x) => x.name === "execute_tool Read").map((x) => [x.attributes["gen_ai.tool.call.id"], x.attributes["claude_code.tool.reread_after_compaction"]]);
    expect(reads).toEqual([
      [tool("Read", 14), undefined],
      [tool("Read", 17), auto.compactions[0]?.uuid],
    ]);
  });

  it("claude_code.compaction.rereads: one point per re-read, with the trigger of the compaction that lost the file, on the re-read's unit", () => {
    const rereads = (s: Session) =>
      sessionToMetricPoints(s, { final: true })
        .filter((p) => p.metric === "compactionRereads")
        .map((p) => [p.value, p.unitKey, p.attributes]);
    expect(rereads(reread)).toEqual([
      [1, `tool:${tool("Read", 7)}`, { project: "shop-api", trigger: "manual" }],
      [1, `tool:${tool("Read", 12)}`, { project: "shop-api", trigger: "manual" }],
    ]);
    expect(rereads(auto)).toEqual([[1, `tool:${tool("Read", 17)}`, { project: "shop-api", trigger: "auto" }]]);
  });

  it("while the session runs, a compaction's count and cost go at once and its span waits for the session's end", () => {
    const live = planExport(reread, NOTHING_EXPORTED, { final: false, destinations: false });
    expect(live.spans.filter((x) => x.name === "claude_code.compaction")).toEqual([]);
    expect(live.points.filter((p) => p.metric === "compactionCount").map((p) => p.unitKey)).toEqual(reread.compactions.map((c) => `compaction:${c.uuid}`));
    expect(live.points.filter((p) => p.metric === "compactionRereads")).toHaveLength(2);
    expect(live.spanKeys.filter((k) => k.startsWith("compaction:"))).toEqual([]);
    const exported = { spanUnits: new Set(live.spanKeys), metricUnits: new Set(live.metricKeys) };
    const end = planExport(reread, exported, { final: true, destinations: false });
    expect(end.spans.filter((x) => x.name === "claude_code.compaction").map((x) => x.unitKey)).toEqual(reread.compactions.map((c) => `compaction:${c.uuid}`));
    // Nothing counted twice.
    expect(end.points.filter((p) => p.metric === "compactionCount" || p.metric === "compactionRereads")).toEqual([]);
  });
});
