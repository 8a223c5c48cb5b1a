// End to end: `claude-code-otel replay` → the REAL collector (base config + the Langfuse and
// LangSmith overlays, both on, the base on private ports) → loopback stand-ins for Langfuse and LangSmith, read the way
// each product reads spans (test/support/destination-readers.ts). Never contacts the real services.
// Replays the recorded 2.1.330 sessions (test/fixtures). Needs the collector binary
// (scripts/collector-build.sh): skips with a message when absent, fails under CI=true.
import { freeLoopbackPort as freePort } from "../support/collector.js";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayCommand } from "../../src/cli/replay-command.js";
import type { Session } from "../../src/model/types.js";
import { sessionToSpans } from "../../src/mapping/map-spans.js";
import { CLAUDE_CODE_RESOURCE, CLAUDE_CODE_TRACING_SCOPE, postOtlpJson, tracesRequest } from "../support/otlp-json.js";
import type { OtlpReceiver, ReceivedSpan } from "../support/otlp-receiver.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import { runCli, captureIO } from "../support/cli.js";
import { langfuseObservation, langsmithRun } from "../support/destination-readers.js";
import { loadAllSessions } from "../support/sessions.js";
import { CC_2_1_330, ageAll } from "../support/recorded-fixtures.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";

/** The collector: $CLAUDE_CODE_OTEL_COLLECTOR, else the build of scripts/collector-build.sh (.cache/otelcol/<version>/). */
function collectorBinary(): string | undefined {
  const cache = join(REPO_ROOT, ".cache", "otelcol");
  const built = existsSync(cache) ? readdirSync(cache).map((v) => join(cache, v, "otelcol-claude-code")) : [];
  return [process.env["CLAUDE_CODE_OTEL_COLLECTOR"], ...built].find((c): c is string => c !== undefined && c !== "" && existsSync(c));
}

const BINARY = collectorBinary();
if (BINARY === undefined) {
  if (process.env["CI"] === "true") throw new Error("collector binary missing: run scripts/collector-build.sh (CI must run the real collector)");
  console.warn("SKIPPED: no collector binary (run scripts/collector-build.sh or set CLAUDE_CODE_OTEL_COLLECTOR); Langfuse/LangSmith end-to-end test skipped");
}

const PK = "pk-lf-test-1234";
const SK = "sk-lf-test-5678";
const LS_KEY = "lsv2_pt_test_abcd";
const LS_PROJECT = "claude-code-e2e";

async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface ReportSession {
  sessionId: string;
  costUsd: number;
  tokens: { input: number; output: number; cacheRead: number; cacheCreation: number };
}

