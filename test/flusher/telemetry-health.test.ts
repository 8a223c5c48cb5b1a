/**
 * Telemetry health through the hooks' flusher (real processes): a session recorded with the real
 * Claude Code 2.1.330 whose claude-code-otel hooks failed (test/fixtures/insights-2.1.330,
 * `hooks-fail`) exports the failures Claude Code recorded as claude_code.hook.errors, and every
 * flush sends a heartbeat (at most one a minute) straight to the collector.
 */
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageVersion } from "../../src/util/package-version.js";
import type { HookWorld } from "../support/hook-harness.js";
import { BIN, makeHookWorld, requireBuild, runFlush, runProcess, waitForQuiet } from "../support/hook-harness.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import { INSIGHTS_2_1_330 } from "../support/recorded-fixtures.js";

describe("telemetry health through the hooks' flusher", () => {
  let receiver: OtlpReceiver;
  let world: HookWorld;
  beforeAll(async () => {
    requireBuild();
    receiver = await startOtlpReceiver();
    world = makeHookWorld({ recording: INSIGHTS_2_1_330, sessions: ["hooks-fail"] });
    world.writeConfig({ otlp: { endpoint: receiver.url }, resourceAttributes: "user.id=dev-7" });
  });
  afterAll(async () => {
    world?.cleanup();
    await receiver?.close();
  });

  it("the hook failures Claude Code recorded become claude_code.hook.errors, once; the flush sends one heartbeat", async () => {
    const end = world.payloads.find((p) => p["hook_event_name"] === "SessionEnd");
    expect(end).toBeDefined();
    const hook = await runProcess([BIN, "hook"], world.env, JSON.stringify(end));
    expect({ code: hook.code, stdout: hook.stdout }).toEqual({ code: 0, stdout: "" });
    await waitForQuiet(world);
    const errors = receiver.points.filter((p) => p.name === "claude_code.hook.errors").map((p) => [p.attributes["hook_event"], p.attributes["hook"], p.value]);
    expect(errors.sort()).toEqual([
      ["PostToolUse", "unknown", 1],
      ["SessionStart", "claude-code-otel", 1],
      ["UserPromptSubmit", "unknown", 1],
    ]);
    const beats = receiver.gauges.filter((g) => g.name === "claude_code.telemetry.heartbeat");
    expect(beats.map((g) => g.attributes)).toEqual([{ component: "hooks", host: hostname(), user: "dev-7", version: packageVersion() }]);
    const last = (name: string): number | undefined => receiver.gauges.filter((g) => g.name === name).at(-1)?.value;
    // Sent after the outbox was delivered and the spool drained.
    expect(["outbox.requests", "outbox.size", "outbox.age", "spool.triggers", "log.errors"].map((n) => last(`claude_code.telemetry.${n}`))).toEqual([0, 0, 0, 0, 0]);
    // A flush a moment later sends nothing new: no unit twice, no second heartbeat within the minute.
    const points = receiver.points.length;
    const flush = await runFlush(world.env);
    expect(flush.code, flush.stderr).toBe(0);
    expect([receiver.points.length, receiver.gauges.filter((g) => g.name === "claude_code.telemetry.heartbeat").length]).toEqual([points, 1]);
  });
});
