/**
 * A spawned flusher stays warm: a turn's first hook starts it, it handles every later trigger of
 * an active session in the same process, steps aside for a `flush` from the command line, exits
 * on its own when the session goes quiet, and hands over to a fresh process when it gets old.
 */
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config-file.js";
import { runFlush as flushInProcess } from "../../src/flusher/flush.js";
import type { LingerPolicy } from "../../src/flusher/flush.js";
import { flusherIdle, flusherRunning, spawnPending } from "../../src/hook/flush-lock.js";
import { createHookLog } from "../../src/hook/hook-log.js";
import { parseHookInput } from "../../src/hook/payload.js";
import { readSpool, triggerFor, writeTrigger } from "../../src/hook/spool.js";
import { join } from "node:path";
import type { Session } from "../../src/model/types.js";
import { durationsOf, expectedSpans, expectSpansExactlyOnce, transcriptToolEnds } from "../support/hook-expectations.js";
import type { HookWorld } from "../support/hook-harness.js";
import { hookLog, makeHookWorld, outboxOf, requireBuild, runFlush, runHook, waitForQuiet } from "../support/hook-harness.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import { auditArrivals } from "../support/parents-first.js";
import { CC_2_1_330 } from "../support/recorded-fixtures.js";
import { loadAllSessions } from "../support/sessions.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not ${what} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Pids of the flusher processes that wrote session lines ("session <id>: <events> → n spans"). */
function flusherPids(world: HookWorld, sessionId: string): string[] {
  const pids = [...hookLog(world).matchAll(new RegExp(`flush\\[(\\d+)\\] session ${sessionId}: `, "g"))].map((m) => m[1] as string);
  return [...new Set(pids)];
}

describe("a spawned flusher lingers", () => {
  let world: HookWorld;
  let receiver: OtlpReceiver;
  let sessions: Session[];
  beforeAll(async () => {
    requireBuild();
    receiver = await startOtlpReceiver();
    world = makeHookWorld({ endpoint: receiver.url, sessions: ["long"], logLevel: "debug" });
    sessions = await loadAllSessions(world.projects);
  });
  afterAll(async () => {
    await receiver?.close();
    world?.cleanup();
  });

  it("warm processes for a whole session: the first hook starts one, hooks never start another, parents first, each span once", async () => {
    const id = CC_2_1_330.sessionId("long");
    const payloads = world.payloads.filter((p) => p["session_id"] === id);
    expect(payloads.filter((p) => p["hook_event_name"] === "PostToolUse").length).toBe(6);
    const prompt = payloads.findIndex((p) => p["hook_event_name"] === "UserPromptSubmit");
    expect(prompt).toBeGreaterThanOrEqual(0);

    for (const p of payloads.slice(0, prompt + 1)) expect((await runHook(world.env, JSON.stringify(p))).code).toBe(0);
    // The prompt's hook started a flusher with nothing to do yet: it waits, warm.
    await until("lingering", () => flusherIdle(world.otelHome));
    for (const p of payloads.slice(prompt + 1)) {
      const r = await runHook(world.env, JSON.stringify(p));
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: "", stderr: "" });
      await sleep(100);
    }
    await waitForQuiet(world);
    // Hooks started one flusher (the first hook's); a flusher that got old handed over to the next.
    const log = hookLog(world);
    expect(log.match(/hook\[\d+\] flusher spawned/g)).toHaveLength(1);
    // (The last successor may find nothing left to do.)
    const pids = flusherPids(world, id).length;
    expect(pids).toBeGreaterThanOrEqual(1);
    expect(pids).toBeLessThanOrEqual(1 + (log.match(/handing over to a fresh flusher/g) ?? []).length);
    expect(outboxOf(world)).toEqual([]);
    const audit = auditArrivals(receiver.spans);
    expect([audit.beforeParent, audit.orphans]).toEqual([[], []]);
    expectSpansExactlyOnce(receiver.spans, expectedSpans(sessions, durationsOf(payloads)), transcriptToolEnds(sessions));

    // Quiet for its linger time (15 s by default): the last flusher exits by itself and hands over to nobody.
    // A hand-over claims the spawn token before it releases the lock: no gap between the two.
    const gone = (): boolean => !flusherRunning(world.otelHome) && !spawnPending(world.otelHome);
    await until("exited", gone, 60_000);
    await sleep(1_500);
    expect(gone()).toBe(true);
    expect(hookLog(world)).toMatch(/flusher done lingering \(timeout\)/);
  }, 180_000);

  it("a flush from the command line does not wait for a lingering flusher: it steps aside", async () => {
    const id = CC_2_1_330.sessionId("long");
    const start = world.payloads.find((p) => p["session_id"] === id && p["hook_event_name"] === "UserPromptSubmit");
    world.env["CLAUDE_CODE_OTEL_FLUSHER_LINGER_MS"] = "40000";
    try {
      expect((await runHook(world.env, JSON.stringify(start))).code).toBe(0);
      await until("lingering", () => flusherIdle(world.otelHome));
      const flush = await runFlush(world.env);
      expect({ code: flush.code, stderr: flush.stderr }).toEqual({ code: 0, stderr: "" });
      expect(flush.stdout).toMatch(/^flush: 0 sessions, 0 spans and 0 metric points queued; 0 requests sent, 0 left in the outbox\n/);
      expect(hookLog(world)).toMatch(/flusher done lingering \(yield\)/);
      // Nothing is left to ask the next flusher to step aside.
      expect(existsSync(join(world.otelHome, "spool", ".yield"))).toBe(false);
      expect(readSpool(world.otelHome).triggers).toEqual([]);
      await until("exited", () => !flusherRunning(world.otelHome), 5_000);
    } finally {
      delete world.env["CLAUDE_CODE_OTEL_FLUSHER_LINGER_MS"];
    }
  }, 60_000);
});

