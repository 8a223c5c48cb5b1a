/**
 * Requests written to a destination's outbox whose units could not be recorded (the ledger save
 * failed: a full disk) are never sent until recorded, never planned again, and go out byte for
 * byte once the ledger can be saved. The fault is injected into the ledger save only.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { destinationDir, destinationOf } from "../../src/delivery/destination.js";
import { listOutbox, outboxDir, readEntry } from "../../src/delivery/outbox.js";
import { createOutboxSink } from "../../src/delivery/outbox-sink.js";
import { sendOutbox } from "../../src/delivery/send-outbox.js";
import { encodingsOf, transportFor } from "../../src/delivery/transports.js";
import { exportSession } from "../../src/pipeline/export-session.js";
import { foldPendingEntries } from "../../src/pipeline/fold-outbox.js";
import { buildResource } from "../../src/sdk/resource.js";
import { loadSessionStateSync } from "../../src/state/session-state.js";
import type * as SessionStateModule from "../../src/state/session-state.js";
import { decodeJsonRequest } from "../support/otlp-receiver.js";
import { loadAllSessions } from "../support/sessions.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";

const fault = vi.hoisted(() => ({ saves: false }));
vi.mock("../../src/state/session-state.js", async (importOriginal) => {
  const real = await importOriginal<typeof SessionStateModule>();
  return {
    ...real,
    saveSessionState: (...args: Parameters<typeof real.saveSessionState>) => {
      if (fault.saves) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      return real.saveSessionState(...args);
    },
  };
});

afterEach(() => {
  fault.saves = false;
});

describe("outbox entries whose units could not be recorded", () => {
  it("are not sent, not planned again, and go out byte for byte once recorded", async () => {
    const sessions = await loadAllSessions(join(REPO_ROOT, "examples", "projects"));
    const session = sessions[0];
    if (session === undefined) throw new Error("no example session");
    const root = mkdtempSync(join(tmpdir(), "cco-pending-"));
    const destination = destinationOf({ kind: "file", dir: join(root, "files") }, {});
    const ledgerDir = destinationDir(join(root, "state"), destination);
    const outbox = outboxDir(ledgerDir);
    const sink = createOutboxSink(outbox, encodingsOf(destination), buildResource({}).attributes, destination.label);
    const plan = { final: true, captureContent: false };

    fault.saves = true;
    await expect(exportSession(session, sink, { stateDir: ledgerDir, plan })).rejects.toThrow(/ENOSPC/);
    const written = listOutbox(outbox);
    expect(written.map((e) => [e.signal, e.ready])).toEqual([
      ["traces", false],
      ["metrics", false],
    ]);
    const bodies = written.map((e) => readEntry(e).body.toString("utf8"));
    // The sender stops at the first entry not recorded.
    expect(await sendOutbox(outbox, transportFor(destination), { budgetMs: 5_000 })).toMatchObject({ sent: 0, remaining: 2, failure: undefined });
    // Recording them fails as long as the disk is full: the pass would not open.
    await expect(foldPendingEntries(ledgerDir)).rejects.toThrow(/ENOSPC/);

    fault.saves = false;
    expect(await foldPendingEntries(ledgerDir)).toBe(2);
    const { state } = loadSessionStateSync(ledgerDir, session.sessionId);
    expect(state.spanUnits).toContain("session");
    expect(state.metricUnits).toContain("session");
    // Planned again: nothing new (the units are recorded), no new request.
    const again = await exportSession(session, sink, { stateDir: ledgerDir, plan });
    expect([again.spans, again.points]).toEqual([0, 0]);
    expect(listOutbox(outbox)).toHaveLength(2);
    expect(await sendOutbox(outbox, transportFor(destination), { budgetMs: 5_000 })).toMatchObject({ sent: 2, remaining: 0, failure: undefined });
    const traces = readFileSync(join(root, "files", "traces.jsonl"), "utf8")
      .trimEnd()
      .split("\n");
    const metrics = readFileSync(join(root, "files", "metrics.jsonl"), "utf8")
      .trimEnd()
      .split("\n");
    expect([...traces, ...metrics]).toEqual(bodies);
    expect(decodeJsonRequest(traces[0] as string).spans.length).toBeGreaterThan(0);
  });
});
