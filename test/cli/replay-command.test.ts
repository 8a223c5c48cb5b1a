// Reads the recorded fixtures (test/fixtures: Claude Code 2.1.330 sessions, copied to a temp dir).
import { captureIO } from "../support/cli.js";
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { replayCommand } from "../../src/cli/replay-command.js";
import { bytes } from "../../src/report/format.js";
import type { Session } from "../../src/model/types.js";
import { sessionToSpans } from "../../src/mapping/map-spans.js";
import type { SessionState } from "../../src/state/session-state.js";
import { saveSessionState } from "../../src/state/session-state.js";
import { loadAllSessions } from "../support/sessions.js";
import { auditArrivals } from "../support/parents-first.js";
import { ledgerDirFor, ledgerPath } from "../support/destinations.js";
import { settleUpserts } from "../support/upserts.js";
import { CC_2_1_330, ageAll, copyIdleFixtures } from "../support/recorded-fixtures.js";
import { expectTotalsEqualReport, reportTotals } from "../support/exported-spans.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { receivedTotals, startOtlpReceiver } from "../support/otlp-receiver.js";

const PROJECT = CC_2_1_330.projectDir;
const LONG = CC_2_1_330.sessionId("long");
const PARALLEL = CC_2_1_330.sessionId("parallel-fail");

const jsonlFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".jsonl"))
    .map((f) => join(dir, f));

/** A private copy of the fixture projects with every file idle for two hours (finished sessions). */
const copyFixtures = (): string => copyIdleFixtures("cco-replay-").projects;

