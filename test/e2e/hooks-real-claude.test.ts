/**
 * End to end with the REAL Claude Code CLI (offline, against the scripted stub): our hook
 * installed by `claude-code-otel install` in a temp HOME, pointing at a loopback OTLP receiver;
 * sessions with parallel tools and a failing one, a subagent, a resumed session and a `/compact`.
 * Then `flush`, then `replay --full` of the same transcripts with a fresh state dir into a second
 * receiver: the same span ids and attribute values, the same metric totals. Every hook invocation
 * goes through a wrapper that records its exit code and stdout size: always 0 and 0 bytes.
 * The CLI is the pinned dev dependency (2.1.330), or the release `CLAUDE_CODE_VERSION` names
 * (installed into .cache/claude-code/ on first use): `CLAUDE_CODE_VERSION=2.1.332 npm run test:real-claude`.
 * Skipped with a message when the pinned CLI is missing; fails on CI (CI=true).
 */
import { auditArrivals } from "../support/parents-first.js";
import { settleUpserts } from "../support/upserts.js";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAnthropicStub } from "../recorder/anthropic-stub.js";
import type { AnthropicStub } from "../recorder/anthropic-stub.js";
import { testClaudeCli } from "../recorder/claude-cli.js";
import { runClaude } from "../recorder/run-claude.js";
import { recorderScenarios } from "../recorder/scenarios.js";
import { projectDirName } from "../recorder/sanitize.js";
import { runCli } from "../support/cli.js";
import type { OtlpReceiver, ReceivedSpan } from "../support/otlp-receiver.js";
import { receivedTotals, startOtlpReceiver } from "../support/otlp-receiver.js";
import { BIN, HOOK_BIN, requireBuild, runProcess, stopFlushers, waitForQuietHome } from "../support/hook-harness.js";

const cli = testClaudeCli();
if (cli === undefined && process.env["CI"] === "true") throw new Error("Claude Code CLI binary missing on CI: npm ci must install @anthropic-ai/claude-code");
if (cli === undefined) console.warn("hooks-real-claude.test.ts skipped: @anthropic-ai/claude-code binary not found under node_modules (npm install)");

/** Records each hook run (event, exit code, stdout/stderr bytes) and passes stdin/stdout through. */
const WRAPPER = `import { spawnSync } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
const input = readFileSync(0);
let event = "?";
try { event = JSON.parse(input.toString("utf8")).hook_event_name; } catch {}
const started = Date.now();
const r = spawnSync(process.execPath, [process.argv[2], "hook"], { input, env: process.env });
appendFileSync(process.argv[3], JSON.stringify({ event, code: r.status, signal: r.signal, stdout: r.stdout.length, stderr: r.stderr.length, ms: Date.now() - started }) + "\\n");
process.stdout.write(r.stdout);
process.exit(r.status ?? 0);
`;

interface Step {
  readonly label: string;
  readonly prompt: string;
  readonly model: string;
}

const STEPS: Step[] = [
  { label: "parallel", prompt: "scenario:parallel-fail check the project and the missing directory", model: "claude-sonnet-4-6" },
  { label: "agent", prompt: "scenario:agent survey the project with a subagent", model: "claude-opus-4-6" },
  { label: "long", prompt: "scenario:long run the six steps", model: "claude-sonnet-4-5" },
  { label: "long", prompt: "/compact", model: "claude-sonnet-4-5" },
  { label: "long", prompt: "scenario:after-compact continue", model: "claude-sonnet-4-5" },
];

let hookLogPath = "";
const hookLog = (): string => {
  try {
    return readFileSync(hookLogPath, "utf8");
  } catch {
    return "";
  }
};

const byId = (spans: readonly ReceivedSpan[]): Map<string, ReceivedSpan> => new Map(spans.map((s) => [s.spanId, s]));

/** Attributes of a compaction span that depend on what the session did after it. */
const AFTER_COMPACTION = [
  "claude_code.compaction.cache_rebuild_usd",
  "claude_code.compaction.rereads",
  "claude_code.compaction.reread_cost_usd",
  "claude_code.compaction.reread_duration_ms",
];

function omit(attributes: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out = { ...attributes };
  for (const k of keys) delete out[k];
  return out;
}

