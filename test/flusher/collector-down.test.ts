/**
 * Nothing lost: the collector refuses connections for one session, answers 500 for the next,
 * accepts and never answers for the third (a black hole), then comes back. Hooks keep returning
 * at once, the outbox keeps what could not be sent, a black-holed flush ends within its deadline,
 * and a final `flush` delivers every span and metric point exactly once (no re-send: nothing
 * reached the receiver before it came back), leaving the outbox empty.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Session } from "../../src/model/types.js";
import { loadAllSessions } from "../support/sessions.js";
import { CC_2_1_330 } from "../support/recorded-fixtures.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import { durationsOf, expectContiguousWindows, expectSpansExactlyOnce, expectTotalsEqualReport, expectedSpans, transcriptToolEnds } from "../support/hook-expectations.js";
import type { FrontMode, FrontServer } from "../support/front-server.js";
import { startFrontServer } from "../support/front-server.js";
import type { HookWorld } from "../support/hook-harness.js";
import { hookLog, makeHookWorld, outboxOf, requireBuild, runFlush, runHook, waitForQuiet } from "../support/hook-harness.js";

describe("collector down, then back", () => {
  let world: HookWorld;
  let receiver: OtlpReceiver;
  let front: FrontServer;
  let sessions: Session[];
  beforeAll(async () => {
    requireBuild();
    receiver = await startOtlpReceiver();
    front = await startFrontServer(receiver.url);
    // Three sessions while the collector is down, one after it is back (60 hook runs, one at a time).
    world = makeHookWorld({ endpoint: front.url, sessions: ["parallel-fail", "edit-files", "agent-bg", "agent"], timeoutMs: 2_000 });
    sessions = await loadAllSessions(world.projects);
  });
  afterAll(async () => {
    await front?.close();
    await receiver?.close();
    world?.cleanup();
  });

  const outbox = (): string[] => outboxOf(world);

  /** Claude Code's order: one hook at a time per session, the flusher running in the background. */
  async function playSession(sessionId: string): Promise<number[]> {
    const times: number[] = [];
    for (const p of world.payloads.filter((x) => x["session_id"] === sessionId)) {
      const r = await runHook(world.env, JSON.stringify(p));
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: "", stderr: "" });
      times.push(r.ms);
    }
    await waitForQuiet(world);
    return times;
  }

  it("refused, 500, black hole: all kept in order; then one flush delivers everything exactly once", async () => {
    const order = [...new Set(world.payloads.map((p) => p["session_id"] as string))];
    expect(order).toEqual(["parallel-fail", "edit-files", "agent", "agent-bg"].map((label) => CC_2_1_330.sessionId(label)));
    const phases: FrontMode[] = ["refuse", "500", "hang"];
    let queued = 0;
    for (const [i, mode] of phases.entries()) {
      await front.setMode(mode);
      const times = await playSession(order[i] as string);
      // The hook never waits on the collector, whatever it does.
      expect(Math.max(...times)).toBeLessThan(5_000);
      expect(receiver.spans).toEqual([]);
      expect(outbox().length).toBeGreaterThan(queued);
      queued = outbox().length;
    }
    expect(front.seen.some((s) => s.mode === "500")).toBe(true);
    expect(front.seen.some((s) => s.mode === "hang")).toBe(true);
    expect(hookLog(world)).toMatch(/outbox: 0 sent, \d+ kept for the next flush: .*(ECONNREFUSED|HTTP 500|within 2000 ms)/);

    // A user's flush against the black hole ends within its deadline, says so, and keeps the outbox.
    const blackHoled = await runFlush(world.env);
    expect(blackHoled.code).toBe(1);
    expect(blackHoled.stderr).toMatch(/no answer from http:\/\/127\.0\.0\.1:\d+\/v1\/traces within 2000 ms/);
    expect(blackHoled.ms).toBeLessThan(9_000);
    expect(outbox().length).toBe(queued);

    // The collector comes back; the other sessions play live, then a final flush.
    await front.setMode("ok");
    for (const id of order.slice(phases.length)) await playSession(id);
    const final = await runFlush(world.env);
    expect(final.code).toBe(0);
    await waitForQuiet(world);
    expect(outbox()).toEqual([]);

    expect(front.resent).toBe(0);
    expectSpansExactlyOnce(receiver.spans, expectedSpans(sessions, durationsOf(world.payloads)), transcriptToolEnds(sessions));
    expectContiguousWindows(receiver.points);
    await expectTotalsEqualReport(receiver.points, world.projects);
  }, 240_000);
});
