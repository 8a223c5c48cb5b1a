import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reportCachePath } from "../../src/pipeline/report-cache.js";
import { runCli } from "../support/cli.js";
import { CC_2_1_330, FIXTURES_DIR } from "../support/recorded-fixtures.js";

/**
 * Every recorded release's session files: 6 (2.1.330) + 6 (2.1.332) + 4 (2.1.17) + 5 (2.0.55, two
 * empty but for their subagents' files) + 5 (1.0.128, two summary-only). The cache has an entry for
 * each; the two summary-only files are no sessions (no activity), so the report has 24.
 */
const FILES = 26;
const SESSIONS = 24;
const LONG = CC_2_1_330.sessionId("long");

/** The UTC day the 2.1.330 set was recorded on, from its first timestamped line. */
function recordedDay(): string {
  const line = readFileSync(CC_2_1_330.transcript("parallel-fail"), "utf8")
    .split("\n")
    .find((l) => l.includes('"timestamp":"'));
  return (JSON.parse(line ?? "{}") as { timestamp: string }).timestamp.slice(0, 10);
}

interface Report {
  sessions: { sessionId: string; costUsd: number; requests: number; tokens: Record<string, number> }[];
  totals: { sessions: number; costUsd: number; requests: number };
  parse: { cachedSessions?: number; files: number; lines: number; parsed: number };
}

/** Every recorded session (test/fixtures, one folder per release) in one private projects folder, and a private home for the cache. */
function world(): { projects: string; home: string; long: string } {
  const root = mkdtempSync(join(tmpdir(), "cco-report-cache-"));
  const projects = join(root, "projects");
  for (const release of readdirSync(FIXTURES_DIR).filter((n) => n.startsWith("claude-code-"))) {
    cpSync(join(FIXTURES_DIR, release, "projects"), join(projects, release), { recursive: true });
  }
  return { projects, home: join(root, "otel"), long: join(projects, "claude-code-2.1.330", CC_2_1_330.projectDir) };
}

async function report(w: { projects: string; home: string }, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string; data: Report }> {
  const r = await runCli(["report", "--json", "--projects-dir", w.projects, ...args], { env: { CLAUDE_CODE_OTEL_HOME: w.home } });
  return { ...r, data: JSON.parse(r.stdout || "{}") as Report };
}

/** The report minus the one field that says where its figures came from. */
function figures(r: { stdout: string }): unknown {
  const data = JSON.parse(r.stdout) as Report;
  delete data.parse.cachedSessions;
  return data;
}

const cacheFile = (w: { projects: string; home: string }): string => reportCachePath(w.home, w.projects);

interface CacheLine {
  k: string;
  e: { digest: { toolCalls: number[] } | null };
}

/** The cache file: a header line, then one `{"k","e"}` line per session. */
function readCache(path: string): { header: string; entries: CacheLine[] } {
  const [header = "", ...rest] = readFileSync(path, "utf8").trimEnd().split("\n");
  return { header, entries: rest.map((l) => JSON.parse(l) as CacheLine) };
}

