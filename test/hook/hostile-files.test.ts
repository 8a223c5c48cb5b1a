/**
 * Issue 16.3 and 16.5 with real hook and flush processes: a config that is a FIFO or a link to
 * /dev/zero does not hang a hook; hook.log, traces.jsonl, metrics.jsonl and the state journal are
 * never written through a planted symlink; a home another user owns or others can write, and a
 * config others can write, are refused with a log line, and nothing is sent where they say.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { HookWorld, ProcessResult } from "../support/hook-harness.js";
import { hookLog, makeHookWorld, requireBuild, runFlush, runHook, waitForQuiet } from "../support/hook-harness.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import { ledgerDirFor } from "../support/destinations.js";

const isRoot = process.geteuid?.() === 0;
const OTHER_UID = 65534;

function expectSilentSuccess(r: ProcessResult): void {
  expect({ signal: r.signal, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ signal: null, code: 0, stdout: "", stderr: "" });
}

describe("hostile files around the hook", { timeout: 90_000 }, () => {
  let world: HookWorld;
  let receiver: OtlpReceiver;
  let sessionPayloads: Record<string, unknown>[];
  beforeAll(async () => {
    requireBuild();
    receiver = await startOtlpReceiver();
  });
  beforeEach(() => {
    world?.cleanup();
    world = makeHookWorld({ logLevel: "info" });
    const first = world.payloads[0]?.["session_id"];
    sessionPayloads = world.payloads.filter((p) => p["session_id"] === first);
  });
  afterAll(async () => {
    await receiver?.close();
    world?.cleanup();
  });

  const configPath = (): string => join(world.otelHome, "config.json");

  it.each([
    ["a FIFO", (p: string) => execFileSync("mkfifo", [p])],
    ["a link to /dev/zero", (p: string) => symlinkSync("/dev/zero", p)],
  ])("config.json is %s: every hook ends at once (bounded), exit 0, and says why in its log", async (_name, make) => {
    mkdirSync(world.otelHome, { recursive: true, mode: 0o700 });
    make(configPath());
    for (const p of sessionPayloads.slice(0, 4)) {
      const r = await runHook(world.env, JSON.stringify(p));
      expectSilentSuccess(r);
      // runHook kills at 30 s; a hang would show as a signal. A hook takes well under a second.
      expect(r.ms).toBeLessThan(10_000);
    }
    expect(hookLog(world)).toContain(`config ignored: ${configPath()} is not a regular file`);
    await waitForQuiet(world);
  });

  it("planted symlinks at hook.log, traces.jsonl, metrics.jsonl and the state journal (.changes): the victims stay untouched", async () => {
    // The hooks' destination here: local files in the home. Its state (ledgers, journal) lives in its own folder.
    const sessions = join(ledgerDirFor(world.stateDir, {}, world.env, {}), "sessions");
    mkdirSync(sessions, { recursive: true, mode: 0o700 });
    const victims: Record<string, string> = {};
    for (const [name, at] of [
      ["hook.log", join(world.otelHome, "hook.log")],
      ["traces.jsonl", join(world.otelHome, "traces.jsonl")],
      ["metrics.jsonl", join(world.otelHome, "metrics.jsonl")],
      [".changes", join(sessions, ".changes")],
    ] as const) {
      const victim = join(world.root, `victim-${name}`);
      writeFileSync(victim, `precious ${name}\n`);
      symlinkSync(victim, at);
      victims[victim] = `precious ${name}\n`;
    }
    for (const p of sessionPayloads) expectSilentSuccess(await runHook(world.env, JSON.stringify(p)));
    await waitForQuiet(world);
    const flush = await runFlush(world.env);
    // The local files cannot be written: the flush fails and says so, nothing is lost (the spool/outbox keep it).
    expect(flush.code).not.toBe(0);
    for (const [victim, text] of Object.entries(victims)) expect(readFileSync(victim, "utf8")).toBe(text);
  });

  it.runIf(isRoot)("CLAUDE_CODE_OTEL_HOME in a folder another user owns (0777): refused, nothing read, written or sent; the default home's log says why", async () => {
    const theirs = join(world.root, "theirs");
    mkdirSync(theirs, { mode: 0o777 });
    chmodSync(theirs, 0o777);
    writeFileSync(join(theirs, "config.json"), JSON.stringify({ otlp: { endpoint: receiver.url } }));
    chownSync(join(theirs, "config.json"), OTHER_UID, OTHER_UID);
    chownSync(theirs, OTHER_UID, OTHER_UID);
    const env = { ...world.env, CLAUDE_CODE_OTEL_HOME: theirs, CLAUDE_CODE_OTEL_STATE_DIR: join(theirs, "state") };
    const before = receiver.requests.length;
    for (const p of sessionPayloads) expectSilentSuccess(await runHook(env, JSON.stringify(p)));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(readdirSync(theirs)).toEqual(["config.json"]);
    expect(receiver.requests.length).toBe(before);
    const fallbackLog = readFileSync(join(world.home, ".claude", "otel", "hook.log"), "utf8");
    expect(fallbackLog).toContain(`ERROR hook[`);
    expect(fallbackLog).toContain(`refusing CLAUDE_CODE_OTEL_HOME: ${theirs} belongs to uid ${OTHER_UID}, not to you (uid 0); nothing recorded (run claude-code-otel doctor)`);
  });

  it("a home of ours that others can write (0777): refused the same way", async () => {
    const open = join(world.root, "open-home");
    mkdirSync(open);
    chmodSync(open, 0o777);
    const env = { ...world.env, CLAUDE_CODE_OTEL_HOME: open, CLAUDE_CODE_OTEL_STATE_DIR: join(open, "state") };
    for (const p of sessionPayloads.slice(0, 3)) expectSilentSuccess(await runHook(env, JSON.stringify(p)));
    expect(readdirSync(open)).toEqual([]);
    expect(readFileSync(join(world.home, ".claude", "otel", "hook.log"), "utf8")).toContain(`refusing CLAUDE_CODE_OTEL_HOME: ${open} is 0777: writable by others`);
  });

  it("a config others can write (0666) is ignored: its endpoint gets nothing, the data stays in local files", async () => {
    world.writeConfig({ otlp: { endpoint: receiver.url } });
    chmodSync(configPath(), 0o666);
    const before = receiver.requests.length;
    for (const p of sessionPayloads) expectSilentSuccess(await runHook(world.env, JSON.stringify(p)));
    await waitForQuiet(world);
    expect(receiver.requests.length).toBe(before);
    expect(hookLog(world)).toContain(`config ignored: ${configPath()} is 0666: writable by others`);
    expect(existsSync(join(world.otelHome, "traces.jsonl"))).toBe(true);
  });
});
