// Replay batches many sessions per request, still exactly once. Reads the recorded Claude Code
// 2.1.330 sessions (test/fixtures, six sessions), cloned with fresh ids into a temp corpus.
import { ledgerDirFor } from "../support/destinations.js";
import { auditArrivals } from "../support/parents-first.js";
import { listOutbox } from "../../src/delivery/outbox.js";
import { captureIO, runCli } from "../support/cli.js";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { replayCommand } from "../../src/cli/replay-command.js";
import { createPricer } from "../../src/cost/price-request.js";
import type { MetricPoint } from "../../src/mapping/metric-point.js";
import type { ExportOutcome, TelemetrySink } from "../../src/delivery/sink.js";
import type { MetricWindow } from "../../src/state/metric-clock.js";
import type { SpanData } from "../../src/mapping/span-data.js";
import type { BatchedOutcome } from "../../src/pipeline/catch-up.js";
import { catchUpSessions } from "../../src/pipeline/catch-up.js";
import { acquireLock } from "../../src/util/file-lock.js";
import { loadSessionStateSync } from "../../src/state/session-state.js";
import { discoverSessionsSync } from "../../src/transcript/discover.js";
import { CC_2_1_330 } from "../support/recorded-fixtures.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { receivedTotals, startOtlpReceiver } from "../support/otlp-receiver.js";

/** Sessions in one copy of the recorded set. */
const PER_CLONE = CC_2_1_330.sessionIds.length;
const execFileAsync = promisify(execFile);
const BIN = fileURLToPath(new URL("../../bin/claude-code-otel.js", import.meta.url));
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** `clones` copies of the fixture sessions with fresh session, message and request ids, all idle for 2 h. */
function cloneCorpus(clones: number): string {
  const root = CC_2_1_330.projects;
  const projects = join(mkdtempSync(join(tmpdir(), "cco-batch-")), "projects");
  const files = listFiles(root);
  const ids = [...new Set(files.flatMap((f) => UUID.exec(relative(root, f))?.[0] ?? []))];
  for (let c = 0; c < clones; c++) {
    const fresh = new Map(ids.map((id) => [id, createHash("sha256").update(`${id}/${c}`).digest("hex")]));
    const rename = (text: string): string => {
      let out = text;
      for (const [id, h] of fresh) out = out.replaceAll(id, `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`);
      return out.replaceAll('"id":"msg_', `"id":"msg_c${c}_`).replaceAll('"requestId":"req_', `"requestId":"req_c${c}_`);
    };
    for (const f of files) {
      const target = join(projects, rename(relative(root, f)));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, rename(readFileSync(f, "utf8")));
    }
  }
  const t = new Date(Date.now() - 2 * 3600_000);
  for (const f of listFiles(projects)) utimesSync(f, t, t);
  return projects;
}

/** Records what it is given; `failSpansOnCall` makes that traces call (1-based) fail. */
function memorySink(
  options: { failSpansOnCall?: number; failMetricsOnCall?: number } = {},
): TelemetrySink & { spans: SpanData[]; points: MetricPoint[]; windows: MetricWindow[]; spanCalls: number } {
  let metricCalls = 0;
  const sink = {
    description: "memory",
    spans: [] as SpanData[],
    points: [] as MetricPoint[],
    windows: [] as MetricWindow[],
    spanCalls: 0,
    async exportSpans(spans: readonly SpanData[]): Promise<ExportOutcome> {
      sink.spanCalls++;
      if (sink.spanCalls === options.failSpansOnCall) return { ok: false, error: "traces refused" };
      sink.spans.push(...spans);
      return { ok: true, bytes: 0 };
    },
    async exportMetrics(points: readonly MetricPoint[], window: MetricWindow): Promise<ExportOutcome> {
      metricCalls++;
      if (metricCalls === options.failMetricsOnCall) return { ok: false, error: "metrics refused" };
      sink.points.push(...points);
      sink.windows.push(window);
      return { ok: true, bytes: 0 };
    },
    async shutdown(): Promise<void> {},
  };
  return sink;
}

const LIMITS = { maxSpans: 40, maxSpanBytes: 4 * 1024 * 1024, maxSessions: 3 };

