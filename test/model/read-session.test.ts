/**
 * readSessionSync: the one step from a session's files to its model, shared by report's scans,
 * replay and watch, the hooks' flusher and cost alerts.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createPricer } from "../../src/cost/price-request.js";
import { buildSession } from "../../src/model/build-session.js";
import { readSessionSync } from "../../src/model/read-session.js";
import { discoverSessionsSync } from "../../src/transcript/discover.js";
import { loadSessionSync } from "../../src/transcript/load-session.js";
import { CC_1_0_128, CC_2_1_330 } from "../support/recorded-fixtures.js";

describe("readSessionSync", () => {
  it("a session with its subagents: the model buildSession makes of what loadSessionSync read, and the same parse counts", () => {
    const source = discoverSessionsSync(CC_2_1_330.projects).sessions.find((s) => s.sessionId === CC_2_1_330.sessionId("agent-bg"));
    expect(source?.agentFiles.length).toBeGreaterThan(0);
    const read = readSessionSync(source!, createPricer());
    const loaded = loadSessionSync(source!);
    expect(read.session).toEqual(buildSession(loaded.input, createPricer()));
    expect(read.stats).toEqual(loaded.stats);
    expect(read.stats.bytes).toBeGreaterThan(0);
    expect(read.unreadable).toEqual([]);
  });

  it("a summary-only file (real 1.0.128 output) is no session: undefined, its lines still counted", () => {
    const summaryOnly = readdirSync(CC_1_0_128.project).filter((name) => {
      const lines = readFileSync(join(CC_1_0_128.project, name), "utf8").split("\n").filter(Boolean);
      return name.endsWith(".jsonl") && lines.length > 0 && lines.every((l) => l.includes('"type":"summary"'));
    });
    expect(summaryOnly).toHaveLength(2);
    const sources = discoverSessionsSync(CC_1_0_128.projects).sessions.filter((s) => s.mainFile !== undefined && summaryOnly.some((f) => s.mainFile!.endsWith(f)));
    expect(sources).toHaveLength(2);
    for (const source of sources) {
      const read = readSessionSync(source, createPricer());
      expect(read.session).toBeUndefined();
      expect(read.stats.lines).toBeGreaterThan(0);
    }
  });
});
