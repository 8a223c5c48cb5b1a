// OTEL_SEMCONV_STABILITY_OPT_IN for the GenAI names, through every door: the variable (replay,
// in-process, into a real OTLP receiver), the config file's "semconvStabilityOptIn" (replay, and
// the hooks' flusher as real processes: Claude Code strips OTEL_* from hooks). By default the
// current names only; gen_ai_latest_experimental/dup adds v1.41.0's beside them.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { replayCommand } from "../../src/cli/replay-command.js";
import { SemconvOptInError, resolveLegacyGenAiNames } from "../../src/config/semconv-opt-in.js";
import { legacyGenAiRequested } from "../../src/semconv/stability.js";
import { captureIO, runCli } from "../support/cli.js";
import { makeHookWorld, requireBuild, runFlush, runHook, waitForQuiet, type HookWorld } from "../support/hook-harness.js";
import { EXAMPLES as EXAMPLES_RECORDING } from "../support/recorded-fixtures.js";
import { startOtlpReceiver, type OtlpReceiver } from "../support/otlp-receiver.js";

const EXAMPLES = EXAMPLES_RECORDING.projects;
const OLD_METRIC = "gen_ai.client.token.usage";
const OLD_ATTR = "gen_ai.usage.cache_creation.input_tokens";
const NEW_ATTR = "gen_ai.usage.cache_write.input_tokens";

describe("OTEL_SEMCONV_STABILITY_OPT_IN", () => {
  it("gen_ai_latest_experimental/dup (any case, anywhere in the list) asks for the v1.41.0 names too; nothing else does", () => {
    expect(legacyGenAiRequested(undefined)).toBe(false);
    expect(legacyGenAiRequested("")).toBe(false);
    expect(legacyGenAiRequested("gen_ai_latest_experimental")).toBe(false);
    expect(legacyGenAiRequested("http/dup,database")).toBe(false);
    expect(legacyGenAiRequested("gen_ai_latest_experimental/dup")).toBe(true);
    expect(legacyGenAiRequested("http, GEN_AI_LATEST_EXPERIMENTAL/DUP ")).toBe(true);
    // `/dup` wins over the plain value, as http/dup does over http.
    expect(legacyGenAiRequested("gen_ai_latest_experimental,gen_ai_latest_experimental/dup")).toBe(true);
  });

  it("the variable when set, else the config file's semconvStabilityOptIn; a config value that is not a string is refused", () => {
    const env = { OTEL_SEMCONV_STABILITY_OPT_IN: "gen_ai_latest_experimental" };
    expect(resolveLegacyGenAiNames({}, undefined)).toBe(false);
    expect(resolveLegacyGenAiNames({}, "gen_ai_latest_experimental/dup")).toBe(true);
    expect(resolveLegacyGenAiNames(env, "gen_ai_latest_experimental/dup")).toBe(false);
    expect(resolveLegacyGenAiNames({ OTEL_SEMCONV_STABILITY_OPT_IN: " " }, "gen_ai_latest_experimental/dup")).toBe(true);
    expect(() => resolveLegacyGenAiNames({}, true)).toThrow(SemconvOptInError);
    expect(() => resolveLegacyGenAiNames({}, ["gen_ai_latest_experimental/dup"])).toThrow(/semconvStabilityOptIn in the config file must be a string/);
  });
});