async function run(projects: string, stateDir: string, sink: TelemetrySink): Promise<{ failure: string | undefined; outcomes: BatchedOutcome[] }> {
  const outcomes: BatchedOutcome[] = [];
  const ctx = { stateDir, factsDir: stateDir, pricer: createPricer(), filter: { timeZone: "UTC" }, sink, idleMs: 30 * 60_000, plan: { captureContent: false }, limits: LIMITS };
  const { failure } = await catchUpSessions(discoverSessionsSync(projects).sessions, ctx, (o) => outcomes.push(o));
  return { failure, outcomes };
}

function spanKeysOf(spans: readonly SpanData[]): string[] {
  return spans.map((s) => `${s.spanId}/${s.unitKey}`);
}

describe("replay batches sessions, exactly once", () => {
  let receiver: OtlpReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it("a corpus of many sessions goes out in fewer requests than sessions; a second run sends nothing", async () => {
    receiver = await startOtlpReceiver();
    const projects = cloneCorpus(5);
    const sessions = discoverSessionsSync(projects).sessions.length;
    expect(PER_CLONE).toBe(6);
    expect(sessions).toBe(5 * PER_CLONE);
    const stateDir = join(projects, "..", "state");
    const args = ["--projects-dir", projects, "--endpoint", receiver.url, "--state-dir", stateDir];
    const io = captureIO();
    expect(await replayCommand(args, io)).toBe(0);
    expect(io.stdout()).toMatch(/^replay: 30 sessions \(0 unchanged\), sent \d+ spans/);
    expect(receiver.requests.length).toBeLessThan(sessions);
    expect(receiver.requests.map((r) => r.path).sort()).toEqual(["/v1/metrics", "/v1/traces"]);
    const ids = receiver.spans.map((s) => s.spanId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(receiver.spans.filter((s) => s.name === "claude_code.session")).toHaveLength(30);
    const requests = receiver.requests.length;
    const again = captureIO();
    expect(await replayCommand(args, again)).toBe(0);
    expect(again.stdout()).toMatch(/^replay: 30 sessions \(30 unchanged\), sent 0 spans and 0 metric points/);
    expect(receiver.requests.length).toBe(requests);
  });

  it("batches are bounded; each batch's metrics share one window, windows contiguous; every unit once", async () => {
    const projects = cloneCorpus(3);
    const stateDir = join(projects, "..", "state");
    const sink = memorySink();
    const { failure, outcomes } = await run(projects, stateDir, sink);
    expect(failure).toBeUndefined();
    expect(outcomes.filter((o) => o.kind === "exported")).toHaveLength(3 * PER_CLONE);
    // Several batches (≤ 3 sessions each), each at most one traces call.
    expect(sink.spanCalls).toBeGreaterThanOrEqual(4);
    expect(sink.spanCalls).toBeLessThan(12);
    expect(new Set(spanKeysOf(sink.spans)).size).toBe(sink.spans.length);
    for (let i = 1; i < sink.windows.length; i++) expect(sink.windows[i]?.startMs).toBe(sink.windows[i - 1]?.timeMs);
    const second = memorySink();
    expect((await run(projects, stateDir, second)).failure).toBeUndefined();
    expect(second.spans).toHaveLength(0);
    expect(second.points).toHaveLength(0);
  });

  it("a failure mid-way commits nothing of the failing batch; a re-run completes, every span exactly once overall", async () => {
    const projects = cloneCorpus(3);
    const stateDir = join(projects, "..", "state");
    const reference = memorySink();
    await run(projects, join(projects, "..", "reference-state"), reference);

    const failing = memorySink({ failSpansOnCall: 3 });
    const first = await run(projects, stateDir, failing);
    expect(first.failure).toBe("traces refused");
    // Batches 1 and 2 went out and are committed; the failing batch's sessions have no ledger change.
    const failed = first.outcomes.filter((o) => o.kind === "exported" && !o.result.ok);
    expect(failed.length).toBeGreaterThan(0);
    for (const o of failed) {
      if (o.kind !== "exported") continue;
      const { state } = loadSessionStateSync(stateDir, o.sessionId);
      expect(state).toMatchObject({ spanUnits: [], metricUnits: [], files: {} });
    }
    const done = first.outcomes.filter((o) => o.kind === "exported" && o.result.ok);
    expect(done.length).toBeGreaterThan(0);
    for (const o of done) if (o.kind === "exported") expect(loadSessionStateSync(stateDir, o.sessionId).state.spanUnits.length).toBeGreaterThan(0);
    // Sessions after the failing batch were not attempted.
    expect(first.outcomes.length).toBeLessThan(12);
    expect(readdirSync(join(stateDir, "sessions")).filter((n) => n.endsWith(".lock"))).toEqual([]);

    const healthy = memorySink();
    expect((await run(projects, stateDir, healthy)).failure).toBeUndefined();
    const all = [...failing.spans, ...healthy.spans];
    expect(spanKeysOf(all).sort()).toEqual(spanKeysOf(reference.spans).sort());
    const sum = (points: readonly MetricPoint[]): number => points.filter((p) => p.metric === "costUsage").reduce((n, p) => n + p.value, 0);
    expect(sum([...failing.points, ...healthy.points])).toBeCloseTo(sum(reference.points), 9);
  });

  it("the metric clock's lock busy past the wait: a failed delivery of the metrics alone; the spans that went out are committed", async () => {
    const projects = cloneCorpus(1);
    const stateDir = join(projects, "..", "state");
    mkdirSync(stateDir, { recursive: true });
    // Another writer holds the clock (its metrics are queued ahead of ours).
    const clock = await acquireLock(join(stateDir, "metric-clock.lock"));
    try {
      const sink = memorySink();
      const outcomes: BatchedOutcome[] = [];
      const ctx = {
        stateDir,
        factsDir: stateDir,
        pricer: createPricer(),
        filter: { timeZone: "UTC" },
        sink,
        idleMs: 30 * 60_000,
        plan: { captureContent: false },
        limits: LIMITS,
        lock: { waitMs: 200, staleMs: 60_000 },
      };
      const { failure } = await catchUpSessions(discoverSessionsSync(projects).sessions.slice(0, 2), ctx, (o) => outcomes.push(o));
      expect(failure).toMatch(/^the metric clock is busy: .*metric-clock\.lock is held by another process$/);
      expect(sink.points).toHaveLength(0);
      const exported = outcomes.filter((o) => o.kind === "exported");
      expect(exported.length).toBeGreaterThan(0);
      for (const o of exported) {
        if (o.kind !== "exported") continue;
        const { state } = loadSessionStateSync(stateDir, o.sessionId);
        expect(state.spanUnits.length).toBeGreaterThan(0);
        expect(state.metricUnits).toEqual([]);
        expect(state.files).toEqual({});
      }
      expect(new Set(spanKeysOf(sink.spans)).size).toBe(sink.spans.length);
    } finally {
      clock.release();
    }
  });

  it("metrics refused after traces went through: span units are kept, only the metrics are sent again", async () => {
    const projects = cloneCorpus(1);
    const stateDir = join(projects, "..", "state");
    const failing = memorySink({ failMetricsOnCall: 1 });
    expect((await run(projects, stateDir, failing)).failure).toBe("metrics refused");
    const retry = memorySink();
    expect((await run(projects, stateDir, retry)).failure).toBeUndefined();
    const firstBatchUnits = new Set(failing.spans.map((s) => s.unitKey));
    expect(retry.spans.filter((s) => firstBatchUnits.has(s.unitKey) && failing.spans.some((f) => f.spanId === s.spanId))).toEqual([]);
    expect(retry.points.length).toBeGreaterThan(0);
    expect(existsSync(join(stateDir, "metric-clock.json"))).toBe(true);
  });
});

describe("replay --jobs: sessions handed out over worker threads, exactly once", () => {
  const receivers: OtlpReceiver[] = [];
  afterEach(async () => {
    for (const r of receivers.splice(0)) await r.close();
  });
  const start = async (): Promise<OtlpReceiver> => {
    const r = await startOtlpReceiver();
    receivers.push(r);
    return r;
  };
  const byId = (spans: OtlpReceiver["spans"]): OtlpReceiver["spans"] => [...spans].sort((a, b) => (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0));

  it("two worker threads send exactly what one process sends, in their own batches and metric windows; a second run sends nothing", async () => {
    const projects = cloneCorpus(5);
    const single = await start();
    const sharded = await start();
    const args = (r: OtlpReceiver, state: string, jobs: string): string[] => [
      "--projects-dir",
      projects,
      "--endpoint",
      r.url,
      "--state-dir",
      join(projects, "..", state),
      "--jobs",
      jobs,
    ];
    const one = captureIO();
    expect(await replayCommand(args(single, "state-1", "1"), one)).toBe(0);
    const two = captureIO();
    expect(await replayCommand(args(sharded, "state-2", "2"), two)).toBe(0);
    expect(two.stderr()).toBe("");
    const summary = (io: ReturnType<typeof captureIO>): string =>
      io
        .stdout()
        .split("\n")[0]
        ?.replace(/ in [\d.]+ s; read [\d.]+ [KMG]?B \([\d.]+ [KMG]?B\/s\)/, "") ?? "";
    expect(summary(two)).toBe(summary(one));
    expect(summary(two)).toMatch(/^replay: 30 sessions \(0 unchanged\), sent \d+ spans and \d+ metric points; 0 warnings$/);
    // The same spans, attribute for attribute, each once.
    expect(byId(sharded.spans)).toEqual(byId(single.spans));
    expect(new Set(sharded.spans.map((s) => s.spanId)).size).toBe(sharded.spans.length);
    const { costUsd, ...totals } = receivedTotals(sharded.points);
    const { costUsd: singleCostUsd, ...singleTotals } = receivedTotals(single.points);
    expect(totals).toEqual(singleTotals);
    // Summed in another order: equal to the float's last bits only.
    expect(costUsd).toBeCloseTo(singleCostUsd, 9);
    // One traces and one metrics request per worker (30 sessions fit a batch), each in its own window.
    expect(sharded.requests.map((r) => r.path).sort()).toEqual(["/v1/metrics", "/v1/metrics", "/v1/traces", "/v1/traces"]);
    const windows = [...new Set(sharded.points.map((p) => `${p.startMs}-${p.timeMs}`))].map((w) => w.split("-").map(Number) as [number, number]).sort((a, b) => a[0] - b[0]);
    expect(windows).toHaveLength(2);
    expect(windows[1]?.[0]).toBe(windows[0]?.[1]);

    const requests = sharded.requests.length;
    const again = captureIO();
    expect(await replayCommand(args(sharded, "state-2", "2"), again)).toBe(0);
    expect(again.stdout()).toMatch(/^replay: 30 sessions \(30 unchanged\), sent 0 spans and 0 metric points/);
    expect(sharded.requests.length).toBe(requests);
  }, 60_000);

  it("a failing endpoint with workers: one message, exit 1, nothing more read once delivery failed, no lock left; then everything goes out once", async () => {
    const projects = cloneCorpus(2);
    const stateDir = join(projects, "..", "state");
    const receiver = await start();
    receiver.status = 503;
    const args = ["--projects-dir", projects, "--endpoint", receiver.url, "--state-dir", stateDir, "--jobs", "2"];
    const io = captureIO({ OTEL_EXPORTER_OTLP_TIMEOUT: "1000" });
    expect(await replayCommand(args, io)).toBe(1);
    expect(io.stderr().trim().split("\n")).toHaveLength(1);
    expect(io.stderr()).toMatch(/^claude-code-otel replay: export to OTLP http\/protobuf to .* failed: HTTP 503 from .*; \d+ requests kept in the outbox/);
    const ledgerDir = ledgerDirFor(stateDir, { endpoint: receiver.url });
    const locks = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith(".lock")) : []);
    expect([...locks(ledgerDir), ...locks(join(ledgerDir, "sessions"))]).toEqual([]);
    // What was written and recorded waits in the outbox; nothing unrecorded is in it.
    const queued = listOutbox(join(ledgerDir, "outbox"));
    expect(queued.length).toBeGreaterThan(0);
    expect(queued.every((e) => e.ready)).toBe(true);
    receiver.status = 200;
    expect(await replayCommand(args, captureIO())).toBe(0);
    const ids = receiver.spans.map((s) => s.spanId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(receiver.spans.filter((s) => s.name === "claude_code.session")).toHaveLength(2 * PER_CLONE);
    expect(auditArrivals(receiver.spans).beforeParent).toEqual([]);
  }, 60_000);

  it("--dry-run with workers counts what one process counts and writes nothing", async () => {
    const projects = cloneCorpus(2);
    const stateDir = join(projects, "..", "state");
    const one = captureIO();
    const two = captureIO();
    expect(await replayCommand(["--projects-dir", projects, "--state-dir", stateDir, "--dry-run", "--jobs", "1"], one)).toBe(0);
    expect(await replayCommand(["--projects-dir", projects, "--state-dir", stateDir, "--dry-run", "--jobs", "2"], two)).toBe(0);
    const counts = (io: ReturnType<typeof captureIO>): string => io.stdout().replace(/ in [\d.]+ s; read [\d.]+ [KMGT]?B \([\d.]+ [KMGT]?B\/s\)/, "");
    expect(counts(two)).toBe(counts(one));
    expect(counts(two)).toMatch(/^replay: 12 sessions \(0 unchanged\), would send \d+ spans/);
    expect(existsSync(stateDir)).toBe(false);
  });

  it("the destination's settings come from the command's environment: OTEL_EXPORTER_OTLP_COMPRESSION=gzip on every request the workers wrote", async () => {
    const projects = cloneCorpus(2);
    const receiver = await start();
    const io = captureIO({ OTEL_EXPORTER_OTLP_COMPRESSION: "gzip" });
    expect(await replayCommand(["--projects-dir", projects, "--endpoint", receiver.url, "--state-dir", join(projects, "..", "state"), "--jobs", "2"], io)).toBe(0);
    expect(receiver.requests).toHaveLength(4);
    expect(receiver.requests.map((r) => r.headers["content-encoding"])).toEqual(["gzip", "gzip", "gzip", "gzip"]);
  });

  it("the resource is the command's, from this process and from the workers alike: the config file's resourceAttributes (as the hooks read it), OTEL_RESOURCE_ATTRIBUTES over it", async () => {
    const projects = cloneCorpus(2);
    const config = join(projects, "..", "config.json");
    writeFileSync(config, JSON.stringify({ resourceAttributes: "user.id=alice,deployment.environment.name=ci" }));
    const ours = { "service.name": "claude-code-otel", "service.version": expect.any(String), "claude_code.telemetry.source": "claude-code-otel" };
    for (const [jobs, env, user] of [
      ["1", {}, "alice"],
      ["2", {}, "alice"],
      ["2", { OTEL_RESOURCE_ATTRIBUTES: "user.id=bob" }, "bob"],
    ] as const) {
      const receiver = await start();
      const state = join(projects, "..", `state-${jobs}-${user}`);
      const io = captureIO(env);
      expect(await replayCommand(["--projects-dir", projects, "--endpoint", receiver.url, "--state-dir", state, "--jobs", jobs, "--config", config], io), io.stderr()).toBe(0);
      expect(receiver.spans.length).toBeGreaterThan(0);
      const resource = user === "alice" ? { ...ours, "user.id": "alice", "deployment.environment.name": "ci" } : { ...ours, "user.id": "bob" };
      for (const x of [...receiver.spans, ...receiver.points]) expect(x.resource).toEqual(resource);
      expect(new Set(receiver.spans.map((x) => x.attributes["langfuse.user.id"]))).toEqual(new Set([user]));
    }
  });

  it("workers started during discovery and not needed (a selection of one session) end unused; the session goes out from this process", async () => {
    const projects = cloneCorpus(2);
    const receiver = await start();
    const all = await start();
    const stateDir = join(projects, "..", "state");
    expect(await replayCommand(["--projects-dir", projects, "--endpoint", all.url, "--state-dir", join(projects, "..", "state-all"), "--jobs", "1"], captureIO())).toBe(0);
    const sessionId = all.spans.find((s) => s.name === "claude_code.session")?.attributes["session.id"] as string;
    // The real command in its own process, which must end (unused workers are ended, and never keep it alive).
    const run = await execFileAsync(
      process.execPath,
      [BIN, "replay", "--projects-dir", projects, "--endpoint", receiver.url, "--state-dir", stateDir, "--jobs", "2", "--session", sessionId, "--verbose"],
      {
        timeout: 30_000,
        env: { ...process.env, HOME: join(projects, ".."), OTEL_EXPORTER_OTLP_ENDPOINT: "" },
      },
    );
    expect(run.stderr).not.toContain("worker threads");
    expect(run.stdout).toMatch(/^replay: 1 sessions \(0 unchanged\), sent \d+ spans/);
    expect(byId(receiver.spans)).toEqual(byId(all.spans.filter((s) => s.attributes["session.id"] === sessionId)));
    // One process's batch: one traces and one metrics request.
    expect(receiver.requests.map((r) => r.path).sort()).toEqual(["/v1/metrics", "/v1/traces"]);
  }, 60_000);

  it("--jobs must be a whole number from 1 to 32", async () => {
    for (const bad of ["0", "33", "1.5", "many"]) {
      const run = await runCli(["replay", "--projects-dir", cloneCorpus(1), "--jobs", bad]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`--jobs must be a whole number from 1 to 32, got "${bad}"`);
    }
  });
});
