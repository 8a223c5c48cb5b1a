/** The hooks' per-session facts files (tool durations, prompt origins): first value wins, any key Claude Code sends. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadToolDurationsSync, recordToolDurationsSync, toolDurationsPath } from "../../src/state/tool-durations.js";
import { loadPromptSourcesSync, recordPromptSourcesSync, promptOriginsPath } from "../../src/state/prompt-origins.js";

const stateDir = mkdtempSync(join(tmpdir(), "cco-facts-"));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe("per-session facts", () => {
  it("the first value per key is kept; the file holds every value recorded, in its format", () => {
    const current = loadToolDurationsSync(stateDir, "s1");
    expect({ ...current }).toEqual({});
    expect(recordToolDurationsSync(stateDir, "s1", current, { toolu_a: 120, toolu_b: 7 })).toBe(true);
    expect(recordToolDurationsSync(stateDir, "s1", current, { toolu_a: 999 })).toBe(false);
    expect(JSON.parse(readFileSync(toolDurationsPath(stateDir, "s1"), "utf8"))).toEqual({ version: 1, sessionId: "s1", durationsMs: { toolu_a: 120, toolu_b: 7 } });
    expect({ ...loadToolDurationsSync(stateDir, "s1") }).toEqual({ toolu_a: 120, toolu_b: 7 });
  });

  it("keys that name Object's own properties are recorded and read back like any other", () => {
    const current = loadPromptSourcesSync(stateDir, "s2");
    const added = JSON.parse('{"constructor":"system","__proto__":"loop_wakeup","toString":"poll_event"}') as Record<string, string>;
    expect(recordPromptSourcesSync(stateDir, "s2", current, added)).toBe(true);
    const read = loadPromptSourcesSync(stateDir, "s2");
    expect(Object.entries(read).sort()).toEqual([
      ["__proto__", "loop_wakeup"],
      ["constructor", "system"],
      ["toString", "poll_event"],
    ]);
    const durations = loadToolDurationsSync(stateDir, "s3");
    expect(recordToolDurationsSync(stateDir, "s3", durations, { constructor: 5 })).toBe(true);
    expect(Object.entries(loadToolDurationsSync(stateDir, "s3"))).toEqual([["constructor", 5]]);
  });

  it("a corrupt file is set aside and reads as none", () => {
    writeFileSync(promptOriginsPath(stateDir, "s4"), '{"version":1,"sessionId":"s4","sources":{"p":7}}');
    expect(Object.keys(loadPromptSourcesSync(stateDir, "s4"))).toEqual([]);
    const kept = readdirSync(join(stateDir, "sessions")).filter((n) => n.startsWith("s4.origins.json"));
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatch(/^s4\.origins\.json\.corrupt-\d+$/);
  });
});
