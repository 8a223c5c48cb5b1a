/**
 * A ledger that cannot be saved (a full disk, a read-only state folder) must never multiply what
 * the collector counts: hooks and flushes keep running, nothing is sent twice in new metric
 * windows, and once the ledger can be saved again everything arrives exactly once.
 *
 * The fault: the destination's ledger folder made read-only (chmod for a user; root ignores
 * modes, so as root the folder is made immutable with chattr, as on the project's machines).
 * The case where requests were written and their units could not be recorded is tested on
 * pipeline level (test/pipeline/pending-entries.test.ts).
 */
import { execFileSync } from "node:child_process";
import { chmodSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Session } from "../../src/model/types.js";
import { ledgerDirFor } from "../support/destinations.js";
import { expectContiguousWindows } from "../support/hook-expectations.js";
import type { HookWorld } from "../support/hook-harness.js";
import { hookLog, makeHookWorld, outboxOf, requireBuild, runFlush, runHook, waitForQuiet } from "../support/hook-harness.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { receivedTotals, startOtlpReceiver } from "../support/otlp-receiver.js";
import { auditArrivals } from "../support/parents-first.js";
import { loadAllSessions } from "../support/sessions.js";
import { CC_2_1_330 } from "../support/recorded-fixtures.js";

/** The folder made read-only for this process; returns the undo. */
function readOnly(dir: string): () => void {
  if (process.getuid?.() !== 0) {
    chmodSync(dir, 0o500);
    return () => chmodSync(dir, 0o700);
  }
  execFileSync("chattr", ["+i", dir]);
  return () => execFileSync("chattr", ["-i", dir]);
}

describe("a ledger that cannot be saved", () => {
  let world: HookWorld;
  let receiver: OtlpReceiver;
  let sessions: Session[];
  let undo: (() => void) | undefined;
  beforeAll(async () => {
    requireBuild();
    receiver = await startOtlpReceiver();
    world = makeHookWorld({ endpoint: receiver.url, sessions: ["parallel-fail", "edit-files"] });
    sessions = await loadAllSessions(world.projects);
  });
  afterAll(async () => {
    undo?.();
    await receiver?.close();
    world?.cleanup();
  });

  it("hooks and three flushes while it fails send nothing twice; once repaired, the session is counted once", async () => {
    const order = [CC_2_1_330.sessionId("parallel-fail"), CC_2_1_330.sessionId("edit-files")];
    // A first session goes through normally: the destination's state exists.
    for (const p of world.payloads.filter((x) => x["session_id"] === order[0])) expect((await runHook(world.env, JSON.stringify(p))).code).toBe(0);
    await waitForQuiet(world);
    expect((await runFlush(world.env)).code).toBe(0);
    const before = receivedTotals(receiver.points);
    const spansBefore = receiver.spans.length;

    const broken = order[1] as string;
    const ledgers = join(ledgerDirFor(world.stateDir, {}, {}, { otlp: { endpoint: receiver.url } }), "sessions");
    undo = readOnly(ledgers);
    const hooks = world.payloads.filter((x) => x["session_id"] === broken);
    expect(hooks.length).toBeGreaterThanOrEqual(8);
    for (const p of hooks) {
      const r = await runHook(world.env, JSON.stringify(p));
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: "" });
    }
    await waitForQuiet(world);
    for (let i = 0; i < 3; i++) {
      const f = await runFlush(world.env);
      expect(f.code).toBe(1);
    }
    // Nothing sent: nothing can be recorded.
    expect(outboxOf(world).filter((n) => n.endsWith(".req"))).toEqual([]);
    expect(receiver.spans.length).toBe(spansBefore);
    expect(receivedTotals(receiver.points)).toEqual(before);
    expect(hookLog(world)).toMatch(/EPERM|EACCES/);

    undo();
    undo = undefined;
    expect((await runFlush(world.env)).code).toBe(0);
    await waitForQuiet(world);
    expect(outboxOf(world)).toEqual([]);
    const audit = auditArrivals(receiver.spans);
    expect([audit.beforeParent, audit.orphans]).toEqual([[], []]);
    // Every span id once, but for the provisional parents' final versions.
    for (const [id, n] of audit.repeated) expect([id, n]).toEqual([id, 2]);
    expectContiguousWindows(receiver.points);
    // Only the two sessions the hooks played reached the collector, each counted once.
    const played = sessions.filter((s) => s.sessionId === order[0] || s.sessionId === broken);
    const got = receivedTotals(receiver.points);
    const cost = played.reduce((n, s) => n + s.cost.totalUsd, 0);
    expect(got.sessions).toBe(2);
    expect(Math.abs(got.costUsd - cost)).toBeLessThan(1e-9);
  }, 240_000);
});