describe("replay: exactly-once export to a real OTLP receiver", () => {
  let sessions: Session[];
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    sessions = await loadAllSessions(CC_2_1_330.projects);
  });
  afterEach(async () => {
    await receiver?.close();
  });

  it("sends every span once with metric sums equal to report totals; a second run sends nothing; --full re-sends the same span ids", async () => {
    receiver = await startOtlpReceiver();
    const projects = copyFixtures();
    const stateDir = join(projects, "..", "state");
    const args = ["--projects-dir", projects, "--endpoint", receiver.url, "--state-dir", stateDir];
    const io1 = captureIO();
    expect(await replayCommand(args, io1)).toBe(0);
    const expected = sessions.flatMap((s) => sessionToSpans(s, { final: true }));
    expect(io1.stdout()).toMatch(new RegExp(`^replay: 6 sessions \\(0 unchanged\\), sent ${expected.length} spans and \\d+ metric points`));
    expect(receiver.spans.map((s) => s.spanId).sort()).toEqual(expected.map((s) => s.spanId).sort());
    expectTotalsEqualReport(receiver.points, sessions);
    // The 6 sessions fit one batch: one traces and one metrics request, one metric window.
    expect(receiver.requests.map((r) => r.path).sort()).toEqual(["/v1/metrics", "/v1/traces"]);
    const windows = [...new Map(receiver.points.map((p) => [`${p.startMs}-${p.timeMs}`, [p.startMs, p.timeMs] as const])).values()];
    expect(windows).toHaveLength(1);

    const requests = receiver.requests.length;
    const io2 = captureIO();
    expect(await replayCommand(args, io2)).toBe(0);
    expect(io2.stdout()).toMatch(/^replay: 6 sessions \(6 unchanged\), sent 0 spans and 0 metric points/);
    expect(receiver.requests.length).toBe(requests);

    const firstIds = receiver.spans.map((s) => s.spanId);
    receiver.spans.length = 0;
    expect(await replayCommand([...args, "--full"], captureIO())).toBe(0);
    expect(receiver.spans.map((s) => s.spanId)).toEqual(firstIds);
  });

  it("a growing session: only complete units go out, the rest when it has finished, each exactly once", async () => {
    receiver = await startOtlpReceiver();
    const projects = copyFixtures();
    const stateDir = join(projects, "..", "state");
    const file = join(projects, PROJECT, `${LONG}.jsonl`);
    const full = readFileSync(file, "utf8");
    const lines = full.split("\n");
    // Cut in the middle of the second turn, the file "just written" (not idle).
    const cut = lines.findIndex((l) => l.includes('"scenario:big read the large generated file"')) + 8;
    writeFileSync(file, lines.slice(0, cut).join("\n") + "\n");
    const args = ["--projects-dir", projects, "--endpoint", receiver.url, "--state-dir", stateDir, "--session", LONG.slice(0, 8)];
    // The recording's timestamps are days old: an idle time longer than that keeps the session open.
    const open = captureIO();
    expect(await replayCommand([...args, "--idle-minutes", "100000000"], open)).toBe(0);
    expect(open.stdout()).toMatch(/replay: 1 sessions left open \(active within the last 100000000 minutes, no SessionEnd\)/);
    // Parents first: the running session and its running second turn go out provisionally ahead of
    // their finished children; their final versions (same span ids) follow once complete.
    const first = auditArrivals(receiver.spans);
    expect([first.beforeParent, first.orphans, first.repeated.size]).toEqual([[], [], 0]);
    expect(receiver.spans.filter((s) => s.name === "claude_code.session").map((s) => s.attributes["claude_code.session.open"])).toEqual([true]);
    const turns = receiver.spans.filter((s) => s.name === "invoke_agent claude-code");
    expect(turns.map((t) => t.attributes["claude_code.span.provisional"] ?? false)).toEqual([false, true]);
    writeFileSync(file, full);
    ageAll(projects, 2 * 3600_000);
    expect(await replayCommand(args, captureIO())).toBe(0);
    const s = sessions.find((x) => x.sessionId === LONG) as Session;
    const expected = sessionToSpans(s, { final: true });
    expect(
      settleUpserts(receiver.spans)
        .map((x) => x.spanId)
        .sort(),
    ).toEqual(expected.map((x) => x.spanId).sort());
    // Every span under a parent that came first; each id once, but for the open spans' provisional
    // and final versions (the session and the second turn).
    const all = auditArrivals(receiver.spans);
    expect([all.beforeParent, all.orphans]).toEqual([[], []]);
    expect([...all.repeated.values()]).toEqual([2, 2]);
    expect(all.provisional).toBe(2);
    const totals = reportTotals([s]);
    const got = receivedTotals(receiver.points);
    expect(Math.abs(got.costUsd - s.cost.totalUsd)).toBeLessThan(1e-9);
    expect(got.tokens).toEqual(totals.tokens);
    // Three turns (/compact is none), eight tool calls of which two failed, one compaction.
    expect([got.sessions, got.turns, got.toolCalls, got.toolFailures, got.compactions]).toEqual([1, 3, 8, 2, 1]);
  });

  it("a corrupt state file is set aside and rebuilt, never a crash", async () => {
    receiver = await startOtlpReceiver();
    const projects = copyFixtures();
    const stateDir = join(projects, "..", "state");
    const args = ["--projects-dir", projects, "--endpoint", receiver.url, "--state-dir", stateDir, "--session", PARALLEL.slice(0, 8)];
    expect(await replayCommand(args, captureIO())).toBe(0);
    const ledgerDir = ledgerDirFor(stateDir, { endpoint: receiver.url });
    const statePath = ledgerPath(ledgerDir, PARALLEL);
    writeFileSync(statePath, '{"version":1,"sessionId":');
    const io = captureIO();
    expect(await replayCommand(args, io)).toBe(0);
    expect(io.stderr()).toMatch(/state file was unusable \(not JSON.*\); rebuilt/);
    expect(JSON.parse(readFileSync(statePath, "utf8"))).toMatchObject({ version: 1, sessionId: PARALLEL });
    expect(readdirSync(join(ledgerDir, "sessions")).some((n) => n.includes(".corrupt-"))).toBe(true);
  });

  it("no OTLP receiver, then a failing and a dead collector: one-line messages, exit 1, fast; then everything arrives exactly once", async () => {
    receiver = await startOtlpReceiver();
    receiver.status = 400;
    const projects = copyFixtures();
    const stateDir = join(projects, "..", "state");
    const args = ["--projects-dir", projects, "--endpoint", receiver.url, "--state-dir", stateDir];
    const io = captureIO({ OTEL_EXPORTER_OTLP_TIMEOUT: "1000" });
    expect(await replayCommand(args, io)).toBe(1);
    expect(io.stderr().trim().split("\n")).toHaveLength(1);
    expect(io.stderr()).toMatch(
      /^claude-code-otel replay: HTTP 400 from http:\/\/127\.0\.0\.1:\d+\/v1\/traces: it has accepted nothing yet; is this an OTLP\/HTTP receiver\?: give the base URL .*; 2 requests kept in the outbox/,
    );
    // Answering 503 now: what is queued goes first, so nothing new is read or planned.
    receiver.status = 503;
    const failing = captureIO();
    expect(await replayCommand(args, failing)).toBe(1);
    expect(failing.stderr()).toMatch(/failed: HTTP 503 from .*; 2 requests kept in the outbox/);
    const port = Number(new URL(receiver.url).port);
    await receiver.close();
    const down = captureIO();
    const t0 = Date.now();
    expect(await replayCommand(args, down)).toBe(1);
    expect(down.stderr()).toMatch(/failed: .*ECONNREFUSED/);
    expect(Date.now() - t0).toBeLessThan(5_000);
    // Back where it was: the queue goes first, byte for byte, and nothing is sent twice.
    receiver = await startOtlpReceiver(port);
    const back = captureIO();
    expect(await replayCommand(args, back)).toBe(0);
    const expected = sessions.flatMap((s) => sessionToSpans(s, { final: true }));
    expect(receiver.spans.map((s) => s.spanId).sort()).toEqual(expected.map((s) => s.spanId).sort());
    expect(auditArrivals(receiver.spans).beforeParent).toEqual([]);
    expectTotalsEqualReport(receiver.points, sessions);
    expect(await replayCommand(args, captureIO())).toBe(0);
    expect(receiver.spans).toHaveLength(expected.length);
  }, 60_000);

  it("file exporter by default: says where the files went", async () => {
    const projects = copyFixtures();
    const out = join(projects, "..", "otel");
    const io = captureIO();
    expect(await replayCommand(["--projects-dir", projects, "--state-dir", join(projects, "..", "state"), "--output-dir", out], io)).toBe(0);
    expect(io.stdout()).toContain(`destination: OTLP JSON files in ${out} (traces.jsonl, metrics.jsonl)`);
    // One batch, one export request, one line.
    expect(readFileSync(join(out, "traces.jsonl"), "utf8").trimEnd().split("\n")).toHaveLength(1);
  });

  it("the replay index answers only for unchanged state files: a ledger another writer changed, or one removed, is read again", async () => {
    receiver = await startOtlpReceiver();
    const projects = copyFixtures();
    const stateDir = join(projects, "..", "state");
    const args = ["--projects-dir", projects, "--endpoint", receiver.url, "--state-dir", stateDir];
    expect(await replayCommand(args, captureIO())).toBe(0);
    const ledgerDir = ledgerDirFor(stateDir, { endpoint: receiver.url });
    const indexPath = join(ledgerDir, "replay-index.json");
    const indexedIds = (): string[] => (JSON.parse(readFileSync(indexPath, "utf8")) as { sessions: [string][] }).sessions.map((e) => e[0]).sort();
    expect(indexedIds()).toEqual(sessions.map((s) => s.sessionId).sort());
    // Each entry is its state file as saved: its stat, its cursors, and whether the session unit went out in both signals.
    for (const [id, size, mtimeMs, ino, done, lastActivityMs, files] of (
      JSON.parse(readFileSync(indexPath, "utf8")) as { sessions: [string, number, number, number, boolean, number, [string, number, number][]][] }
    ).sessions) {
      const path = ledgerPath(ledgerDir, id);
      const st = statSync(path);
      const saved = JSON.parse(readFileSync(path, "utf8")) as { spanUnits: string[]; metricUnits: string[]; files: Record<string, { size: number; mtimeMs: number }> };
      expect([size, mtimeMs, ino]).toEqual([st.size, st.mtimeMs, st.ino]);
      expect(done).toBe(saved.spanUnits.includes("session") && saved.metricUnits.includes("session"));
      expect(lastActivityMs).toBe((sessions.find((x) => x.sessionId === id) as Session).endTime);
      expect(files).toEqual(Object.entries(saved.files).map(([p, c]) => [p, c.size, c.mtimeMs]));
    }
    const total = receiver.spans.length;

    // The replay's own saves are not journaled: the next replay takes the index without a stat per state file.
    expect(existsSync(join(ledgerDir, "sessions", ".changes"))).toBe(false);
    expect(JSON.parse(readFileSync(indexPath, "utf8"))).toMatchObject({ version: 5, journal: "none" });

    // Another writer (a hook's flush, watch, the library) saves a ledger that no longer lists the
    // session unit (as if it had never gone out): journaled, so the next replay checks every state file.
    const statePath = ledgerPath(ledgerDir, PARALLEL);
    const state = JSON.parse(readFileSync(statePath, "utf8")) as SessionState;
    await saveSessionState(ledgerDir, { ...state, spanUnits: state.spanUnits.filter((u) => u !== "session"), metricUnits: state.metricUnits.filter((u) => u !== "session") });
    expect(readFileSync(join(ledgerDir, "sessions", ".changes"), "utf8")).toBe("\n");
    const io = captureIO();
    expect(await replayCommand(args, io)).toBe(0);
    // The session unit again: its span, its cost, and its tools' cost (Bash, Read).
    expect(io.stdout()).toMatch(/^replay: 6 sessions \(5 unchanged\), sent 1 spans and 3 metric points/);
    expect(receiver.spans.slice(total).map((s) => s.name)).toEqual(["claude_code.session"]);

    // A session's ledger deleted: that session goes out again, whole; the others stay skipped.
    rmSync(statePath);
    const again = captureIO();
    expect(await replayCommand(args, again)).toBe(0);
    const expected = sessionToSpans(sessions.find((s) => s.sessionId === PARALLEL) as Session, { final: true });
    expect(again.stdout()).toMatch(new RegExp(`^replay: 6 sessions \\(5 unchanged\\), sent ${expected.length} spans`));

    // A corrupt index is an empty one: every state file is read, nothing is sent twice, the index is rewritten.
    writeFileSync(indexPath, "{not json");
    const third = captureIO();
    expect(await replayCommand(args, third)).toBe(0);
    expect(third.stdout()).toMatch(/^replay: 6 sessions \(6 unchanged\), sent 0 spans and 0 metric points/);
    expect(JSON.parse(readFileSync(indexPath, "utf8"))).toMatchObject({ version: 5 });

    // A session whose transcripts are gone leaves the index with them.
    for (const name of readdirSync(join(projects, PROJECT))) if (name.startsWith(PARALLEL)) rmSync(join(projects, PROJECT, name), { recursive: true });
    expect(await replayCommand(args, captureIO())).toBe(0);
    expect(indexedIds()).toHaveLength(5);
  });

  it("--dry-run counts and changes nothing", async () => {
    const projects = copyFixtures();
    const stateDir = join(projects, "..", "state");
    const io = captureIO();
    expect(await replayCommand(["--projects-dir", projects, "--state-dir", stateDir, "--endpoint", "http://127.0.0.1:9", "--dry-run"], io)).toBe(0);
    // Per session 1 + turns + requests + tool calls + subagents + compactions + ledger lines (one
    // per Claude Code run): parallel-fail 8, edit-files 10, agent 10, agent-bg 12, long 28, rewind 14.
    expect(io.stdout()).toMatch(/would send 82 spans/);
    // Sizes as the report prints them (powers of 1000): what was read is every transcript file.
    const read = jsonlFiles(projects).reduce((sum, f) => sum + statSync(f).size, 0);
    expect(io.stdout()).toMatch(new RegExp(` in [\\d.]+ s; read ${bytes(read)} \\([\\d.]+ [KMG]?B/s\\); 0 warnings\n`));
    expect(existsSync(stateDir)).toBe(false);
  });
});