describe("a lingering flusher out of age", () => {
  it("starts no new cycle: the trigger that woke it waits in the spool for the successor it hands over to", async () => {
    const receiver = await startOtlpReceiver();
    const world = makeHookWorld({ endpoint: receiver.url, sessions: ["long"] });
    try {
      const id = CC_2_1_330.sessionId("long");
      const post = world.payloads.find((p) => p["session_id"] === id && p["hook_event_name"] === "PostToolUse");
      const parsed = parseHookInput(JSON.stringify(post));
      if (!parsed.ok) throw new Error(parsed.reason);
      const trigger = triggerFor(parsed.payload, Date.now());
      if (trigger === undefined) throw new Error("a PostToolUse is a trigger");
      const handOvers: number[] = [];
      const started = Date.now();
      const linger: LingerPolicy = {
        idleMs: 10_000,
        lastCycleStartMs: started + 1_500,
        hardDeadlineMs: started + 30_000,
        successor: { claim: () => true, start: () => handOvers.push(Date.now()) },
      };
      const env = world.env;
      const running = flushInProcess({ env, log: createHookLog(world.otelHome, "debug", "flush"), config: loadConfig(join(world.otelHome, "config.json")), linger });
      await until("lingering", () => flusherIdle(world.otelHome));
      await sleep(Math.max(0, started + 2_000 - Date.now()));
      writeTrigger(world.otelHome, trigger);
      const report = await running;
      expect({ busy: report.busy, sessions: report.sessions, spans: report.spans }).toEqual({ busy: false, sessions: 0, spans: 0 });
      expect(handOvers).toHaveLength(1);
      expect(readSpool(world.otelHome).triggers.map((t) => t.trigger)).toEqual([trigger]);
      expect(receiver.spans).toEqual([]);
      expect(flusherRunning(world.otelHome)).toBe(false);
      expect(readFileSync(join(world.otelHome, "hook.log"), "utf8")).toMatch(/flusher done lingering \((work|timeout)\)/);
    } finally {
      await receiver.close();
      world.cleanup();
    }
  }, 60_000);
});
