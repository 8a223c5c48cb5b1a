/** The report's and errors' tables as a person sees them: times, sizes, plurals, the terminal's width. */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { visibleLength } from "../../src/report/table.js";
import { runCli } from "../support/cli.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";
import { assistantLine, oneTurn, tempProjects, toolResultLine, userLine, writeTranscript } from "../support/transcripts.js";

const EXAMPLES = join(REPO_ROOT, "examples", "projects");
const S = "5e55e55e-0000-4000-8000-00000000000a";

describe("report --timezone", () => {
  it("a session at 18:52 UTC started at 00:22 in Asia/Kolkata, on the next day (it printed 24:22)", async () => {
    const projects = tempProjects();
    writeTranscript(projects, "-home-dev-work-demo", `${S}.jsonl`, oneTurn(S, "2026-11-23T18:52:10.000Z"));
    const r = await runCli(["report", "--daily", "--no-cache", "--timezone", "Asia/Kolkata", "--projects-dir", projects]);
    expect(r.code).toBe(0);
    const row = r.stdout.split("\n").find((l) => l.startsWith("5e55e55e"));
    expect(row).toMatch(/^5e55e55e {2}demo {5}2026-11-24 00:22 /);
    expect(r.stdout).not.toContain("24:22");
    expect(r.stdout.split("\n").filter((l) => /^\d{4}-\d\d-\d\d /.test(l))).toEqual([expect.stringMatching(/^2026-11-24 +1 +1 /)]);
  });
});

describe("the report's header: plurals and sizes for people", () => {
  it("1 file of 38 KB is '1 file, 38 KB' (it said '1 files, 0.0 MB')", async () => {
    const projects = tempProjects();
    const path = writeTranscript(projects, "-home-dev-work-demo", `${S}.jsonl`, oneTurn(S, "2026-11-23T10:00:00.000Z", { text: "x".repeat(37_400) }));
    const size = statSync(path).size;
    expect(size).toBeGreaterThanOrEqual(37_500);
    expect(size).toBeLessThan(38_500);
    const r = await runCli(["report", "--no-cache", "--projects-dir", projects]);
    expect(r.stdout.split("\n")[0]).toBe("Claude Code sessions: 1  (1 file, 38 KB)");
    const examples = await runCli(["report", "--no-cache", "--projects-dir", EXAMPLES]);
    expect(examples.stdout.split("\n")[0]).toBe("Claude Code sessions: 5  (7 files, 1.9 MB)");
  });
});

/** A session whose failed calls have long commands and long error texts, as real ones do. */
function sessionWithLongErrors(): string {
  const projects = tempProjects();
  const long = `npm run build && node scripts/deploy.js --target production --region eu-west-1 --verbose`;
  const error = `Error: ENOENT: no such file or directory, open '/home/dev/work/demo/config/production.json'\n    at Object.openSync (node:fs:573:18)\n    at readConfig (/home/dev/work/demo/scripts/deploy.js:12:20)`;
  writeTranscript(projects, "-home-dev-work-demo", `${S}.jsonl`, [
    userLine({ uuid: "u1", at: "2026-11-23T10:00:00.000Z", sessionId: S, text: "deploy", promptId: "p1" }),
    assistantLine({ uuid: "a1", parentUuid: "u1", at: "2026-11-23T10:00:01.000Z", sessionId: S, id: "m1", toolUse: { id: "t1", name: "Bash", input: { command: long } } }),
    toolResultLine({ uuid: "r1", parentUuid: "a1", at: "2026-11-23T10:00:05.000Z", sessionId: S, toolUseId: "t1", error }),
    assistantLine({
      uuid: "a2",
      parentUuid: "r1",
      at: "2026-11-23T10:00:06.000Z",
      sessionId: S,
      id: "m2",
      toolUse: { id: "t2", name: "Read", input: { file_path: "/home/dev/work/demo/config/production.json" } },
    }),
    toolResultLine({ uuid: "r2", parentUuid: "a2", at: "2026-11-23T10:00:07.000Z", sessionId: S, toolUseId: "t2", error: "File does not exist." }),
  ]);
  return projects;
}

const longest = (text: string): number => Math.max(...text.split("\n").map(visibleLength));

describe("tables fit the terminal", () => {
  it("errors: the error text is cut with an ellipsis to the width (it was ~330 columns whatever the terminal)", async () => {
    const projects = sessionWithLongErrors();
    const wide = await runCli(["errors", S, "--projects-dir", projects], { columns: 400 });
    // One line per call: the error's newlines are spaces.
    expect(wide.stdout).toContain("Error: ENOENT: no such file or directory, open '/home/dev/work/demo/config/production.json'     at Object.openSync");
    expect(wide.stdout.split("\n")[0]).toBe(`Session ${S} (demo, 2026-11-23 10:00): 2 of 2 tool calls failed`);
    for (const columns of [80, 100, 120]) {
      const r = await runCli(["errors", S, "--projects-dir", projects], { columns });
      const table = r.stdout.split("\n").slice(2).join("\n");
      expect(longest(table), `${columns}`).toBeLessThanOrEqual(columns);
      expect(r.stdout).toMatch(/Error: ENOENT: no such f.*…\n/);
      expect(r.stdout).toContain("File does not exist.");
    }
  });

  it("report: free text cut first, then the least needed columns left out and named", async () => {
    for (const columns of [80, 100, 120, 160]) {
      const r = await runCli(["report", "--daily", "--no-cache", "--projects-dir", EXAMPLES], { columns });
      expect(longest(r.stdout), `${columns}`).toBeLessThanOrEqual(columns);
      expect(r.stdout).toMatch(/^TOTAL .* \$1\.65 /m);
    }
    const at80 = await runCli(["report", "--no-cache", "--projects-dir", EXAMPLES], { columns: 80 });
    expect(at80.stdout.split("\n")[2]).toBe("Session   Project   Started           Models            Reqs   Cost  Tools  Fail");
    expect(at80.stdout).toContain("(Duration, Turns, Input, Output, Cache rd, Cache wr, Fail %, Compact, Cache hit\nleft out to fit 80 columns; --json has every field)");
    const at200 = await runCli(["report", "--no-cache", "--projects-dir", EXAMPLES], { columns: 200 });
    expect(at200.stdout).not.toContain("left out");
    expect(at200.stdout.split("\n")[2]).toMatch(
      /^Session +Project +Started +Duration +Models +Turns +Reqs +Input +Output +Cache rd +Cache wr +Cost +Tools +Fail +Fail % +Compact +Cache hit$/,
    );
  });

  const bin = join(REPO_ROOT, "bin", "claude-code-otel.js");
  it.skipIf(!existsSync(join(REPO_ROOT, "dist", "cli", "main.js")))("the process: COLUMNS when stdout is not a terminal, else 160", () => {
    const projects = sessionWithLongErrors();
    const run = (env: NodeJS.ProcessEnv): string =>
      spawnSync(process.execPath, [bin, "errors", S, "--projects-dir", projects], { encoding: "utf8", env: { PATH: process.env["PATH"], TZ: "UTC", ...env } }).stdout;
    expect(longest(run({ COLUMNS: "90" }))).toBeLessThanOrEqual(90);
    expect(longest(run({}).split("\n").slice(2).join("\n"))).toBe(160);
  });
});
