import { copyFileSync, cpSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { discoverSessionSync, discoverSessionsSync } from "../../src/transcript/discover.js";
import { FIXTURES_2_1_330, PUBLIC_FIXTURES, requireSharedFixtures } from "../support/shared-fixtures.js";

const haveFixtures = requireSharedFixtures();

describe.skipIf(!haveFixtures)("discoverSessionSync: one session from its transcript path, as full discovery finds it", () => {
  it("subagents folders (2.1.x) and legacy sibling agent files (2.0.x) alike, and nothing of other sessions", () => {
    const project = join(mkdtempSync(join(tmpdir(), "cco-discover-")), "-home-dev-work-demo-app");
    cpSync(join(FIXTURES_2_1_330 as string, "-home-dev-work-demo-app"), project, { recursive: true });
    // A 2.0.x session: its agent file lies beside the sessions and names it inside.
    const legacy = "a7da6a22-facc-4fcd-8bab-f83c87862004";
    copyFileSync(join(PUBLIC_FIXTURES as string, "iansherr__claude-code-log", "-src-deep-manifest", "agent-c8d9b115.jsonl"), join(project, "agent-c8d9b115.jsonl"));
    const someMain = readdirSync(project).find((n) => n.endsWith(".jsonl") && !n.startsWith("agent-")) as string;
    copyFileSync(join(project, someMain), join(project, `${legacy}.jsonl`));

    const all = discoverSessionsSync(project).sessions;
    expect(all.length).toBeGreaterThan(2);
    for (const expected of all) {
      const one = discoverSessionSync(join(project, `${expected.sessionId}.jsonl`), expected.sessionId);
      expect(one).toEqual(expected);
    }
    expect(discoverSessionSync(join(project, `${legacy}.jsonl`), legacy)?.agentFiles.map((a) => [a.agentId, a.layout])).toEqual([["c8d9b115", "sibling-file"]]);
    expect(all.find((s) => s.agentFiles.some((a) => a.layout === "subagents-dir"))).toBeDefined();
    expect(discoverSessionSync(join(project, "nope.jsonl"), "nope")).toBeUndefined();
  });
});

describe.skipIf(!haveFixtures)("discoverSessionsSync without fingerprints (replay's discovery)", () => {
  it("finds the same sessions, files, sizes and times; the fingerprint is empty (no report cache entry)", () => {
    const root = FIXTURES_2_1_330 as string;
    const withPrints = discoverSessionsSync(root, { keepStats: true, fingerprints: true }).sessions;
    const without = discoverSessionsSync(root, { keepStats: true, fingerprints: false }).sessions;
    expect(withPrints.some((s) => s.agentFiles.some((a) => a.metaPath !== undefined))).toBe(true);
    expect(withPrints.every((s) => s.fingerprint !== "")).toBe(true);
    expect(without).toEqual(withPrints.map((s) => ({ ...s, fingerprint: "" })));
  });
});

describe.skipIf(!haveFixtures)("discoverSessionsSync whenBytes (replay starts its workers during discovery)", () => {
  it("calls back once when the transcripts found reach the bytes, never below them; finds the same sessions", () => {
    const root = FIXTURES_2_1_330 as string;
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
