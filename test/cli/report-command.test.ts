import type { ChildProcessByStdio } from "node:child_process";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { CC_2_1_330, lastLedger } from "../support/recorded-fixtures.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";

const FIXTURES = CC_2_1_330.projects;
/** The UTC day the 2.1.330 set was recorded on, from its first timestamped line. */
const DAY = (
  JSON.parse(
    readFileSync(CC_2_1_330.transcript("parallel-fail"), "utf8")
      .split("\n")
      .find((l) => l.includes('"timestamp":"')) ?? "{}",
  ) as { timestamp: string }
).timestamp.slice(0, 10);
const nextDay = new Date(Date.parse(DAY) + 86_400_000).toISOString().slice(0, 10);

function tempProjects(): string {
  return mkdtempSync(join(tmpdir(), "cco-projects-"));
}

describe("report: bad input gets a clear one-line message and an exit code scripts can use", () => {
  it("missing folder → exit 3", async () => {
    const r = await runCli(["report", "--projects-dir", "/nonexistent/projects"]);
    expect(r).toEqual({
      code: 3,
      stdout: "",
      stderr: "claude-code-otel report: cannot read Claude Code projects folder /nonexistent/projects: no such file or directory (set --projects-dir or CLAUDE_CONFIG_DIR)\n",
    });
  });

  it("a folder with no transcripts → exit 3, nothing on stdout", async () => {
    const dir = tempProjects();
    const r = await runCli(["report", "--projects-dir", dir]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`claude-code-otel: no Claude Code sessions found in ${dir}\n`);
  });

  it("a TZ Intl does not take (empty, POSIX form) falls back to the system's zone; only --timezone is checked strictly", async () => {
    for (const TZ of ["", ":/etc/localtime", "UTC0"]) {
      const r = await runCli(["report", "--json", "--no-cache", "--projects-dir", join(REPO_ROOT, "examples", "projects")], { env: { TZ } });
      expect(r.code).toBe(0);
    }
  });

  it("unknown flags and bad dates are usage errors → exit 2", async () => {
    expect((await runCli(["report", "--frobnicate"])).code).toBe(2);
    const bad = await runCli(["report", "--since", "last tuesday", "--projects-dir", tempProjects()]);
    expect(bad).toEqual({ code: 2, stdout: "", stderr: 'claude-code-otel report: --since must be a date (YYYY-MM-DD), got "last tuesday"\n' });
    expect((await runCli(["nonsense"])).code).toBe(2);
  });

  it("corrupt lines and unreadable files are reported, other sessions still counted", async () => {
    const dir = tempProjects();
    cpSync(CC_2_1_330.project, join(dir, "demo"), { recursive: true });
    writeFileSync(join(dir, "demo", `${CC_2_1_330.sessionId("parallel-fail")}.jsonl`), "{not json\n\n", { flag: "a" });
    symlinkSync("/nonexistent/target.jsonl", join(dir, "demo", "dangling.jsonl"));
    const r = await runCli(["report", "--projects-dir", dir, "--json"]);
    expect(r.code).toBe(0);
    const data = JSON.parse(r.stdout) as { sessions: unknown[]; parse: { invalid: number; unreadable: { path: string; reason: string }[] } };
    expect(data.sessions).toHaveLength(6);
    expect(data.parse.invalid).toBe(1);
    expect(data.parse.unreadable).toEqual([{ path: join(dir, "demo", "dangling.jsonl"), reason: "no such file or directory" }]);
    expect(r.stderr).toContain(`claude-code-otel: warning: cannot read ${join(dir, "demo", "dangling.jsonl")}: no such file or directory`);
  });
});