describe("report cache: unchanged sessions are not read again, and the report is the same", () => {
  it("a second report takes every session from the cache and prints exactly what reading every file prints", async () => {
    const w = world();
    const uncached = await report(w, "--no-cache");
    expect(existsSync(cacheFile(w))).toBe(false);
    const first = await report(w);
    const second = await report(w);
    const mainFiles = readdirSync(w.projects, { recursive: true, withFileTypes: true }).filter(
      (e) => e.isFile() && e.name.endsWith(".jsonl") && !e.name.startsWith("agent-") && !e.parentPath.endsWith("subagents"),
    );
    expect(mainFiles).toHaveLength(FILES);
    expect(uncached.data.totals.sessions).toBe(SESSIONS);
    expect(first.data.parse.cachedSessions).toBe(0);
    expect(second.data.parse.cachedSessions).toBe(SESSIONS);
    expect(figures(first)).toEqual(figures(uncached));
    expect(figures(second)).toEqual(figures(uncached));
    // The daily table too: it is folded from the cached per-request figures.
    const dailyUncached = await runCli(["report", "--daily", "--no-cache", "--projects-dir", w.projects], { env: { CLAUDE_CODE_OTEL_HOME: w.home } });
    const dailyCached = await runCli(["report", "--daily", "--projects-dir", w.projects], { env: { CLAUDE_CODE_OTEL_HOME: w.home } });
    expect(dailyCached.stdout).toBe(dailyUncached.stdout);
    expect(dailyCached.stdout).toContain(recordedDay());
    const verbose = await runCli(["report", "--verbose", "--projects-dir", w.projects], { env: { CLAUDE_CODE_OTEL_HOME: w.home } });
    expect(verbose.stdout).toContain(`${SESSIONS} sessions unchanged since the last report: figures from the report cache (--no-cache reads them again)`);
    const verboseUncached = await runCli(["report", "--verbose", "--no-cache", "--projects-dir", w.projects], { env: { CLAUDE_CODE_OTEL_HOME: w.home } });
    expect(verboseUncached.stdout).not.toContain("report cache");
  });

  it("filters give the same answer from the cache as from the files", async () => {
    const w = world();
    await report(w);
    for (const filter of [
      ["--session", LONG.slice(0, 8)],
      ["--project", "shop-api"],
      ["--since", "2026-01-01"],
      ["--until", "2025-09-01"],
    ]) {
      const cached = await report(w, ...filter);
      const read = await report(w, "--no-cache", ...filter);
      expect(cached.code).toBe(read.code);
      if (read.code === 0) expect(figures(cached)).toEqual(figures(read));
    }
  });

  it("an appended line re-reads just that session; a deleted session leaves the cache", async () => {
    const w = world();
    await report(w);
    const file = join(w.long, `${LONG}.jsonl`);
    // A new API response in the session: one more request of 1,000 input and 10 output tokens.
    appendFileSync(
      file,
      JSON.stringify({
        type: "assistant",
        sessionId: LONG,
        uuid: "11111111-2222-4333-8444-555555555555",
        parentUuid: null,
        timestamp: "2026-12-07T19:30:00.000Z",
        requestId: "req_appended",
        message: { id: "msg_appended", model: "claude-sonnet-4-5", role: "assistant", content: [{ type: "text", text: "ok" }], usage: { input_tokens: 1000, output_tokens: 10 } },
      }) + "\n",
    );
    const after = await report(w);
    const read = await report(w, "--no-cache");
    expect(after.data.parse.cachedSessions).toBe(SESSIONS - 1);
    expect(figures(after)).toEqual(figures(read));
    const session = after.data.sessions.find((s) => s.sessionId === LONG);
    // The recorded session: 11 requests with 19,410 uncached input tokens (scenarios.ts), plus the appended one.
    expect(session?.requests).toBe(12);
    expect(session?.tokens["input"]).toBe(19_410 + 1000);

    rmSync(file);
    const gone = await report(w);
    expect(gone.data.totals.sessions).toBe(SESSIONS - 1);
    expect(gone.data.parse.cachedSessions).toBe(SESSIONS - 1);
    const stored = readCache(cacheFile(w)).entries.map((e) => e.k);
    expect(stored).toHaveLength(FILES - 1);
    expect(stored.some((k) => k.includes(LONG))).toBe(false);
  });

  it("new price overrides make every cached price stale", async () => {
    const w = world();
    await report(w);
    mkdirSync(w.home, { recursive: true });
    writeFileSync(join(w.home, "config.json"), JSON.stringify({ prices: { "claude-*": { input_mtok: 100, output_mtok: 100 } } }));
    const overridden = await report(w);
    expect(overridden.data.parse.cachedSessions).toBe(0);
    expect(figures(overridden)).toEqual(figures(await report(w, "--no-cache")));
    writeFileSync(join(w.home, "no-overrides.json"), "{}");
    const before = figures(await report(w, "--no-cache", "--config", join(w.home, "no-overrides.json"))) as Report;
    expect(overridden.data.totals.costUsd).not.toBe(before.totals.costUsd);
  });

  it("a corrupt or tampered cache file is rebuilt, never trusted and never fatal", async () => {
    const w = world();
    const truth = figures(await report(w, "--no-cache"));
    await report(w);
    const path = cacheFile(w);
    const { header, entries } = readCache(path);
    // One entry's tool-call table points at a tool name that does not exist; another line is cut short.
    const tampered = entries.find((e) => (e.e.digest?.toolCalls.length ?? 0) > 0);
    if (tampered?.e.digest == null) throw new Error("no session with tool calls in the cache");
    tampered.e.digest.toolCalls[0] = 999;
    const lines = entries.map((e) => JSON.stringify(e));
    const cut = lines.findIndex((_, i) => entries[i] !== tampered && entries[i]?.e.digest !== null);
    lines[cut] = (lines[cut] as string).slice(0, 200);
    writeFileSync(path, [header, ...lines].join("\n") + "\n");
    const afterTamper = await report(w);
    expect(afterTamper.data.parse.cachedSessions).toBe(SESSIONS - 2);
    expect(figures(afterTamper)).toEqual(truth);
    const rewritten = readCache(path).entries;
    expect(rewritten).toHaveLength(FILES);
    expect(rewritten.find((e) => e.k === tampered.k)?.e.digest?.toolCalls[0]).not.toBe(999);

    writeFileSync(path, '{"format":2,"key":');
    const corrupt = await report(w, "--verbose");
    expect(corrupt.code).toBe(0);
    expect(corrupt.data.parse.cachedSessions).toBe(0);
    expect(figures(corrupt)).toEqual(truth);
    expect(corrupt.stderr).toContain("claude-code-otel: report cache unreadable (not JSON Lines with a header): rebuilding it");
    expect((await report(w)).data.parse.cachedSessions).toBe(SESSIONS);
  });

  it("a session with an unreadable file is read (and warned about) every time; a cache it cannot write is a warning", async () => {
    const w = world();
    const subagents = join(w.long, LONG, "subagents");
    mkdirSync(subagents, { recursive: true });
    symlinkSync("/nonexistent/agent.jsonl", join(subagents, "agent-adead0000000000.jsonl"));
    const first = await report(w);
    const second = await report(w);
    expect(second.data.parse.cachedSessions).toBe(SESSIONS - 1);
    for (const r of [first, second]) {
      expect(r.stderr).toContain(`cannot read ${join(subagents, "agent-adead0000000000.jsonl")}: no such file or directory`);
    }
    expect(figures(second)).toEqual(figures(first));

    const blocked = { projects: w.projects, home: join(w.projects, "..", "home-is-a-file") };
    writeFileSync(blocked.home, "");
    const r = await report(blocked);
    expect(r.code).toBe(0);
    expect(r.data.totals.sessions).toBe(SESSIONS);
    expect(r.stderr).toContain(`claude-code-otel: report cache off: cannot write ${join(blocked.home, "cache")}: not a directory (the report is complete;`);
    expect(readdirSync(join(w.projects, "..")).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });
});