describe("replay and the opt-in", () => {
  let receiver: OtlpReceiver;
  let dir: string;
  afterEach(async () => {
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function replay(extra: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stderr: string }> {
    receiver = await startOtlpReceiver();
    dir = mkdtempSync(join(tmpdir(), "cco-semconv-"));
    const io = captureIO({ CLAUDE_CODE_OTEL_HOME: join(dir, "otel"), ...env });
    const code = await replayCommand(["--projects-dir", EXAMPLES, "--endpoint", receiver.url, "--state-dir", join(dir, "state"), "--idle-minutes", "0", ...extra], io);
    return { code, stderr: io.stderr() };
  }
  const chats = (): Array<Record<string, unknown>> => receiver.spans.filter((s) => s.name.startsWith("chat ")).map((s) => s.attributes);

  it("by default: the current names only", async () => {
    const r = await replay([]);
    expect(r.code, r.stderr).toBe(0);
    expect(chats().length).toBeGreaterThan(10);
    expect(chats().every((a) => NEW_ATTR in a && !(OLD_ATTR in a))).toBe(true);
    expect(receiver.points.filter((p) => p.name === OLD_METRIC)).toEqual([]);
    expect(receiver.points.filter((p) => p.name === "gen_ai.client.inference.usage.input_tokens").length).toBeGreaterThan(0);
  });

  it("the variable and the config file add the v1.41.0 names beside the current ones", async () => {
    expect((await replay([], { OTEL_SEMCONV_STABILITY_OPT_IN: "gen_ai_latest_experimental/dup" })).code).toBe(0);
    expect(chats().every((a) => a[OLD_ATTR] === a[NEW_ATTR])).toBe(true);
    const old = receiver.points.filter((p) => p.name === OLD_METRIC);
    const inputs = receiver.points.filter((p) => p.name === "gen_ai.client.inference.usage.input_tokens");
    expect(old.length).toBeGreaterThan(0);
    // The histogram's input sum is the counter's total.
    const oldInput = old.filter((p) => p.attributes["gen_ai.token.type"] === "input").reduce((n, p) => n + p.value, 0);
    expect(oldInput).toBe(inputs.reduce((n, p) => n + p.value, 0));
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });

    const configDir = mkdtempSync(join(tmpdir(), "cco-semconv-config-"));
    const config = join(configDir, "config.json");
    writeFileSync(config, JSON.stringify({ semconvStabilityOptIn: "gen_ai_latest_experimental/dup" }));
    expect((await replay(["--config", config])).code).toBe(0);
    expect(chats().every((a) => a[OLD_ATTR] === a[NEW_ATTR])).toBe(true);
    expect(receiver.points.filter((p) => p.name === OLD_METRIC).length).toBeGreaterThan(0);
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });

    // A config value of the wrong type is a usage error (exit 2), and nothing is sent.
    writeFileSync(config, JSON.stringify({ semconvStabilityOptIn: 1 }));
    receiver = await startOtlpReceiver();
    const bad = await runCli(["replay", "--projects-dir", EXAMPLES, "--endpoint", receiver.url, "--state-dir", join(configDir, "state"), "--config", config], {
      env: { CLAUDE_CODE_OTEL_HOME: join(configDir, "otel") },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("semconvStabilityOptIn in the config file must be a string");
    expect(receiver.requests).toEqual([]);
    rmSync(configDir, { recursive: true, force: true });
  });
});

describe('hooks: "semconvStabilityOptIn" in the config file', () => {
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

  it("the flusher sends the v1.41.0 names beside the current ones", async () => {
    world = makeHookWorld({ recording: EXAMPLES_RECORDING });
    world.writeConfig({ otlp: { endpoint: receiver.url }, semconvStabilityOptIn: "gen_ai_latest_experimental/dup" });
    const end = world.payloads.find((p) => p["hook_event_name"] === "SessionEnd");
    expect(end).toBeDefined();
    const hook = await runHook(world.env, JSON.stringify(end));
    expect({ code: hook.code, stdout: hook.stdout }).toEqual({ code: 0, stdout: "" });
    await waitForQuiet(world);
    const flush = await runFlush(world.env);
    expect(flush.code, flush.stderr).toBe(0);
    const chat = receiver.spans.filter((s) => s.name.startsWith("chat "));
    expect(chat.length).toBeGreaterThan(0);
    expect(chat.every((s) => s.attributes[OLD_ATTR] === s.attributes[NEW_ATTR])).toBe(true);
    expect(receiver.points.some((p) => p.name === OLD_METRIC)).toBe(true);
  });
});
