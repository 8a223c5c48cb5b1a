/**
 * What newer hook payloads tell the flusher, with real hook and flusher processes on the recorded
 * 2.1.330 sessions:
 * - UserPromptSubmit's `source` (2.1.330 declares it; no release recorded so far sends it): where a
 *   transcript does not say who started a turn, a prompt a machine sent (here the background
 *   task's notification, source "system") is no user turn, live and in a later replay alike;
 * - Stop's `last_assistant_message`: the flusher reads the transcript once it holds that answer,
 *   so the turn's last request leaves with the Stop even when the line is written late.
 */
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { CC_2_1_330 } from "../support/recorded-fixtures.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import type { HookWorld } from "../support/hook-harness.js";
import { hookLog, makeHookWorld, requireBuild, runFlush as runFlushProcess, runHook, waitForQuiet } from "../support/hook-harness.js";
import { runCli } from "../support/cli.js";
import { parseHookInput } from "../../src/hook/payload.js";
import type { Trigger } from "../../src/hook/spool.js";
import { triggerFor, writeTrigger } from "../../src/hook/spool.js";
import { createHookLog } from "../../src/hook/hook-log.js";
import { runFlush } from "../../src/flusher/flush.js";

describe("newer hook payload fields", () => {
  let receiver: OtlpReceiver;
  let world: HookWorld;
  beforeAll(() => requireBuild());
  afterEach(async () => {
    await receiver?.close();
    world?.cleanup();
  });

  const transcriptOf = (label: string): string => join(world.projects, CC_2_1_330.projectDir, `${CC_2_1_330.sessionId(label)}.jsonl`);

  async function play(payloads: readonly Record<string, unknown>[]): Promise<void> {
    for (const p of payloads) {
      const r = await runHook(world.env, JSON.stringify(p));
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: "" });
    }
    await waitForQuiet(world);
  }

  it("UserPromptSubmit source: a machine's prompt is no user turn where the transcript does not say, and replay agrees", async () => {
    receiver = await startOtlpReceiver();
    world = makeHookWorld({ endpoint: receiver.url, sessions: ["agent-bg"] });
    const sid = CC_2_1_330.sessionId("agent-bg");
    // A release whose transcript does not say who started the turn: the lines without turnOrigin and promptSource.
    const file = transcriptOf("agent-bg");
    const lines = readFileSync(file, "utf8").split("\n");
    writeFileSync(file, lines.map((l) => (l === "" ? l : JSON.stringify({ ...(JSON.parse(l) as object), turnOrigin: undefined, promptSource: undefined }))).join("\n"));
    // ...whose hook says it, on the notification's UserPromptSubmit (the second).
    const prompts = world.payloads.filter((p) => p["hook_event_name"] === "UserPromptSubmit");
    expect(prompts).toHaveLength(2);
    const payloads = world.payloads.map((p) => (p === prompts[1] ? { ...p, source: "system" } : p === prompts[0] ? { ...p, source: "sdk" } : p));
    await play(payloads);
    const flush = await runFlushProcess(world.env);
    expect(flush.code, flush.stderr).toBe(0);
    // Final versions (the hooks replay against a transcript written in full beforehand, so the
    // notification's turn went ahead provisionally before its UserPromptSubmit hook ran).
    const turns = receiver.spans
      .filter((s) => s.name === "invoke_agent claude-code" && s.attributes["claude_code.span.provisional"] !== true)
      .map((s) => [s.attributes["claude_code.prompt.id"], s.attributes["claude_code.turn.origin"]]);
    expect(turns).toEqual([
      [prompts[0]?.["prompt_id"], "user"],
      [prompts[1]?.["prompt_id"], "system"],
    ]);
    const turnCount = receiver.points.filter((p) => p.name === "claude_code.turn.count").reduce((n, p) => n + p.value, 0);
    expect(turnCount).toBe(1);
    expect(receiver.spans.find((s) => s.name === "claude_code.session" && s.attributes["claude_code.session.open"] !== true)?.attributes["claude_code.turns"]).toBe(1);

    // A full replay elsewhere, from the same state folder, reads what the hooks recorded: the same turns.
    const second = await startOtlpReceiver();
    const replay = await runCli(["replay", "--full", "--projects-dir", world.projects, "--endpoint", second.url, "--idle-minutes", "0"], { env: world.env });
    await second.close();
    expect(replay.code, replay.stderr).toBe(0);
    expect(second.spans.filter((s) => s.name === "invoke_agent claude-code").map((s) => s.attributes["claude_code.turn.origin"])).toEqual(["user", "system"]);
    expect(readFileSync(join(world.stateDir, "sessions", `${sid}.origins.json`), "utf8")).not.toContain("task-notification");
  });

  it("Stop last_assistant_message: the flusher waits for the answer's line, so the last request leaves with the Stop", async () => {
    receiver = await startOtlpReceiver();
    world = makeHookWorld({ endpoint: receiver.url, sessions: ["parallel-fail"] });
    // Spawned flushers exit at once: the Stop below is flushed here, in this process, when we say.
    world.env["CLAUDE_CODE_OTEL_FLUSHER_LINGER_MS"] = "0";
    const sid = CC_2_1_330.sessionId("parallel-fail");
    const file = transcriptOf("parallel-fail");
    const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
    // Everything from the final answer's line on is written late, after the Stop hook ran.
    const answer = lines.findIndex((l) => l.includes('"msg_v2_1_330_2"'));
    expect(answer).toBeGreaterThan(0);
    writeFileSync(file, `${lines.slice(0, answer).join("\n")}\n`);
    const stopAt = world.payloads.findIndex((p) => p["hook_event_name"] === "Stop");
    await play(world.payloads.slice(0, stopAt));
    const sent = (): unknown[] => receiver.spans.filter((s) => s.attributes["gen_ai.response.id"] === "msg_v2_1_330_2").map((s) => s.attributes["gen_ai.response.finish_reasons"]);
    expect(sent()).toEqual([]);
    const stopTrigger = (payload: Record<string, unknown>): void => {
      const r = parseHookInput(JSON.stringify(payload));
      if (!r.ok) throw new Error(r.reason);
      writeTrigger(world.otelHome, triggerFor(r.payload, Date.now()) as Trigger);
    };
    const log = createHookLog(world.otelHome, "info", "flush");

    // Without the answer (releases before 2.1.47 send none) the flusher reads what is there: the request waits for a later flush.
    const { last_assistant_message: text, ...older } = world.payloads[stopAt] as Record<string, unknown>;
    expect(typeof text).toBe("string");
    stopTrigger(older);
    expect((await runFlush({ env: world.env, log, transcriptWaitMs: 5_000 })).error).toBeUndefined();
    expect(sent()).toEqual([]);

    // With it, the flusher waits until the transcript holds the answer (written 1.5 s later here).
    stopTrigger(world.payloads[stopAt] as Record<string, unknown>);
    const late = setTimeout(() => appendFileSync(file, `${lines.slice(answer).join("\n")}\n`), 1_500);
    const flushed = await runFlush({ env: world.env, log, transcriptWaitMs: 5_000 });
    clearTimeout(late);
    expect(flushed.error).toBeUndefined();
    expect(sent()).toEqual([["end_turn"]]);
    expect(hookLog(world)).toMatch(new RegExp(`session ${sid}: the transcript caught up with the hooks after \\d+ ms`));
  });
});