describe("report on the recorded 2.1.330 sessions", () => {
  it("--json keeps the contract's field names and Claude Code's own totals", async () => {
    const r = await runCli(["report", "--projects-dir", FIXTURES, "--json"]);
    expect(r.code).toBe(0);
    const data = JSON.parse(r.stdout) as { sessions: Record<string, unknown>[]; totals: Record<string, unknown> };
    const compacted = data.sessions.find((s) => s["sessionId"] === CC_2_1_330.sessionId("long"));
    // The long session as scenarios.ts scripts its eleven requests (the compaction call leaves no assistant line).
    expect(compacted).toMatchObject({
      project: "shop-api",
      startedAt: expect.stringMatching(new RegExp(`^${DAY}T\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$`)),
      models: ["claude-sonnet-4-5"],
      turns: 3,
      requests: 11,
      tokens: { input: 19_410, output: 1_613, cacheRead: 222_670, cacheCreation: 188_762 + 17_930 },
      costUsd: lastLedger(CC_2_1_330.transcript("long")).totalCostUSD,
      costSource: "ledger",
      toolCalls: 8,
      toolFailures: 2,
      compactions: 1,
    });
    expect(compacted?.["costUsd"]).toBe(0.9802035);
    expect(compacted?.["cacheHitRatio"]).toBeCloseTo(222_670 / (19_410 + 222_670 + 206_692), 12);
    // turns 1+1+1+1+3+3 (agent-bg's second turn is the background task's notification: Claude Code's, not a person's),
    // requests 2+4+4+5+11+5, tool calls 3+3+2+2+8+2, failures 1+1+0+0+2+0
    expect(data.totals).toMatchObject({ sessions: 6, turns: 10, requests: 31, toolCalls: 20, toolFailures: 4, compactions: 1 });
    const ledgerTotal = ["parallel-fail", "edit-files", "agent", "agent-bg", "long", "rewind"].reduce((sum, l) => sum + lastLedger(CC_2_1_330.transcript(l)).totalCostUSD, 0);
    expect(data.totals["costUsd"]).toBeCloseTo(ledgerTotal, 9);
    expect(data.totals["costUsd"]).toBeCloseTo(1.81237755, 9);
  });

  it("filters by session prefix, project and dates", async () => {
    const dir = FIXTURES;
    const ids = async (...args: string[]) => {
      const r = await runCli(["report", "--projects-dir", dir, "--json", ...args]);
      return r.code === 0 ? (JSON.parse(r.stdout) as { sessions: { sessionId: string }[] }).sessions.map((s) => s.sessionId.slice(0, 8)) : r.code;
    };
    const parallel = CC_2_1_330.sessionId("parallel-fail").slice(0, 8);
    expect(await ids("--session", parallel.slice(0, 4))).toEqual([parallel]);
    expect((await ids("--project", "shop-api")) as string[]).toHaveLength(6);
    expect(await ids("--project", "elsewhere")).toBe(3);
    expect((await ids("--since", DAY, "--until", DAY.replace(/-/g, ""))) as string[]).toHaveLength(6);
    expect(await ids("--since", nextDay)).toBe(3);
  });

  it("renders an aligned table without colour when not on a TTY, with colour when forced", async () => {
    const plain = await runCli(["report", "--projects-dir", FIXTURES, "--daily"]);
    expect(plain.stdout).not.toContain("\u001b[");
    const lines = plain.stdout.split("\n");
    const header = lines.find((l) => l.startsWith("Session"));
    const total = lines.find((l) => l.startsWith("TOTAL"));
    expect(header?.indexOf("Cost")).toBeGreaterThan(0);
    expect(total).toContain("$1.81");
    expect(plain.stdout).toContain("Top failing tools");
    expect(plain.stdout).toContain(DAY);
    const coloured = await runCli(["report", "--projects-dir", FIXTURES], { color: true });
    expect(coloured.stdout).toContain("\u001b[");
  });

  it("errors <session>: each failed call with its command or path and the error text", async () => {
    // edit-files: Write, Edit, then a Read of a CHANGELOG.md that does not exist.
    const r = await runCli(["errors", CC_2_1_330.sessionId("edit-files").slice(0, 8), "--projects-dir", FIXTURES, "--json"]);
    expect(r.code).toBe(0);
    const data = JSON.parse(r.stdout) as { failures: Record<string, unknown>[] };
    expect(data.failures).toHaveLength(1);
    expect(data.failures[0]).toMatchObject({ tool: "Read", turn: 1, agent: "main", target: "/home/user/work/shop-api/CHANGELOG.md" });
    expect((await runCli(["errors", "ffffffff", "--projects-dir", FIXTURES])).code).toBe(3);
  });
});

