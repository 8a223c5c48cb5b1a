// The opt-in session.id metric label, through every door: replay's flag, the variable and the
// config file (in-process, into a real OTLP receiver), and the hooks' flusher reading the config
// file (real processes). Off by default; a bad value is a usage error; on, a cardinality warning.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { replayCommand } from "../../src/cli/replay-command.js";
import { METRIC_SESSION_ID_ENV, MetricSessionIdError, resolveMetricSessionId } from "../../src/config/metric-session-id.js";
import { captureIO, runCli } from "../support/cli.js";
import { makeHookWorld, requireBuild, runFlush, runHook, waitForQuiet, type HookWorld } from "../support/hook-harness.js";
import { EXAMPLES as EXAMPLES_RECORDING } from "../support/recorded-fixtures.js";
import { startOtlpReceiver, type OtlpReceiver } from "../support/otlp-receiver.js";

const EXAMPLES = EXAMPLES_RECORDING.projects;
const SESSIONS = [
  "045586bf-ee15-472c-a6a4-aa3a08ea6041",
  "234d59f3-7969-44db-a64b-2eed19f395a8",
  "62309d4a-93a9-48d4-a6c3-e9bceeb65e4c",
  "a9c0fb6d-55a2-4251-a3cb-91008224f2f8",
  "d2935405-68ab-40b1-9117-862b9261c29b",
];

describe("resolveMetricSessionId", () => {
  it("takes the flag, then the variable, then the config file, else off", () => {
    expect(resolveMetricSessionId(undefined, {}, undefined)).toBe(false);
    expect(resolveMetricSessionId(false, {}, undefined)).toBe(false);
    expect(resolveMetricSessionId(true, { [METRIC_SESSION_ID_ENV]: "0" }, false)).toBe(true);
    expect(resolveMetricSessionId(undefined, { [METRIC_SESSION_ID_ENV]: "1" }, false)).toBe(true);
    expect(resolveMetricSessionId(undefined, { [METRIC_SESSION_ID_ENV]: "false" }, true)).toBe(false);
    expect(resolveMetricSessionId(undefined, { [METRIC_SESSION_ID_ENV]: "" }, true)).toBe(true);
    expect(resolveMetricSessionId(undefined, {}, true)).toBe(true);
    expect(resolveMetricSessionId(undefined, { [METRIC_SESSION_ID_ENV]: " ON " }, undefined)).toBe(true);
  });

  it("refuses anything but a yes or a no", () => {
    expect(() => resolveMetricSessionId(undefined, { [METRIC_SESSION_ID_ENV]: "maybe" }, undefined)).toThrow(MetricSessionIdError);
    expect(() => resolveMetricSessionId(undefined, {}, "sure")).toThrow(/metricSessionId in the config file: expected true or false, got "sure"/);
    expect(() => resolveMetricSessionId(undefined, {}, 1)).toThrow(MetricSessionIdError);
  });
});

describe("replay --metric-session-id", () => {
  let receiver: OtlpReceiver;
  let dir: string;
  afterEach(async () => {
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function replay(extra: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stderr: string }> {
    receiver = await startOtlpReceiver();
    dir = mkdtempSync(join(tmpdir(), "cco-metric-sid-"));
    const io = captureIO({ CLAUDE_CODE_OTEL_HOME: join(dir, "otel"), ...env });
    const code = await replayCommand(["--projects-dir", EXAMPLES, "--endpoint", receiver.url, "--state-dir", join(dir, "state"), "--idle-minutes", "0", ...extra], io);
    return { code, stderr: io.stderr() };
  }

  it("is off by default: no point carries session.id, and nothing is said", async () => {
    const r = await replay([]);
    expect(r.code, r.stderr).toBe(0);
    expect(receiver.points.length).toBeGreaterThan(0);
    expect(receiver.points.filter((p) => "session.id" in p.attributes)).toEqual([]);
    expect(r.stderr).not.toContain("session.id");
  });

  it("the flag puts each point's own session id on it, and warns about cardinality", async () => {
    const r = await replay(["--metric-session-id"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("note: session.id is on every metric point (opt-in): one series per session");
    const bySession = new Map<string, number>();
    for (const p of receiver.points) bySession.set(String(p.attributes["session.id"]), (bySession.get(String(p.attributes["session.id"])) ?? 0) + 1);
    expect([...bySession.keys()].sort()).toEqual(SESSIONS);
    // One session-count point per session, under its own id.
    const counts = receiver.points.filter((p) => p.name === "claude_code.session.count");
    expect(counts.map((p) => [p.attributes["session.id"], p.value]).sort()).toEqual(SESSIONS.map((s) => [s, 1]));
  });

  it("the variable and the config file switch it on too; a bad value is a usage error", async () => {
    expect((await replay([], { [METRIC_SESSION_ID_ENV]: "1" })).code).toBe(0);
    expect(receiver.points.length).toBeGreaterThan(0);
    expect(receiver.points.every((p) => SESSIONS.includes(String(p.attributes["session.id"])))).toBe(true);
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });

    const config = join(mkdtempSync(join(tmpdir(), "cco-metric-sid-config-")), "config.json");
    writeFileSync(config, JSON.stringify({ metricSessionId: true }));
    expect((await replay(["--config", config])).code).toBe(0);
    expect(receiver.points.length).toBeGreaterThan(0);
    expect(receiver.points.every((p) => SESSIONS.includes(String(p.attributes["session.id"])))).toBe(true);
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });

    receiver = await startOtlpReceiver();
    // Through main(), which maps a usage error to exit code 2.
    const bad = await runCli(["replay", "--projects-dir", EXAMPLES, "--endpoint", receiver.url, "--state-dir", join(dir, "state")], {
      env: { [METRIC_SESSION_ID_ENV]: "maybe", CLAUDE_CODE_OTEL_HOME: join(dir, "otel") },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${METRIC_SESSION_ID_ENV}: expected true or false, got "maybe"`);
    expect(receiver.requests).toEqual([]);
    rmSync(join(config, ".."), { recursive: true, force: true });
  });
});

describe('hooks: "metricSessionId": true in the config file', () => {
  let receiver: OtlpReceiver;
  let world: HookWorld;
  beforeAll(async () => {
    requireBuild();
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    world?.cleanup();
  });

  it("the flusher puts the session's id on every point it sends", async () => {
    // The hook reads its endpoint and this switch from the config file (Claude Code strips OTEL_*).
    world = makeHookWorld({ recording: EXAMPLES_RECORDING });
    world.writeConfig({ otlp: { endpoint: receiver.url }, metricSessionId: true });
    const session = SESSIONS[1] ?? "";
    const end = world.payloads.find((p) => p["session_id"] === session && p["hook_event_name"] === "SessionEnd");
    expect(end).toBeDefined();
    const hook = await runHook(world.env, JSON.stringify(end));
    expect({ code: hook.code, stdout: hook.stdout }).toEqual({ code: 0, stdout: "" });
    await waitForQuiet(world);
    const flush = await runFlush(world.env);
    expect(flush.code, flush.stderr).toBe(0);
    expect(receiver.points.length).toBeGreaterThan(0);
    expect([...new Set(receiver.points.map((p) => p.attributes["session.id"]))]).toEqual([session]);
  });
});
