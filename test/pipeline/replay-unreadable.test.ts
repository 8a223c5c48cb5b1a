/**
 * Replay skips files without activity while they stay as they were (replay index), but only files
 * it could read: a file that failed to read (here a subagent transcript that is a folder at first)
 * is read again next time, even when its size and mtime are still the ones recorded.
 */
import { mkdirSync, rmdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveDestination } from "../../src/delivery/destination.js";
import { replay } from "../../src/pipeline/replay.js";
import { oneTurn, tempProjects, writeTranscript } from "../support/transcripts.js";

const SID = "7c1d2e3f-4444-4555-8666-777788889999";
const projects = tempProjects();
afterAll(() => rmSync(projects, { recursive: true, force: true }));

describe("a file replay could not read is not a file without activity", () => {
  it("read again on the next replay, though its size and mtime did not change", async () => {
    writeTranscript(projects, "-home-dev-work-demo", `${SID}.jsonl`, []);
    const agent = join(projects, "-home-dev-work-demo", SID, "subagents", "agent-a1.jsonl");
    mkdirSync(agent, { recursive: true });
    // A whole second: set again exactly on the file that takes the folder's place.
    const mtime = Math.floor(Date.now() / 1000) - 7200;
    utimesSync(agent, mtime, mtime);
    const options = {
      projectsDir: projects,
      stateDir: join(projects, "..", `${SID}-state`),
      destination: resolveDestination({ outputDir: join(projects, "..", `${SID}-out`) }, {}),
      env: {},
      jobs: 1,
    };
    const first = await replay(options);
    expect(first.warnings.some((w) => w.startsWith(`cannot read ${agent}:`))).toBe(true);
    expect(first.exported).toBe(0);

    // The same path, size and mtime, now a transcript with a turn in it.
    const was = statSync(agent);
    const lines = oneTurn(SID, "2026-11-23T10:00:00.000Z").map((l) => ({ ...l, isSidechain: true, agentId: "a1" }));
    const text = lines.map((l) => JSON.stringify(l)).join("\n") + "\n";
    expect(text.length).toBeLessThan(was.size);
    rmdirSync(agent);
    writeFileSync(agent, text + " ".repeat(was.size - text.length - 1) + "\n");
    utimesSync(agent, mtime, mtime);
    expect([statSync(agent).size, statSync(agent).mtimeMs]).toEqual([was.size, was.mtimeMs]);

    const second = await replay(options);
    expect(second.warnings).toEqual([]);
    expect(second.exported).toBe(1);
  });
});
