/**
 * Files under the projects folder that hold no session activity (a timestamped prompt, tool
 * result or response) are not sessions: Claude Code 1.0's summary-only files, 0-byte files,
 * any other JSONL. They became sessions starting at the epoch, counted in totals, in --daily and
 * by replay's session.count. And a session crossing midnight adds no empty row for the next day.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isEmptyInput } from "../../src/transcript/session-input.js";
import { loadSessionSync } from "../../src/transcript/load-session.js";
import { discoverSessionsSync } from "../../src/transcript/discover.js";
import { runCli } from "../support/cli.js";
import { CC_1_0_128 } from "../support/recorded-fixtures.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import { assistantLine, oneTurn, tempProjects, toolResultLine, userLine, writeTranscript } from "../support/transcripts.js";

const PROJECT = "-home-dev-work-demo";
const REAL = "0b5c8a3e-1111-4222-8333-944455556666";
/** A summary-only file Claude Code 1.0.128 wrote on resume (recorded with the real CLI: test/fixtures). */
const SUMMARY_ONLY = readFileSync(join(CC_1_0_128.project, "485845e8-50b0-4bf8-8168-cbb21dc09eca.jsonl"), "utf8").trimEnd().split("\n");

interface Report {
  sessions: { sessionId: string; startedAt: string }[];
  totals: { sessions: number; requests: number };
  daily: { date: string; sessions: number; requests: number; costUsd: number; toolCalls: number }[];
  parse: { files: number; skippedFiles: number };
}

/** One real session plus a summary-only file, a stray JSONL, a 0-byte file and a timestamped non-session line. */
function historyWithStrays(): string {
  const projects = tempProjects();
  writeTranscript(projects, PROJECT, `${REAL}.jsonl`, oneTurn(REAL, "2026-11-23T10:00:00.000Z"));
  writeTranscript(projects, PROJECT, "485845e8-50b0-4bf8-8168-cbb21dc09eca.jsonl", SUMMARY_ONLY);
  writeTranscript(projects, PROJECT, "notes.jsonl", ['{"hello":"world"}', '{"type":"file-history-snapshot","timestamp":"2026-11-20T09:00:00.000Z"}']);
  writeTranscript(projects, "elsewhere/deeper", "export.jsonl", ['{"type":"queue-operation","timestamp":"2026-11-21T09:00:00.000Z"}']);
  writeFileSync(join(projects, PROJECT, "0a0a0a0a-0000-4000-8000-000000000000.jsonl"), "");
  return projects;
}

const home = (): NodeJS.ProcessEnv => ({ CLAUDE_CODE_OTEL_HOME: mkdtempSync(join(tmpdir(), "cco-home-")) });

describe("files without session activity are skipped and counted, never a 1970 session", () => {
  it("the model's check: a timestamped prompt, tool result or response, in any file of the session", () => {
    expect(SUMMARY_ONLY.map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(["summary", "summary"]);
    const projects = historyWithStrays();
    const byId = new Map(discoverSessionsSync(projects).sessions.map((s) => [s.sessionId, s]));
    expect([...byId.keys()].sort()).toEqual(["0a0a0a0a-0000-4000-8000-000000000000", REAL, "485845e8-50b0-4bf8-8168-cbb21dc09eca", "export", "notes"].sort());
    const empty = (id: string): boolean => isEmptyInput(loadSessionSync(byId.get(id) as never).input);
    expect([REAL, "485845e8-50b0-4bf8-8168-cbb21dc09eca", "notes", "export", "0a0a0a0a-0000-4000-8000-000000000000"].map(empty)).toEqual([false, true, true, true, true]);
  });

  it("report --json: one session, totals and --daily without the epoch, parse.skippedFiles counts the strays; the cache agrees", async () => {
    const projects = historyWithStrays();
    const env = home();
    const first = await runCli(["report", "--json", "--daily", "--projects-dir", projects], { env });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const data = JSON.parse(first.stdout) as Report;
    expect(data.sessions.map((s) => [s.sessionId, s.startedAt])).toEqual([[REAL, "2026-11-23T10:00:00.000Z"]]);
    expect(data.totals).toMatchObject({ sessions: 1, requests: 1 });
    expect(data.daily.map((d) => [d.date, d.sessions, d.requests])).toEqual([["2026-11-23", 1, 1]]);
    expect(data.parse).toMatchObject({ files: 5, skippedFiles: 4 });
    const cached = await runCli(["report", "--json", "--daily", "--projects-dir", projects], { env });
    expect(JSON.parse(cached.stdout)).toEqual({ ...data, parse: { ...data.parse, cachedSessions: 1 } });
  });

  it("the table has no 1970 row; --verbose says how many files were skipped", async () => {
    const r = await runCli(["report", "--daily", "--verbose", "--no-cache", "--projects-dir", historyWithStrays()]);
    expect(r.stdout).toContain("Claude Code sessions: 1  (5 files, ");
    expect(r.stdout).not.toContain("1970");
    expect(r.stdout).toContain("4 files without a timestamped prompt or response (summary-only, or not a transcript): skipped");
  });

  it("a folder with nothing but a summary-only file has no sessions: exit 3", async () => {
    const projects = tempProjects();
    writeTranscript(projects, PROJECT, "485845e8-50b0-4bf8-8168-cbb21dc09eca.jsonl", SUMMARY_ONLY);
    const r = await runCli(["report", "--no-cache", "--projects-dir", projects]);
    expect(r).toEqual({ code: 3, stdout: "", stderr: `claude-code-otel: no Claude Code sessions found in ${projects}\n` });
    expect((await runCli(["errors", "485845e8", "--projects-dir", projects])).code).toBe(3);
  });

  describe("replay", () => {
    let receiver: OtlpReceiver | undefined;
    afterEach(async () => {
      await receiver?.close();
      receiver = undefined;
    });

    it("emits claude_code.session.count for the real session only", async () => {
      receiver = await startOtlpReceiver();
      const projects = historyWithStrays();
      const env = home();
      const r = await runCli(["replay", "--projects-dir", projects, "--endpoint", receiver.url, "--state-dir", join(env["CLAUDE_CODE_OTEL_HOME"] as string, "state")], { env });
      expect(r.code).toBe(0);
      const counts = receiver.points.filter((p) => p.name === "claude_code.session.count");
      expect(counts.map((p) => [p.attributes["project"], p.value])).toEqual([["demo", 1]]);
      expect(new Set(receiver.spans.map((s) => s.attributes["session.id"]))).toEqual(new Set([REAL]));
    });

    it("a replay with nothing new reads none of them again; one written since is read again, and a session once it has activity", async () => {
      receiver = await startOtlpReceiver();
      const projects = historyWithStrays();
      const env = home();
      const args = ["replay", "--projects-dir", projects, "--endpoint", receiver.url, "--state-dir", join(env["CLAUDE_CODE_OTEL_HOME"] as string, "state")];
      const summary = async (): Promise<string> => {
        const r = await runCli(args, { env });
        expect(r.code, r.stderr).toBe(0);
        return (r.stdout.split("\n")[0] ?? "").replace(/ in [\d.]+ s; read (\S+ \S+) \([^)]*\)/, "; read $1");
      };
      expect(await summary()).toMatch(/^replay: 1 sessions \(0 unchanged\), sent \d+ spans and \d+ metric points; read [\d.]+ KB; 0 warnings$/);
      expect(await summary()).toBe("replay: 1 sessions (1 unchanged), sent 0 spans and 0 metric points; read 0 B; 0 warnings");
      // A stray written since (still no activity) is read again, and only it.
      writeTranscript(projects, PROJECT, "notes.jsonl", ['{"hello":"world"}', '{"hello":"again"}']);
      expect(await summary()).toBe("replay: 1 sessions (1 unchanged), sent 0 spans and 0 metric points; read 36 B; 0 warnings");
      expect(await summary()).toBe("replay: 1 sessions (1 unchanged), sent 0 spans and 0 metric points; read 0 B; 0 warnings");
      // A file that gains activity is a session.
      const LATER = "0a0a0a0a-0000-4000-8000-000000000000";
      writeTranscript(projects, PROJECT, `${LATER}.jsonl`, oneTurn(LATER, "2026-11-24T10:00:00.000Z"));
      expect(await summary()).toMatch(/^replay: 2 sessions \(1 unchanged\), sent [1-9]\d* spans/);
      expect(new Set(receiver.spans.map((s) => s.attributes["session.id"]))).toEqual(new Set([REAL, LATER]));
    });
  });
});

