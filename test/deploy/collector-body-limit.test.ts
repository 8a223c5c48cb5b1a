/**
 * A collector whose body limit is below our requests (`max_request_body_size`): it answers
 * 400 "request body too large" (a 413 elsewhere). The outbox splits each refused request in
 * two, in place, until the halves fit; every span arrives once and the outbox ends empty.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayCommand } from "../../src/cli/replay-command.js";
import { sessionToSpans } from "../../src/mapping/map-spans.js";
import type { Session } from "../../src/model/types.js";
import { captureIO } from "../support/cli.js";
import type { RunningCollector } from "../support/collector.js";
import { BASE_CONFIG, requireCollector, startCollector } from "../support/collector.js";
import { ledgerDirFor } from "../support/destinations.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import { loadAllSessions } from "../support/sessions.js";
import { CC_2_1_330, copyIdleFixtures } from "../support/recorded-fixtures.js";
import { listOutbox } from "../../src/delivery/outbox.js";

const haveCollector = requireCollector() !== undefined;

describe.runIf(haveCollector)("a collector with a small body limit", () => {
  let collector: RunningCollector;
  let store: OtlpReceiver;
  let sessions: Session[];
  beforeAll(async () => {
    sessions = await loadAllSessions(CC_2_1_330.projects);
    store = await startOtlpReceiver();
    const overlay = join(mkdtempSync(join(tmpdir(), "cco-limit-")), "limit.yaml");
    writeFileSync(overlay, "receivers:\n  otlp:\n    protocols:\n      http:\n        max_request_body_size: 40000\n");
    collector = await startCollector({ configs: [BASE_CONFIG, overlay], env: { OTELCOL_JAEGER_ENDPOINT: store.url } });
  }, 60_000);
  afterAll(async () => {
    await collector?.stop();
    await store?.close();
  });

  it("refused requests are split until they fit: every span once, nothing left queued", async () => {
    const { root, projects } = copyIdleFixtures("cco-limit-");
    const stateDir = join(root, "state");
    const io = captureIO();
    expect(await replayCommand(["--projects-dir", projects, "--state-dir", stateDir, "--endpoint", collector.otlpHttpUrl], io)).toBe(0);
    expect(listOutbox(join(ledgerDirFor(stateDir, { endpoint: collector.otlpHttpUrl }), "outbox"))).toEqual([]);
    const expected = sessions.flatMap((s) => sessionToSpans(s, { final: true })).map((s) => s.spanId);
    const deadline = Date.now() + 20_000;
    while (store.spans.length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(store.spans.map((s) => s.spanId).sort()).toEqual([...expected].sort());
    expect(io.stderr()).toBe("");
    expect(io.stdout()).toMatch(/replay: \d+ requests were larger than the destination takes, and were split/);
  }, 60_000);
});
