/**
 * Issue 16.3 and 16.5 beyond the config file, with real processes (a blocked read would hang the
 * process, not fail a test): FIFOs where transcripts, a subagent's meta file, report's cache, the
 * flusher's lock, a destination's pass lock and an outbox entry should be never block report,
 * replay, watch, a hook or flush, nor does a FIFO named as the OTLP certificate; a state folder or home that
 * others can write is refused by replay and flush.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HookWorld, ProcessResult } from "../support/hook-harness.js";
import { BIN, hookLog, makeHookWorld, outboxOf, requireBuild, runFlush, runHook, runProcess, waitForQuiet } from "../support/hook-harness.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import { ledgerDirFor } from "../support/destinations.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";

const mkfifo = (path: string): void => void execFileSync("mkfifo", [path]);
const cli = (args: string[], env: NodeJS.ProcessEnv): Promise<ProcessResult> => runProcess([BIN, ...args], { PATH: process.env["PATH"], TZ: "UTC", ...env }, undefined, 30_000);

function expectSilentSuccess(r: ProcessResult): void {
  expect({ signal: r.signal, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ signal: null, code: 0, stdout: "", stderr: "" });
}

describe("FIFOs and devices in the transcripts", { timeout: 120_000 }, () => {
  let root: string;
  let projects: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    requireBuild();
    root = mkdtempSync(join(tmpdir(), "cco-special-"));
    projects = join(root, "projects");
    cpSync(join(REPO_ROOT, "examples", "projects"), projects, { recursive: true });
    const project = join(projects, readdirSync(projects)[0] as string);
    const session = (readdirSync(project).find((n) => n.endsWith(".jsonl")) as string).slice(0, -6);
    // A subagent transcript and its meta file that are FIFOs (seen only by their folder's listing),
    // a session file that is a FIFO, and one that links to /dev/zero.
    mkdirSync(join(project, session, "subagents"), { recursive: true });
    mkfifo(join(project, session, "subagents", "agent-a1.jsonl"));
    mkfifo(join(project, session, "subagents", "agent-a1.meta.json"));
    mkfifo(join(project, "fifo-session.jsonl"));
    symlinkSync("/dev/zero", join(project, "zero-session.jsonl"));
    env = { HOME: join(root, "home"), CLAUDE_CODE_OTEL_HOME: join(root, "otel") };
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each([
    ["report", ["report", "--no-cache"]],
    ["replay", ["replay", "--output-dir", "OUT", "--state-dir", "STATE", "--idle-minutes", "0"]],
    ["watch --once", ["watch", "--once", "--output-dir", "OUT", "--state-dir", "STATE-W", "--idle-minutes", "0"]],
  ])("%s: ends at once with the sessions it can read, and names the file it cannot", async (_name, args) => {
    const argv = [...args.map((a) => (/^[A-Z-]+$/.test(a) ? join(root, a.toLowerCase()) : a)), "--projects-dir", projects];
    const r = await cli(argv, env);
    expect({ signal: r.signal, code: r.code }).toEqual({ signal: null, code: 0 });
    expect(r.ms).toBeLessThan(20_000);
    if (args[0] !== "watch") expect(r.stderr).toContain("agent-a1.jsonl: not a regular file (a FIFO or a device)");
    // examples/projects holds 5 sessions; the FIFO and /dev/zero "sessions" are none of them.
    if (args[0] === "report") expect(r.stdout).toContain("Claude Code sessions: 5  (");
    if (args[0] === "replay") expect(r.stdout).toMatch(/^replay: 5 sessions \(0 unchanged\), sent \d+ spans/);
  });
});

describe("a FIFO at report's cache file", { timeout: 60_000 }, () => {
  it("the report is complete at once and writes a fresh cache in its place", async () => {
    requireBuild();
    const root = mkdtempSync(join(tmpdir(), "cco-cache-fifo-"));
    try {
      const env = { HOME: join(root, "home"), CLAUDE_CODE_OTEL_HOME: join(root, "otel") };
      const args = ["report", "--projects-dir", join(REPO_ROOT, "examples", "projects")];
      expect((await cli(args, env)).code).toBe(0);
      const cache = join(root, "otel", "cache", readdirSync(join(root, "otel", "cache"))[0] as string);
      rmSync(cache);
      mkfifo(cache);
      const r = await cli(args, env);
      expect({ signal: r.signal, code: r.code }).toEqual({ signal: null, code: 0 });
      expect(r.ms).toBeLessThan(20_000);
      expect(r.stdout).toContain("Claude Code sessions: 5  (");
      expect(lstatSync(cache).isFile()).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("FIFOs at our locks and in the outbox", { timeout: 120_000 }, () => {
  let world: HookWorld;
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    requireBuild();
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    world?.cleanup();
  });

  it("a FIFO at flush.lock: every hook ends at once, and flush takes the lock over and delivers", async () => {
    world = makeHookWorld({ endpoint: receiver.url });
    const first = world.payloads[0]?.["session_id"];
    const payloads = world.payloads.filter((p) => p["session_id"] === first);
    mkfifo(join(world.otelHome, "flush.lock"));
    for (const p of payloads) {
      const r = await runHook(world.env, JSON.stringify(p));
      expectSilentSuccess(r);
      expect(r.ms).toBeLessThan(10_000);
    }
    await waitForQuiet(world);
    const flush = await runFlush(world.env);
    expect({ code: flush.code, signal: flush.signal }).toEqual({ code: 0, signal: null });
    expect(receiver.spans.length).toBeGreaterThan(0);
    expect(hookLog(world)).not.toContain("ERROR");
  });

  it("a FIFO at the destination's pass.lock and one named like an outbox entry: the flushers end, deliver, and never open the FIFO entry", async () => {
    world?.cleanup();
    world = makeHookWorld({ endpoint: receiver.url });
    const dir = ledgerDirFor(world.stateDir, {}, world.env, { otlp: { endpoint: receiver.url } });
    mkdirSync(join(dir, "outbox"), { recursive: true, mode: 0o700 });
    mkfifo(join(dir, "pass.lock"));
    // Far ahead in the order: never replaced by an entry of ours during the test.
    mkfifo(join(dir, "outbox", "000000000900-traces.req"));
    const before = receiver.spans.length;
    const first = world.payloads[0]?.["session_id"];
    for (const p of world.payloads.filter((x) => x["session_id"] === first)) expectSilentSuccess(await runHook(world.env, JSON.stringify(p)));
    await waitForQuiet(world);
    const flush = await runFlush(world.env);
    expect({ code: flush.code, signal: flush.signal }).toEqual({ code: 0, signal: null });
    expect(flush.ms).toBeLessThan(60_000);
    expect(receiver.spans.length).toBeGreaterThan(before);
    expect(outboxOf(world)).toEqual(["000000000900-traces.req"]);
    expect(hookLog(world)).not.toContain("ERROR");
  });
});

describe("a home or state folder others can write", { timeout: 60_000 }, () => {
  let root: string;
  beforeAll(() => {
    requireBuild();
    root = mkdtempSync(join(tmpdir(), "cco-open-state-"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("replay and watch refuse a 0777 state folder: exit 1, one line that says why, nothing written", async () => {
    const state = join(root, "state");
    mkdirSync(state);
    chmodSync(state, 0o777);
    const env = { HOME: join(root, "home"), CLAUDE_CODE_OTEL_HOME: join(root, "otel") };
    for (const command of ["replay", "watch"]) {
      const args = [
        command,
        ...(command === "watch" ? ["--once"] : []),
        "--projects-dir",
        join(REPO_ROOT, "examples", "projects"),
        "--output-dir",
        join(root, "out"),
        "--state-dir",
        state,
      ];
      const r = await cli(args, env);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: "" });
      expect(r.stderr).toBe(`claude-code-otel ${command}: refusing ${state} is 0777: writable by others; nothing read or written there (run claude-code-otel doctor)\n`);
    }
    expect(readdirSync(state)).toEqual([]);
    expect(existsSync(join(root, "out"))).toBe(false);
  });

  it("flush refuses a 0777 home: exit 1 and why; flush --spool (what a hook starts) exits 0 without a word", async () => {
    const home = join(root, "open-home");
    mkdirSync(home);
    chmodSync(home, 0o777);
    const env = { HOME: join(root, "home"), CLAUDE_CODE_OTEL_HOME: home };
    const r = await cli(["flush"], env);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: "" });
    expect(r.stderr).toBe(`claude-code-otel flush: refusing ${home} is 0777: writable by others; nothing read or written there (run claude-code-otel doctor)\n`);
    expectSilentSuccess(await cli(["flush", "--spool"], env));
    expect(readdirSync(home)).toEqual([]);
  });
});

describe("a FIFO named as the OTLP certificate", { timeout: 60_000 }, () => {
  it("replay ends at once with a usage error that names the variable, nothing sent", async () => {
    requireBuild();
    const root = mkdtempSync(join(tmpdir(), "cco-fifo-cert-"));
    try {
      const ca = join(root, "ca.pem");
      mkfifo(ca);
      const env = { HOME: join(root, "home"), CLAUDE_CODE_OTEL_HOME: join(root, "otel"), OTEL_EXPORTER_OTLP_CERTIFICATE: ca };
      const args = ["replay", "--projects-dir", join(REPO_ROOT, "examples", "projects"), "--endpoint", "https://127.0.0.1:9/otel", "--state-dir", join(root, "state")];
      const r = await cli(args, env);
      expect({ signal: r.signal, code: r.code, stdout: r.stdout }).toEqual({ signal: null, code: 2, stdout: "" });
      expect(r.stderr).toBe(`claude-code-otel replay: OTEL_EXPORTER_OTLP_CERTIFICATE: cannot read ${ca} (ENOTREG)\n`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
