// Reads the recorded Claude Code 2.1.330 sessions (test/fixtures, copied to a temp dir).
import { ALL_SERIES } from "../support/prometheus-series.js";
import { captureIO } from "../support/cli.js";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { watchCommand } from "../../src/cli/watch-command.js";
import type { Session } from "../../src/model/types.js";
import { sessionToSpans } from "../../src/mapping/map-spans.js";
import { CC_2_1_330 } from "../support/recorded-fixtures.js";
import { loadAllSessions } from "../support/sessions.js";
import { auditArrivals } from "../support/parents-first.js";
import { restamp } from "../support/destinations.js";
import { settleUpserts } from "../support/upserts.js";
import { expectTotalsEqualReport, reportTotals } from "../support/exported-spans.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";

const PROJECT = CC_2_1_330.projectDir;
const LONG = CC_2_1_330.sessionId("long");

async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("watch", () => {
  let sessions: Session[];
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    sessions = await loadAllSessions(CC_2_1_330.projects);
  });
  afterEach(async () => {
    await receiver?.close();
  });

  it("--once exports every finished session exactly once; a second pass sends nothing", async () => {
    receiver = await startOtlpReceiver();
    const root = mkdtempSync(join(tmpdir(), "cco-watch-"));
    cpSync(CC_2_1_330.projects, join(root, "projects"), { recursive: true });
    const argv = ["--projects-dir", join(root, "projects"), "--state-dir", join(root, "state"), "--endpoint", receiver.url, "--idle-minutes", "0", "--once"];
    expect(await watchCommand(argv, captureIO())).toBe(0);
    const expectedIds = sessions.flatMap((s) => sessionToSpans(s, { final: true }).map((x) => x.spanId)).sort();
    expect(receiver.spans.map((s) => s.spanId).sort()).toEqual(expectedIds);
    expectTotalsEqualReport(receiver.points, sessions);
    // One heartbeat (delivery/heartbeat.ts), after the round: the outbox delivered.
    const beats = receiver.gauges.filter((g) => g.name === "claude_code.telemetry.heartbeat");
    expect(beats.map((g) => [g.attributes["component"], g.attributes["host"]])).toEqual([["watch", hostname()]]);
    expect(receiver.gauges.find((g) => g.name === "claude_code.telemetry.outbox.requests")?.value).toBe(0);
    const requests = receiver.requests.length;
    expect(await watchCommand(argv, captureIO())).toBe(0);
    // Nothing new, and no second heartbeat within the minute.
    expect(receiver.requests.length).toBe(requests);
  });

  it("--once against an endpoint that refuses connections fails fast (one failure per pass, not one per session), then delivers everything once", async () => {
    receiver = await startOtlpReceiver();
    const port = Number(new URL(receiver.url).port);
    await receiver.close();
    const root = mkdtempSync(join(tmpdir(), "cco-watch-"));
    cpSync(CC_2_1_330.projects, join(root, "projects"), { recursive: true });
    const argv = ["--projects-dir", join(root, "projects"), "--state-dir", join(root, "state"), "--endpoint", `http://127.0.0.1:${port}`, "--idle-minutes", "0", "--once"];
    expect(sessions.length).toBeGreaterThanOrEqual(4);
    const down = captureIO();
    const t0 = Date.now();
    expect(await watchCommand(argv, down)).toBe(1);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(down.stderr().match(/ECONNREFUSED/g)).toHaveLength(1);
    receiver = await startOtlpReceiver(port);
    expect(await watchCommand(argv, captureIO())).toBe(0);
    const expectedIds = sessions.flatMap((s) => sessionToSpans(s, { final: true }).map((x) => x.spanId)).sort();
    expect(receiver.spans.map((s) => s.spanId).sort()).toEqual(expectedIds);
    expectTotalsEqualReport(receiver.points, sessions);
  });

  it("tails a growing transcript: what is complete goes out as it appears, everything exactly once", async () => {
    receiver = await startOtlpReceiver();
    const root = mkdtempSync(join(tmpdir(), "cco-watch-live-"));
    const dir = join(root, "projects", PROJECT);
    mkdirSync(dir, { recursive: true });
    const lines = readFileSync(CC_2_1_330.transcript("long"), "utf8")
      .split("\n")
      .filter((l) => l.length > 0);
    const half = Math.floor(lines.length / 2);
    // A session in progress by its own timestamps (they decide when it is over, not file times).
    writeFileSync(join(dir, `${LONG}.jsonl`), restamp(lines.slice(0, half)).join("\n") + "\n");
    const abort = new AbortController();
    const io = captureIO();
    const running = watchCommand(
      ["--projects-dir", join(root, "projects"), "--state-dir", join(root, "state"), "--endpoint", receiver.url, "--poll-seconds", "0.2", "--idle-minutes", "0.05"],
      io,
      abort.signal,
    );
    try {
      await until(() => receiver.spans.length > 0).catch((e: unknown) => {
        throw new Error(`${String(e)}; watch said: ${io.stderr()}`);
      });
      const early = receiver.spans.length;
      // Only the provisional session span so far; the final one waits for the end of the session.
      expect(receiver.spans.filter((s) => s.name === "claude_code.session").map((s) => s.attributes["claude_code.session.open"])).toEqual([true]);
      appendFileSync(join(dir, `${LONG}.jsonl`), restamp(lines.slice(half)).join("\n") + "\n");
      await until(() => receiver.spans.some((s) => s.name === "claude_code.session" && s.attributes["claude_code.session.open"] === undefined));
      expect(receiver.spans.length).toBeGreaterThan(early);
    } finally {
      abort.abort();
      expect(await running).toBe(0);
    }
    const session = sessions.find((s) => s.sessionId === LONG) as Session;
    // The session went out provisionally with its first children, then final: one upsert, nothing else twice.
    const provisional = receiver.spans.find((s) => s.name === "claude_code.session");
    expect(provisional?.attributes["claude_code.session.open"]).toBe(true);
    const arrivals = auditArrivals(receiver.spans);
    expect([arrivals.beforeParent, arrivals.orphans]).toEqual([[], []]);
    const ids = settleUpserts(receiver.spans).map((s) => s.spanId);
    expect(ids.sort()).toEqual(
      sessionToSpans(session, { final: true })
        .map((s) => s.spanId)
        .sort(),
    );
    expectTotalsEqualReport(receiver.points, [session]);
  });

  it("--prometheus-port serves the history's totals with the collector's series names", async () => {
    const root = mkdtempSync(join(tmpdir(), "cco-watch-prom-"));
    cpSync(CC_2_1_330.projects, join(root, "projects"), { recursive: true });
    const abort = new AbortController();
    const io = captureIO();
    const running = watchCommand(
      [
        "--projects-dir",
        join(root, "projects"),
        "--state-dir",
        join(root, "state"),
        "--output-dir",
        join(root, "out"),
        "--prometheus-port",
        "0",
        "--idle-minutes",
        "0",
        "--poll-seconds",
        "0.2",
      ],
      io,
      abort.signal,
    );
    try {
      await until(() => /serving Prometheus metrics on (\S+)/.test(io.stderr()));
      const url = /serving Prometheus metrics on (\S+)/.exec(io.stderr())?.[1] as string;
      const text = await (await fetch(url)).text();
      const sum = (name: string, filter = ""): number =>
        text
          .split("\n")
          .filter((l) => l.startsWith(`${name}{`) && l.includes(filter))
          .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
      const report = reportTotals(sessions);
      expect(sum("claude_code_cost_usage_USD_total")).toBeCloseTo(
        sessions.reduce((n, s) => n + s.cost.totalUsd, 0),
        9,
      );
      expect(sum("claude_code_token_usage_tokens_total", 'type="cacheRead"')).toBe(report.tokens["cacheRead"]);
      expect(sum("claude_code_tool_calls_total", 'outcome="failure"')).toBe(report.toolFailures);
      expect(sum("claude_code_compaction_count_total")).toBe(report.compactions);
      expect(sum("claude_code_session_count_total", 'source="claude-code-otel"')).toBe(sessions.length);
      // The same series names as the collector writes (v1.41.0's gen_ai.client.token.usage only on request;
      // overcount and unpriced tokens only when a live price overcounted or a request had none, re-reads of
      // lost files and failed hooks only where a session had them: not in this corpus).
      const conditional = /^(gen_ai_client_token_usage|claude_code_cost_overcount|claude_code_token_unpriced|claude_code_compaction_rereads|claude_code_hook_errors)/;
      const names = new Set(
        text
          .split("\n")
          .filter((l) => /^(claude_code|gen_ai)_/.test(l))
          .map((l) => l.slice(0, l.search(/[{ ]/))),
      );
      expect([...names].sort()).toEqual([...ALL_SERIES].filter((n) => !conditional.test(n)).sort());
      expect(sum("gen_ai_client_inference_usage_input_tokens_total")).toBe(report.tokens["input"] + report.tokens["cacheRead"] + report.tokens["cacheCreation"]);
    } finally {
      abort.abort();
      expect(await running).toBe(0);
    }
  });
});