const SECRETS = [
  "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
  "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz012345",
  "ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
  "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
  "AKIAIOSFODNN7EXAMPLE",
  "AIzaSyA1234567890abcdefghijklmnopqrstuv",
  "xoxb-123456789012-abcdefghijkl",
  "T000/B000/XXXXXXXXXXXXXXXX",
  "npm_abcdefghijklmnopqrstuvwxyz0123456789",
  "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH",
  "sk-lf-1234abcd-5678efgh",
  "pk-lf-1234abcd-5678efgh",
  "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
  "MIIEowIBAAKCAQEAsecretkeymaterial",
  "hunter2secret",
  "abcdef123456token",
  "supersecretvalue1",
  "tok_live_value_99",
];
const SECRET_TEXT =
  `key ${SECRETS[0]} openai ${SECRETS[1]} gh ${SECRETS[2]} pat ${SECRETS[3]} aws ${SECRETS[4]} google ${SECRETS[5]} slack ${SECRETS[6]} ` +
  `hook https://hooks.slack.com/services/${SECRETS[7]} npm ${SECRETS[8]} hf ${SECRETS[9]} langfuse ${SECRETS[10]} ${SECRETS[11]} jwt ${SECRETS[12]} ` +
  `-----BEGIN RSA PRIVATE KEY-----\\n${SECRETS[13]}\\n-----END RSA PRIVATE KEY----- db postgres://admin:${SECRETS[14]}@db.example.com/app ` +
  `Authorization: Bearer ${SECRETS[15]} DATABASE_PASSWORD=${SECRETS[16]} API_TOKEN=${SECRETS[17]}`;