describe("--daily: a session crossing midnight", () => {
  const S1 = "11111111-aaaa-4bbb-8ccc-000000000001";
  const S2 = "22222222-aaaa-4bbb-8ccc-000000000002";

  it("adds no '0 sessions $0.00' row for the day it merely ends on; a request after midnight counts on its day", async () => {
    const projects = tempProjects();
    // S1: prompt and response before midnight, the tool's result after it; no request after midnight.
    writeTranscript(projects, PROJECT, `${S1}.jsonl`, [
      userLine({ uuid: "u1", at: "2026-11-23T23:50:00.000Z", sessionId: S1, text: "run it", promptId: "p1" }),
      assistantLine({
        uuid: "a1",
        parentUuid: "u1",
        at: "2026-11-23T23:50:02.000Z",
        sessionId: S1,
        id: "m1",
        toolUse: { id: "t1", name: "Bash", input: { command: "sleep 900" } },
      }),
      toolResultLine({ uuid: "r1", parentUuid: "a1", at: "2026-11-24T00:05:00.000Z", sessionId: S1, toolUseId: "t1" }),
    ]);
    // S2: its second response comes after midnight.
    writeTranscript(projects, PROJECT, `${S2}.jsonl`, [
      ...oneTurn(S2, "2026-11-23T23:58:00.000Z"),
      userLine({ uuid: "u2", parentUuid: `${S2}-a1`, at: "2026-11-24T00:01:00.000Z", sessionId: S2, text: "more", promptId: "p2" }),
      assistantLine({ uuid: "a2", parentUuid: "u2", at: "2026-11-24T00:01:03.000Z", sessionId: S2, id: "m2", usage: { input_tokens: 100, output_tokens: 20 } }),
    ]);
    const r = await runCli(["report", "--json", "--daily", "--no-cache", "--projects-dir", projects]);
    const data = JSON.parse(r.stdout) as Report;
    expect(data.daily.map((d) => [d.date, d.sessions, d.requests, d.toolCalls])).toEqual([
      ["2026-11-23", 2, 2, 1],
      ["2026-11-24", 0, 1, 0],
    ]);
    expect(data.daily[1]?.costUsd).toBeGreaterThan(0);
    const text = await runCli(["report", "--daily", "--no-cache", "--projects-dir", projects]);
    const rows = text.stdout
      .split("Daily\n")[1]
      ?.split("\n")
      .filter((l) => /^\d{4}-/.test(l));
    expect(rows?.map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      ["2026-11-23", "2", "2"],
      ["2026-11-24", "0", "1"],
    ]);
    // Only S1: before, a 2026-11-24 row of 0 sessions, 0 requests and $0.00.
    const onlyS1 = JSON.parse((await runCli(["report", "--json", "--daily", "--no-cache", "--session", S1, "--projects-dir", projects])).stdout) as Report;
    expect(onlyS1.daily.map((d) => d.date)).toEqual(["2026-11-23"]);
  });
});