describe.skipIf(cli === undefined)(`hooks with the real Claude Code CLI ${cli?.version ?? ""}`, () => {
  let tmp: string;
  let home: string;
  let cwd: string;
  let otelHome: string;
  let hookRuns: string;
  let stub: AnthropicStub;
  let live: OtlpReceiver;
  let replayed: OtlpReceiver;
  const sessionIds = new Map<string, string>();

  beforeAll(async () => {
    requireBuild();
    tmp = mkdtempSync(join(tmpdir(), "cco-e2e-hooks-"));
    home = join(tmp, "home");
    cwd = join(home, "work", "shop-api");
    otelHome = join(home, ".claude", "otel");
    hookRuns = join(tmp, "hook-runs.jsonl");
    hookLogPath = join(otelHome, "hook.log");
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, "README.md"), "# shop-api\n");
    execFileSync("git", ["init", "-q", "-b", "main"], { cwd });
    live = await startOtlpReceiver();
    replayed = await startOtlpReceiver();
    stub = await startAnthropicStub({ scenarios: recorderScenarios(cwd), idTag: "hooks" });

    // Our installer writes the hook (all events, async, timeout 10) and the config (endpoint).
    const env = { PATH: process.env["PATH"] ?? "", HOME: home };
    const installed = spawnSync(process.execPath, [BIN, "install", "--endpoint", live.url], { env, encoding: "utf8" });
    expect(installed.status, installed.stderr).toBe(0);
    const configPath = join(otelHome, "config.json");
    writeFileSync(configPath, JSON.stringify({ ...(JSON.parse(readFileSync(configPath, "utf8")) as object), logLevel: "info" }), { mode: 0o600 });
    // Wrap our command in the recording wrapper (same events, same options).
    const wrapper = join(tmp, "hook-wrapper.mjs");
    writeFileSync(wrapper, WRAPPER);
    const settingsPath = join(home, ".claude", "settings.json");
    const settings = readFileSync(settingsPath, "utf8");
    const ours = `'${process.execPath}' '${HOOK_BIN}' hook`;
    expect(settings).toContain(JSON.stringify(ours).slice(1, -1));
    writeFileSync(
      settingsPath,
      settings.split(JSON.stringify(ours).slice(1, -1)).join(JSON.stringify(`'${process.execPath}' '${wrapper}' '${HOOK_BIN}' '${hookRuns}'`).slice(1, -1)),
    );

    for (const step of STEPS) {
      const run = await runClaude({
        cli,
        home,
        cwd,
        prompt: step.prompt,
        baseUrl: stub.url,
        model: step.model,
        ...(sessionIds.has(step.label) ? { resume: sessionIds.get(step.label) } : {}),
        env: { ANTHROPIC_DEFAULT_HAIKU_MODEL: "claude-haiku-4-5" },
        timeoutMs: 120_000,
      });
      expect(run.exitCode, `${step.prompt}: ${run.stderr}`).toBe(0);
      if (run.sessionId !== undefined) sessionIds.set(step.label, run.sessionId);
      // Async hooks may still be running when the CLI exits.
      await new Promise((r) => setTimeout(r, 500));
      await waitForQuietHome(otelHome);
    }
    const flushed = await runProcess([BIN, "flush"], env, undefined, 60_000);
    expect(flushed.code, flushed.stderr).toBe(0);
    await waitForQuietHome(otelHome);

    const replay = await runCli(
      ["replay", "--full", "--idle-minutes", "0", "--endpoint", replayed.url, "--state-dir", join(tmp, "fresh-state"), "--projects-dir", join(home, ".claude", "projects")],
      {
        env: { HOME: home },
      },
    );
    expect(replay.code, replay.stderr).toBe(0);
  }, 600_000);

  afterAll(async () => {
    await stub?.stop();
    await live?.close();
    await replayed?.close();
    if (otelHome !== undefined) stopFlushers(otelHome);
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  });

  it("every hook run exited 0 and printed nothing", () => {
    const runs = readFileSync(hookRuns, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; code: number; stdout: number; stderr: number });
    const events = new Set(runs.map((r) => r.event));
    console.info(`hook runs: ${runs.length}; events: ${[...events].join(", ")}`);
    // `claude -p` exits right after its answer and async hooks still pending then (Stop,
    // SubagentStop, PostCompact, even a PostToolUseFailure, seen in one loaded CI run) are
    // sometimes never run: only these are certain in -p mode. The transcript is the source of
    // truth, so the SessionEnd trigger still exports everything (asserted in the next test).
    for (const e of ["SessionStart", "UserPromptSubmit", "PostToolUse", "SessionEnd"]) expect(events, e).toContain(e);
    expect(runs.filter((r) => r.code !== 0 || r.stdout !== 0 || r.stderr !== 0)).toEqual([]);
    console.info(hookLog());
    expect(hookLog()).not.toMatch(/ERROR/);
  });

  it("live hooks and a full replay give the same span ids and attribute values", () => {
    // A running session's root goes out provisionally with its first children, then final (same id, an upsert).
    // Parents first on the live path: no span reached the receiver before its parent.
    const arrivals = auditArrivals(live.spans);
    console.info(
      `live: ${live.spans.length} spans received, ${arrivals.provisional} provisional, ${arrivals.beforeParent.length} before their parent, ${arrivals.orphans.length} orphans`,
    );
    expect(arrivals.beforeParent.map((s) => s.name)).toEqual([]);
    expect(arrivals.orphans.map((s) => s.name)).toEqual([]);
    const settled = settleUpserts(live.spans);
    const a = byId(settled);
    const b = byId(settleUpserts(replayed.spans));
    expect(settled.length).toBe(a.size); // no span twice
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    const resumed = sessionIds.get("long");
    // A chat span sent live, before Claude Code's ledger line existed, carries its price (learned
    // rates or the library); the replay, reading the ledger, its share of it; the ledger line's
    // span then carries the difference (compared below, by session). Everything else is equal.
    const priced = (x: ReceivedSpan): Record<string, unknown> =>
      x.name.startsWith("chat ") || x.name === "claude_code.ledger" ? { ...x.attributes, "claude_code.cost_usd": 0, "claude_code.cost.source": "" } : x.attributes;
    for (const [id, s] of a) {
      const r = b.get(id) as ReceivedSpan;
      // Known limit: a session resumed after its SessionEnd keeps the root span (totals) of its first end.
      if (s.parentSpanId === undefined && s.attributes["session.id"] === resumed) continue;
      // Likewise its compaction's span, sent at the SessionEnd right after /compact: what came after
      // (the cache rebuild, the re-reads) is only in the replay's.
      const after = s.name === "claude_code.compaction" && s.attributes["session.id"] === resumed ? AFTER_COMPACTION : [];
      expect(after.filter((k) => s.attributes[k] !== r.attributes[k])).toEqual(after.length === 0 ? [] : ["claude_code.compaction.cache_rebuild_usd"]);
      // A tool call's cost is whole only once the session is over: on every replayed execute_tool
      // span, on a live one only when it left at the end.
      const cost = s.name.startsWith("execute_tool ") ? ["claude_code.tool.cost_usd"] : [];
      if (cost.length > 0) expect(r.attributes["claude_code.tool.cost_usd"], `${r.name} ${id}`).toBeGreaterThanOrEqual(0);
      expect({ name: s.name, parent: s.parentSpanId, start: s.startMs, attributes: omit(priced(s), [...after, ...cost]), status: s.status }, `${s.name} ${id}`).toEqual({
        name: r.name,
        parent: r.parentSpanId,
        start: r.startMs,
        attributes: omit(priced(r), [...after, ...cost]),
        status: r.status,
      });
    }
    // Per session, the chat, compaction and ledger spans add up to the same cost either way.
    const spanCost = (spans: Iterable<ReceivedSpan>, sessionId: unknown): number =>
      [...spans]
        .filter((x) => x.attributes["session.id"] === sessionId && (x.name.startsWith("chat ") || x.name === "claude_code.compaction" || x.name === "claude_code.ledger"))
        .reduce((sum, x) => sum + ((x.attributes["claude_code.cost_usd"] as number | undefined) ?? 0), 0);
    for (const sessionId of sessionIds.values()) expect(spanCost(a.values(), sessionId), sessionId).toBeCloseTo(spanCost(b.values(), sessionId), 9);
    // Tool spans carry Claude Code's measured duration (the replay, with a fresh state dir, has only the transcript's timing).
    const tools = live.spans.filter((s) => s.name.startsWith("execute_tool"));
    expect(tools.length).toBeGreaterThanOrEqual(11);
  });

  it("metric totals are equal; each session's cost is Claude Code's own cost-state total", async () => {
    const liveTotals = receivedTotals(live.points);
    const replayTotals = receivedTotals(replayed.points);
    expect(liveTotals.costUsd).toBeCloseTo(replayTotals.costUsd, 9);
    expect({ ...liveTotals, costUsd: 0 }).toEqual({ ...replayTotals, costUsd: 0 });
    const report = await runCli(["report", "--json", "--projects-dir", join(home, ".claude", "projects")]);
    const sessions = (JSON.parse(report.stdout) as { sessions: { sessionId: string; costUsd: number; costSource: string }[] }).sessions;
    expect(sessions.length).toBe(3);
    for (const s of sessions) {
      expect(s.costSource).toBe("ledger");
      const transcript = join(home, ".claude", "projects", projectDirName(cwd), `${s.sessionId}.jsonl`);
      const ledger = readFileSync(transcript, "utf8")
        .split("\n")
        .filter((l) => l.includes('"type":"cost-state"'))
        .map((l) => JSON.parse(l) as { totalCostUSD: number });
      expect(ledger.length).toBeGreaterThan(0);
      const root = replayed.spans.find((x) => x.parentSpanId === undefined && x.attributes["session.id"] === s.sessionId) as ReceivedSpan;
      expect(root.attributes["claude_code.cost_usd"]).toBeCloseTo(s.costUsd, 9);
      if (s.sessionId !== sessionIds.get("long")) {
        expect(s.costUsd).toBeCloseTo((ledger[ledger.length - 1] as { totalCostUSD: number }).totalCostUSD, 9);
        const liveRoot = settleUpserts(live.spans).find((x) => x.parentSpanId === undefined && x.attributes["session.id"] === s.sessionId) as ReceivedSpan;
        expect(liveRoot.attributes["claude_code.cost_usd"]).toBeCloseTo(s.costUsd, 9);
      }
    }
  });
});