describe.skipIf(BINARY === undefined)("Langfuse and LangSmith through the real collector", () => {
  let langfuse: OtlpReceiver;
  let langsmith: OtlpReceiver;
  let collector: ChildProcess;
  let collectorLog = "";
  let endpoint: string;
  let sessions: Session[];
  let report: ReportSession[];
  let projects: string;

  beforeAll(async () => {
    sessions = await loadAllSessions(CC_2_1_330.projects);
    langfuse = await startOtlpReceiver();
    langsmith = await startOtlpReceiver();
    const dir = mkdtempSync(join(tmpdir(), "cco-dest-e2e-"));
    const port = await freePort();
    // The real base config on private ports (its addresses are variables).
    const ports = {
      OTELCOL_OTLP_HTTP_ENDPOINT: `127.0.0.1:${port}`,
      OTELCOL_OTLP_GRPC_ENDPOINT: `127.0.0.1:${await freePort()}`,
      OTELCOL_PROMETHEUS_ENDPOINT: `127.0.0.1:${await freePort()}`,
      OTELCOL_HEALTH_ENDPOINT: `127.0.0.1:${await freePort()}`,
      OTELCOL_TELEMETRY_PORT: String(await freePort()),
    };
    collector = spawn(
      BINARY as string,
      [
        "--config",
        join(REPO_ROOT, "collector", "config.yaml"),
        "--config",
        join(REPO_ROOT, "collector", "overlays", "langfuse.yaml"),
        "--config",
        join(REPO_ROOT, "collector", "overlays", "langsmith.yaml"),
      ],
      {
        env: {
          PATH: process.env["PATH"] ?? "",
          ...ports,
          LANGFUSE_PUBLIC_KEY: PK,
          LANGFUSE_SECRET_KEY: SK,
          LANGFUSE_OTLP_ENDPOINT: `${langfuse.url}/api/public/otel`,
          LANGSMITH_API_KEY: LS_KEY,
          LANGSMITH_PROJECT: LS_PROJECT,
          LANGSMITH_OTLP_ENDPOINT: `${langsmith.url}/otel`,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    collector.stdout?.on("data", (c: Buffer) => void (collectorLog += c.toString()));
    collector.stderr?.on("data", (c: Buffer) => void (collectorLog += c.toString()));
    endpoint = `http://127.0.0.1:${port}`;
    await waitFor(() => collectorLog.includes("Everything is ready") || collector.exitCode !== null, "the collector to start", 30_000);
    if (collector.exitCode !== null) throw new Error(`collector exited ${collector.exitCode}:\n${collectorLog}`);

    // Finished sessions: a private copy of the fixtures, idle for two hours.
    projects = join(dir, "projects");
    cpSync(CC_2_1_330.projects, projects, { recursive: true });
    ageAll(projects, 2 * 3600_000);
    const r = await runCli(["report", "--json", "--projects-dir", projects]);
    expect(r.code).toBe(0);
    report = (JSON.parse(r.stdout) as { sessions: ReportSession[] }).sessions;

    const io = captureIO();
    const code = await replayCommand(["--projects-dir", projects, "--endpoint", endpoint, "--state-dir", join(dir, "state"), "--full"], io);
    if (code !== 0) throw new Error(`replay exit ${code}: ${io.stderr()}`);
    // Someone else's traces (Claude Code's own telemetry: its resource and scope) through the same collector.
    const some = sessionToSpans(sessions[0] as Session, { final: true })
      .slice(0, 3)
      .map((s) => ({
        name: s.name,
        spanId: s.spanId.replace(/^./, "f"),
        traceId: "f".repeat(32),
        startMs: s.startTimeMs,
        endMs: s.endTimeMs,
        attributes: { "session.id": s.attributes["session.id"] as string },
      }));
    expect(await postOtlpJson(endpoint, "traces", tracesRequest(some, CLAUDE_CODE_RESOURCE, CLAUDE_CODE_TRACING_SCOPE))).toBe(200);

    const expected = sessions.reduce((n, s) => n + sessionToSpans(s, { final: true }).length, 0);
    await waitFor(
      () => langfuse.spans.length >= expected && langsmith.spans.length >= expected,
      `${expected} spans at both stand-ins (got ${langfuse.spans.length}, ${langsmith.spans.length})`,
    );
    // Let a stray late batch (the foreign spans, metrics) arrive if the pipelines were wrong.
    await new Promise((r) => setTimeout(r, 2500));
  }, 120_000);

  afterAll(async () => {
    collector?.kill("SIGTERM");
    await langfuse?.close();
    await langsmith?.close();
  });

  const expectedIds = (): string[] => sessions.flatMap((s) => sessionToSpans(s, { final: true }).map((x) => x.spanId)).sort();
  const bySession = (spans: readonly ReceivedSpan[], sid: string, session: (s: ReceivedSpan) => string | undefined): ReceivedSpan[] => spans.filter((s) => session(s) === sid);

  it("Langfuse: path, Basic auth from the key pair, ingestion version 4, protobuf; traces only, ours only", () => {
    expect(langfuse.requests.length).toBeGreaterThan(0);
    for (const r of langfuse.requests) {
      expect(r.path).toBe("/api/public/otel/v1/traces");
      expect(r.headers["authorization"]).toBe(`Basic ${Buffer.from(`${PK}:${SK}`).toString("base64")}`);
      expect(r.headers["x-langfuse-ingestion-version"]).toBe("4");
      expect(r.contentType).toBe("application/x-protobuf");
    }
    // Exactly our spans (the foreign ones filtered out, nothing twice), never metrics or logs.
    expect(langfuse.spans.map((s) => s.spanId).sort()).toEqual(expectedIds());
    expect(langfuse.points).toEqual([]);
    expect(langfuse.spans.every((s) => s.resource["claude_code.telemetry.source"] === "claude-code-otel")).toBe(true);
    // The other product's keys are stripped.
    expect(langfuse.spans.flatMap((s) => Object.keys(s.attributes)).filter((k) => k.startsWith("langsmith."))).toEqual([]);
  });

  it("Langfuse reads one session per trace, the observation types, errors, and tokens and cost equal to report --json", () => {
    for (const rs of report) {
      const spans = langfuse.spans.filter((s) => s.attributes["session.id"] === rs.sessionId);
      const s = sessions.find((x) => x.sessionId === rs.sessionId) as Session;
      const obs = spans.map((x) => langfuseObservation(x.attributes, x.status));
      expect(new Set(obs.map((o) => o.sessionId))).toEqual(new Set([rs.sessionId]));
      expect(new Set(spans.map((x) => x.traceId)).size).toBe(1);
      const types = (t: string): number => obs.filter((o) => o.type === t).length;
      expect([types("generation"), types("tool"), types("agent")]).toEqual([s.requests.length, s.toolCalls.length, s.turns.length + s.subagents.length]);
      expect(obs.filter((o) => o.level === "ERROR").length).toBe(s.toolCalls.filter((c) => c.outcome === "failure").length);
      expect(obs.every((o) => o.release === "2.1.330" && o.tags.join(",") === "claude-code,shop-api")).toBe(true);
      expect(obs.reduce((a, o) => a + o.inputTokens, 0)).toBe(rs.tokens.input + rs.tokens.cacheRead + rs.tokens.cacheCreation);
      expect(obs.reduce((a, o) => a + o.outputTokens, 0)).toBe(rs.tokens.output);
      expect(obs.reduce((a, o) => a + (o.usage["input_cached_tokens"] ?? 0), 0)).toBe(rs.tokens.cacheRead);
      // report --json's cost: Claude Code's ledger, on every session.
      expect(obs.reduce((a, o) => a + (o.cost ?? 0), 0)).toBeCloseTo(rs.costUsd, 9);
    }
  });

  it("LangSmith: path, x-api-key, project header, protobuf; traces only, ours only, Langfuse keys and session totals stripped", () => {
    expect(langsmith.requests.length).toBeGreaterThan(0);
    for (const r of langsmith.requests) {
      expect(r.path).toBe("/otel/v1/traces");
      expect(r.headers["x-api-key"]).toBe(LS_KEY);
      expect(r.headers["langsmith-project"]).toBe(LS_PROJECT);
      expect(r.contentType).toBe("application/x-protobuf");
    }
    expect(langsmith.spans.map((s) => s.spanId).sort()).toEqual(expectedIds());
    expect(langsmith.points).toEqual([]);
    expect(langsmith.spans.flatMap((s) => Object.keys(s.attributes)).filter((k) => k.startsWith("langfuse."))).toEqual([]);
    const roots = langsmith.spans.filter((s) => s.name === "claude_code.session");
    expect(roots).toHaveLength(sessions.length);
    expect(roots.flatMap((s) => Object.keys(s.attributes)).filter((k) => k.startsWith("gen_ai.usage."))).toEqual([]);
    // Every child's parent arrived (LangSmith drops a run whose parent never comes).
    const ids = new Set(langsmith.spans.map((s) => s.spanId));
    expect(langsmith.spans.filter((s) => s.parentSpanId !== undefined && !ids.has(s.parentSpanId))).toEqual([]);
  });

  it("LangSmith reads a thread per session, the run types, and tokens and cost equal to report --json", () => {
    for (const rs of report) {
      const spans = bySession(langsmith.spans, rs.sessionId, (x) => x.attributes["langsmith.metadata.thread_id"] as string | undefined);
      const s = sessions.find((x) => x.sessionId === rs.sessionId) as Session;
      expect(spans).toHaveLength(sessionToSpans(s, { final: true }).length);
      const runs = spans.map((x) => langsmithRun(x.attributes));
      const types = (t: string): number => runs.filter((r) => r.runType === t).length;
      expect([types("llm"), types("tool"), types("chain")]).toEqual([
        s.requests.length,
        s.toolCalls.length,
        1 + s.turns.length + s.subagents.length + s.compactions.length + s.ledger.length,
      ]);
      expect(runs.every((r) => r.metadata["ls_integration"] === "claude-code-otel" && r.metadata["ls_trace_schema_version"] === "coding-agent-v1")).toBe(true);
      expect(runs.filter((r) => r.metadata["ls_agent_type"] === "compaction").length).toBe(s.compactions.length);
      expect(runs.reduce((a, r) => a + r.inputTokens, 0)).toBe(rs.tokens.input + rs.tokens.cacheRead + rs.tokens.cacheCreation);
      expect(runs.reduce((a, r) => a + r.cacheRead, 0)).toBe(rs.tokens.cacheRead);
      expect(runs.reduce((a, r) => a + r.outputTokens, 0)).toBe(rs.tokens.output);
      expect(runs.reduce((a, r) => a + (r.cost ?? 0), 0)).toBeCloseTo(s.cost.totalUsd, 9);
    }
  });
});