describe("terminal safety", () => {
  it("escape sequences from transcript content never reach the terminal", async () => {
    const dir = tempProjects();
    mkdirSync(join(dir, "p"));
    const evil = "\u001b]0;pwned\u0007\u001b[2J";
    const lines = [
      { type: "user", uuid: "u1", parentUuid: null, timestamp: "2025-07-01T10:00:00.000Z", cwd: `/x/${evil}proj`, sessionId: "s1", message: { role: "user", content: "go" } },
      {
        type: "assistant",
        uuid: "a1",
        parentUuid: "u1",
        timestamp: "2025-07-01T10:00:01.000Z",
        sessionId: "s1",
        requestId: "r1",
        message: {
          id: "m1",
          model: "claude-sonnet-4-20250514",
          content: [{ type: "tool_use", id: "t1", name: `Bash${evil}`, input: { command: `echo ${evil}` } }],
          usage: { input_tokens: 1, output_tokens: 1 },
        },
      },
      {
        type: "user",
        uuid: "u2",
        parentUuid: "a1",
        timestamp: "2025-07-01T10:00:02.000Z",
        sessionId: "s1",
        message: { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", is_error: true, content: `failed ${evil} token=sk-ant-api03-abcdefghijklmnopqrstuvwxyz` }] },
      },
    ];
    writeFileSync(join(dir, "p", "s1.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    const report = await runCli(["report", "--projects-dir", dir]);
    const errors = await runCli(["errors", "s1", "--projects-dir", dir]);
    for (const out of [report.stdout, errors.stdout]) {
      for (const raw of ["\u001b]", "\u0007", "\u001b[2J"]) expect(out).not.toContain(raw);
      expect(out).toContain("\\x1b");
    }
    expect(errors.stdout).not.toContain("sk-ant-api03");
    expect(errors.stdout).toContain("[REDACTED]");
  });
});

describe("the installed bin", () => {
  const bin = join(REPO_ROOT, "bin", "claude-code-otel.js");
  const built = existsSync(join(REPO_ROOT, "dist", "cli", "main.js"));
  if (!built && process.env["CI"] === "true") throw new Error("dist/ is missing: npm test builds before testing");

  it.skipIf(!built)("exits with the documented code and never prints a stack trace", () => {
    const r = spawnSync(process.execPath, [bin, "report", "--projects-dir", "/nonexistent"], { encoding: "utf8" });
    expect(r.status).toBe(3);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(execFileSync(process.execPath, [bin, "--version"], { encoding: "utf8" })).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  /** `replay` on the fixtures in its own process and a fresh home, both output pipes open. */
  const spawnReplay = (...args: string[]): ChildProcessByStdio<null, Readable, Readable> => {
    const home = mkdtempSync(join(tmpdir(), "cco-epipe-"));
    return spawn(process.execPath, [bin, "replay", "--projects-dir", FIXTURES, "--state-dir", join(home, "state"), ...args], {
      env: { ...process.env, CLAUDE_CODE_OTEL_HOME: home, TZ: "UTC" },
      stdio: ["ignore", "pipe", "pipe"],
    });
  };

  it.skipIf(!built)("a reader that closes the pipe early (replay --console | head -1) ends the output, not the command", async () => {
    const child = spawnReplay("--console");
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    // Like `head -1`: read the first chunk, then close our end.
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it.skipIf(!built)("the same for stderr (replay --verbose 2>&1 | head -1): the command finishes and says so on stdout", async () => {
    const child = spawnReplay("--dry-run", "--verbose");
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.once("data", () => child.stderr.destroy());
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stdout).toMatch(/^replay: \d+ sessions .* would send \d+ spans/);
    expect(code).toBe(0);
  });
});
