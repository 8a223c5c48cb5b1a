import { cpSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { discoverSessionSync, discoverSessionsSync } from "../../src/transcript/discover.js";
import { CC_2_0_55, CC_2_1_330 } from "../support/recorded-fixtures.js";

describe("discoverSessionSync: one session from its transcript path, as full discovery finds it", () => {
  it("subagents folders (2.1.x) and legacy sibling agent files (2.0.x) alike, and nothing of other sessions", () => {
    // One project folder holding both layouts: the recorded 2.1.330 and 2.0.55 sessions.
    const project = join(mkdtempSync(join(tmpdir(), "cco-discover-")), CC_2_1_330.projectDir);
    cpSync(CC_2_1_330.project, project, { recursive: true });
    cpSync(CC_2_0_55.project, project, { recursive: true });
    // A 2.0.x agent file lies beside the sessions and names its session inside (Warmups and the Task subagent alike).
    const legacy = CC_2_0_55.sessionId("agent");
    const named = readdirSync(CC_2_0_55.project)
      .filter((n) => n.startsWith("agent-"))
      .filter((n) => (JSON.parse(readFileSync(join(CC_2_0_55.project, n), "utf8").split("\n")[0] as string) as { sessionId: string }).sessionId === legacy)
      .map((n) => n.slice("agent-".length, -".jsonl".length))
      .sort();
    expect(named).toHaveLength(3);

    const all = discoverSessionsSync(project).sessions;
    expect(all.length).toBeGreaterThan(2);
    for (const expected of all) {
      const one = discoverSessionSync(join(project, `${expected.sessionId}.jsonl`), expected.sessionId);
      expect(one).toEqual(expected);
    }
    expect(
      discoverSessionSync(join(project, `${legacy}.jsonl`), legacy)
        ?.agentFiles.map((a) => [a.agentId, a.layout])
        .sort(),
    ).toEqual(named.map((id) => [id, "sibling-file"]));
    expect(all.find((s) => s.agentFiles.some((a) => a.layout === "subagents-dir"))).toBeDefined();
    expect(discoverSessionSync(join(project, "nope.jsonl"), "nope")).toBeUndefined();
  });
});

describe("discoverSessionsSync without fingerprints (replay's discovery)", () => {
  it("finds the same sessions, files, sizes and times; the fingerprint is empty (no report cache entry)", () => {
    const root = CC_2_1_330.projects;
    const withPrints = discoverSessionsSync(root, { keepStats: true, fingerprints: true }).sessions;
    const without = discoverSessionsSync(root, { keepStats: true, fingerprints: false }).sessions;
    expect(withPrints.some((s) => s.agentFiles.some((a) => a.metaPath !== undefined))).toBe(true);
    expect(withPrints.every((s) => s.fingerprint !== "")).toBe(true);
    expect(without).toEqual(withPrints.map((s) => ({ ...s, fingerprint: "" })));
  });
});

describe("discoverSessionsSync whenBytes (replay starts its workers during discovery)", () => {
  it("calls back once when the transcripts found reach the bytes, never below them; finds the same sessions", () => {
    const root = CC_2_1_330.projects;
    const all = discoverSessionsSync(root).sessions;
    const total = all.reduce((n, s) => n + s.bytes, 0);
    const calls = (bytes: number): number => {
      let n = 0;
      discoverSessionsSync(root, { whenBytes: { bytes, then: () => n++ } });
      return n;
    };
    expect([calls(0), calls(1), calls(total), calls(total + 1)]).toEqual([1, 1, 1, 0]);
    expect(discoverSessionsSync(root, { whenBytes: { bytes: 1, then: () => undefined } }).sessions).toEqual(all);
  });
});
