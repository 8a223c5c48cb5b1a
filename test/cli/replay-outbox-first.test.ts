/**
 * Hooks queue requests while the collector is down; a later `replay` to the same collector must
 * deliver that queue first. Its metric windows were stamped earlier by the shared clock, and the
 * collector's delta_to_cumulative drops a window older than one it already has: sending replay's
 * newer windows first would lose the hooks' points. Reads the recorded 2.1.330 fixtures.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAllSessions } from "../support/sessions.js";
import { CC_2_1_330 } from "../support/recorded-fixtures.js";
import { runCli } from "../support/cli.js";
import { settleUpserts } from "../support/upserts.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import { durationsOf, expectContiguousWindows, expectTotalsEqualReport, expectedSpans } from "../support/hook-expectations.js";
import type { HookWorld } from "../support/hook-harness.js";
import { makeHookWorld, outboxOf, requireBuild, runHook, waitForQuiet } from "../support/hook-harness.js";

const HOOKED = CC_2_1_330.sessionId("parallel-fail");

describe("the hooks' outbox goes before replay", () => {
  let receiver: OtlpReceiver;
  let world: HookWorld;
  beforeAll(async () => {
    requireBuild();
    receiver = await startOtlpReceiver();
    world = makeHookWorld({ endpoint: receiver.url });
  });
  afterAll(async () => {
    await receiver?.close();
    world?.cleanup();
  });

  it("blocked while the queue cannot be delivered; delivered first, in order, once it can", async () => {
    receiver.status = 503;
    for (const p of world.payloads.filter((x) => x["session_id"] === HOOKED)) {
      const r = await runHook(world.env, JSON.stringify(p));
      expect(r.code).toBe(0);
      await waitForQuiet(world);
    }
    const queued = outboxOf(world);
    expect(queued.length).toBeGreaterThan(0);

    const args = ["replay", "--projects-dir", world.projects, "--endpoint", receiver.url, "--idle-minutes", "0"];
    const blocked = await runCli(args, { env: world.env });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/failed: HTTP 503 from .*; \d+ requests kept in the outbox/);
    // Nothing new was planned while the queue could not go: the outbox is as the hooks left it.
    expect(outboxOf(world)).toEqual(queued);

    receiver.requests.length = 0;
    receiver.status = 200;
    const ok = await runCli(args, { env: world.env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain(`delivered ${queued.length} requests queued earlier (by the hooks or an earlier run) first`);
    expect(outboxOf(world)).toEqual([]);

    // Windows arrive in the order they were stamped, and join up: nothing for the collector to drop.
    const times = receiver.points.map((p) => p.timeMs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expectContiguousWindows(receiver.points);
    const sessions = await loadAllSessions(world.projects);
    const spans = settleUpserts(receiver.spans);
    expect(spans.map((s) => s.spanId).sort()).toEqual(
      expectedSpans(sessions, durationsOf(world.payloads))
        .map((s) => s.spanId)
        .sort(),
    );
    await expectTotalsEqualReport(receiver.points, world.projects);
  }, 120_000);
});
