/**
 * 50+ hook processes at once on one session (parallel tool calls, repeated events), plus every
 * other fixture payload, all started together, then a user's `flush`: spool, ledger, cursors and
 * outbox stay consistent and every span and metric point reaches a real OTLP/HTTP receiver
 * exactly once.
 *
 * The receiver lives in this (very busy) test process: with ~90 processes on two cores it can
 * miss the flusher's 2 s deadline after having taken a request, which the flusher then re-sends
 * byte for byte (at-least-once on an ambiguous timeout). The front drops such identical re-sends,
 * as the collector's delta_to_cumulative does for metric points, and the test counts them.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Session } from "../../src/model/types.js";
import { loadAllSessions } from "../support/sessions.js";
import { CC_2_1_330 } from "../support/recorded-fixtures.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import type { FrontServer } from "../support/front-server.js";
import { startFrontServer } from "../support/front-server.js";
import { durationsOf, expectContiguousWindows, expectSpansExactlyOnce, expectTotalsEqualReport, expectedSpans, transcriptToolEnds } from "../support/hook-expectations.js";
import type { HookWorld } from "../support/hook-harness.js";
import { hookLog, listDir, makeHookWorld, outboxOf, requireBuild, runFlush, runHook, waitForQuiet } from "../support/hook-harness.js";

/** The long session: 47 payloads (six tool rounds, resumed three times, a compaction). */
const BUSY_SESSION = CC_2_1_330.sessionId("long");

describe("hooks under concurrency", () => {
  let world: HookWorld;
  let receiver: OtlpReceiver;
  let front: FrontServer;
  let sessions: Session[];
  beforeAll(async () => {
    requireBuild();
    receiver = await startOtlpReceiver();
    front = await startFrontServer(receiver.url, { dropResent: true });
    // The busy session twice (94 payloads) and one more session: ~110 processes at once on two cores.
    world = makeHookWorld({ endpoint: front.url, sessions: ["long", "parallel-fail"] });
    sessions = await loadAllSessions(world.projects);
  });
  afterAll(async () => {
    await front?.close();
    await receiver?.close();
    world?.cleanup();
  });

  it("50+ concurrent hooks on one session and a final flush: every span id once, metric sums = report totals", async () => {
    const busy = world.payloads.filter((p) => p["session_id"] === BUSY_SESSION);
    // Each of the busy session's payloads twice (a re-delivered trigger must change nothing), then the rest.
    const all = [...busy, ...busy, ...world.payloads.filter((p) => p["session_id"] !== BUSY_SESSION)];
    expect(busy.length * 2).toBeGreaterThanOrEqual(50);
    const results = await Promise.all(all.map((p) => runHook(world.env, JSON.stringify(p))));
    for (const r of results) expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: "", stderr: "" });

    const flush = await runFlush(world.env);
    expect(flush.stderr).toBe("");
    expect(flush.code).toBe(0);
    await waitForQuiet(world);

    expect(outboxOf(world)).toEqual([]);
    expect(listDir(join(world.otelHome, "spool"))).toEqual([]);
    expect(hookLog(world)).not.toMatch(/ERROR/);
    // No stray temp or lock files in the state.
    const stray = readdirSync(world.stateDir, { recursive: true })
      .map(String)
      .filter((n) => n.endsWith(".tmp") || n.endsWith(".lock") || n.includes(".corrupt-"));
    expect(stray).toEqual([]);

    // All hooks start at once, so a Stop can be spooled before a PostToolUse of the same turn;
    // that call then goes out with its transcript timing (the sequential tests check durations).
    const transcriptTimed = expectSpansExactlyOnce(receiver.spans, expectedSpans(sessions, durationsOf(world.payloads)), transcriptToolEnds(sessions));
    expectContiguousWindows(receiver.points);
    await expectTotalsEqualReport(receiver.points, world.projects);
    console.info(
      `concurrency: ${all.length} hook processes, ${front.seen.length} requests, ${front.resent} identical re-sends after a missed deadline, ${transcriptTimed} tool spans released by a Stop before their duration arrived`,
    );
  }, 180_000);
});