describe("content capture and redaction on the wire", () => {
  let receiver: OtlpReceiver;
  afterEach(async () => {
    await receiver?.close();
  });

  async function replayWithSecrets(env: NodeJS.ProcessEnv): Promise<Buffer> {
    receiver = await startOtlpReceiver();
    const projects = copyFixtures();
    const file = join(projects, PROJECT, `${PARALLEL}.jsonl`);
    // Secrets in the prompt, in the failing command (tool input) and in its error text.
    const text = readFileSync(file, "utf8")
      .replaceAll("scenario:parallel-fail check", `scenario:parallel-fail check ${SECRET_TEXT}`)
      .replaceAll("/nonexistent", `/nonexistent ${SECRET_TEXT}`);
    writeFileSync(file, text);
    ageAll(projects, 2 * 3600_000);
    const io = captureIO(env);
    expect(await replayCommand(["--projects-dir", projects, "--endpoint", receiver.url, "--state-dir", join(projects, "..", "state"), "--session", PARALLEL.slice(0, 8)], io)).toBe(
      0,
    );
    return Buffer.concat(receiver.requests.map((r) => r.bytes));
  }

  it("off by default: no prompt or tool input leaves; the always-sent error message is redacted", async () => {
    const bytes = await replayWithSecrets({});
    expect(bytes.includes("scenario:parallel-fail check")).toBe(false);
    expect(bytes.includes("gen_ai.tool.call.arguments")).toBe(false);
    expect(bytes.includes("cannot access")).toBe(true);
    for (const secret of SECRETS) expect(bytes.includes(secret), secret).toBe(false);
  });

  it("on: prompt and tool input are exported, every secret of the corpus redacted", async () => {
    const bytes = await replayWithSecrets({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "true" });
    expect(bytes.includes("scenario:parallel-fail check")).toBe(true);
    expect(bytes.includes("gen_ai.tool.call.arguments")).toBe(true);
    expect(bytes.includes("[REDACTED]")).toBe(true);
    for (const secret of SECRETS) expect(bytes.includes(secret), secret).toBe(false);
  });
});
