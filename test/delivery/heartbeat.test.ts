/**
 * The heartbeat (src/delivery/heartbeat.ts): what it reports of a machine's state (outbox, spool,
 * errors logged in the last hour), the gauges on the wire as a real OTLP receiver decodes them,
 * its pace (one a minute per destination and component), and that a dead or failing receiver
 * costs it a few seconds at most and never an exception.
 */
import { mkdirSync, mkdtempSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { OtlpDestination } from "../../src/delivery/destination.js";
import { resolveDestination } from "../../src/delivery/destination.js";
import { gatherHeartbeat, heartbeatIfDue, postHeartbeat } from "../../src/delivery/heartbeat.js";
import { listOutbox, markReady, outboxDir, writePendingEntry } from "../../src/delivery/outbox.js";
import { buildResource } from "../../src/sdk/resource.js";
import { packageVersion } from "../../src/util/package-version.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";

const NOW = Date.parse("2026-12-07T12:00:00.000Z");
const iso = (ms: number): string => new Date(ms).toISOString();

/** A state home with a spool and a log, and a destination folder with two queued requests. */
function machine(): { stateHome: string; destinationDir: string; outboxBytes: number } {
  const root = mkdtempSync(join(tmpdir(), "cco-heartbeat-"));
  const stateHome = join(root, "otel");
  const destinationDir = join(stateHome, "state", "destinations", "d1");
  mkdirSync(join(stateHome, "spool"), { recursive: true });
  for (const name of ["1-a.json", "2-b.json", "3-c.json", "4-d.json.tmp", ".5-e.json"]) writeFileSync(join(stateHome, "spool", name), "{}");
  writeFileSync(
    join(stateHome, "hook.log"),
    [
      `${iso(NOW - 7_200_000)} ERROR flush[10] outbox: refused`,
      `${iso(NOW - 1_800_000)} ERROR hook[11] spool: ENOSPC`,
      `${iso(NOW - 1_800_000)} WARN flush[12] outbox: 3 sent, 2 kept`,
      `${iso(NOW - 60_000)} ERROR flush[13] session s1: failed: EACCES`,
      "not a log line ERROR x",
      "",
    ].join("\n"),
  );
  writeFileSync(join(stateHome, "hook.log.1"), `${iso(NOW - 3_000_000)} ERROR hook[9] spool: EROFS\n`);
  const dir = outboxDir(destinationDir);
  mkdirSync(dir, { recursive: true });
  const header = { v: 1 as const, signal: "metrics" as const, encoding: "pb" as const, items: 1, units: {} };
  const first = markReady(writePendingEntry(dir, header, new Uint8Array(100)));
  markReady(writePendingEntry(dir, header, new Uint8Array(250)));
  utimesSync(first.path, new Date(NOW - 90_000), new Date(NOW - 90_000));
  const outboxBytes = listOutbox(dir).reduce((sum, e) => sum + statSync(e.path).size, 0);
  return { stateHome, destinationDir, outboxBytes };
}

describe("heartbeat", () => {
  let receiver: OtlpReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it("reports the outbox (requests, bytes, the oldest's wait), the spool and the errors logged in the last hour", () => {
    const m = machine();
    const resource = buildResource({ OTEL_RESOURCE_ATTRIBUTES: "user.id=dev-42" });
    expect(gatherHeartbeat({ component: "hooks", stateHome: m.stateHome, destinationDir: m.destinationDir, resourceAttributes: resource.attributes }, NOW)).toEqual({
      component: "hooks",
      host: hostname(),
      user: "dev-42",
      timeMs: NOW,
      outboxRequests: 2,
      outboxBytes: m.outboxBytes,
      outboxAgeMs: 90_000,
      spoolTriggers: 3,
      // Two in hook.log within the hour, one in its rotated generation; not the one of two hours ago, nor the warning.
      logErrors: 3,
    });
    const empty = join(mkdtempSync(join(tmpdir(), "cco-heartbeat-")), "nothing");
    expect(gatherHeartbeat({ component: "watch", stateHome: empty, destinationDir: empty, resourceAttributes: buildResource({}).attributes }, NOW)).toEqual({
      component: "watch",
      host: hostname(),
      user: undefined,
      timeMs: NOW,
      outboxRequests: 0,
      outboxBytes: 0,
      outboxAgeMs: 0,
      spoolTriggers: 0,
      logErrors: 0,
    });
  });

  it("goes out as six gauges with the machine, the user and our version, in protobuf as in JSON", async () => {
    receiver = await startOtlpReceiver();
    const m = machine();
    const resource = buildResource({ OTEL_RESOURCE_ATTRIBUTES: "user.id=dev-42" });
    const snapshot = gatherHeartbeat({ component: "watch", stateHome: m.stateHome, destinationDir: m.destinationDir, resourceAttributes: resource.attributes }, NOW);
    for (const protocol of ["http/protobuf", "http/json"] as const) {
      const destination = resolveDestination({ endpoint: receiver.url, protocol }, {}, {}) as OtlpDestination;
      expect(await postHeartbeat(destination, snapshot, resource)).toEqual({ kind: "ok", status: 200 });
    }
    const attributes = { component: "watch", host: hostname(), user: "dev-42", version: packageVersion() };
    const expected = [
      ["claude_code.telemetry.heartbeat", "s", NOW / 1000],
      ["claude_code.telemetry.outbox.requests", "{request}", 2],
      ["claude_code.telemetry.outbox.size", "By", m.outboxBytes],
      ["claude_code.telemetry.outbox.age", "s", 90],
      ["claude_code.telemetry.spool.triggers", "{trigger}", 3],
      ["claude_code.telemetry.log.errors", "{error}", 3],
    ].map(([name, unit, value]) => ({ name, unit, kind: "gauge", value, attributes, timeMs: NOW }));
    const got = receiver.gauges.map((g) => ({ name: g.name, unit: g.unit, kind: g.kind, value: g.value, attributes: g.attributes, timeMs: g.timeMs }));
    expect(got).toEqual([...expected, ...expected]);
    expect(receiver.points).toEqual([]);
    expect(receiver.gauges[0]?.resource).toMatchObject({ "service.name": "claude-code-otel", "claude_code.telemetry.source": "claude-code-otel", "user.id": "dev-42" });
    expect(receiver.requests.map((r) => r.path)).toEqual(["/v1/metrics", "/v1/metrics"]);
  });

  it("one a minute per destination and component; the pace survives the process (a stamp in the destination's folder)", async () => {
    receiver = await startOtlpReceiver();
    const m = machine();
    const destination = resolveDestination({ endpoint: receiver.url }, {}, {}) as OtlpDestination;
    const source = (component: "hooks" | "watch") => ({ component, stateHome: m.stateHome, destinationDir: m.destinationDir, resourceAttributes: buildResource({}).attributes });
    expect(await heartbeatIfDue(destination, source("hooks"), NOW)).toEqual({ kind: "ok", status: 200 });
    expect(await heartbeatIfDue(destination, source("hooks"), NOW + 59_999)).toBeUndefined();
    expect(await heartbeatIfDue(destination, source("watch"), NOW + 1_000)).toEqual({ kind: "ok", status: 200 });
    expect(await heartbeatIfDue(destination, source("hooks"), NOW + 60_000)).toEqual({ kind: "ok", status: 200 });
    // A clock set back does not silence it for the time it went back.
    expect(await heartbeatIfDue(destination, source("hooks"), NOW - 3_600_000)).toEqual({ kind: "ok", status: 200 });
    const beats = receiver.gauges.filter((g) => g.name === "claude_code.telemetry.heartbeat").map((g) => [g.attributes["component"], g.value]);
    expect(beats).toEqual([
      ["hooks", NOW / 1000],
      ["watch", (NOW + 1_000) / 1000],
      ["hooks", (NOW + 60_000) / 1000],
      ["hooks", (NOW - 3_600_000) / 1000],
    ]);
  });

  it("a failing receiver is an answer, a dead one a few seconds at most; never an exception", async () => {
    receiver = await startOtlpReceiver();
    receiver.status = 503;
    const m = machine();
    const snapshot = gatherHeartbeat({ component: "hooks", stateHome: m.stateHome, destinationDir: m.destinationDir, resourceAttributes: buildResource({}).attributes }, NOW);
    const failing = resolveDestination({ endpoint: receiver.url }, {}, {}) as OtlpDestination;
    expect((await postHeartbeat(failing, snapshot, buildResource({}))).kind).toBe("retry");
    const port = Number(new URL(receiver.url).port);
    await receiver.close();
    receiver = undefined;
    const dead = resolveDestination({ endpoint: `http://127.0.0.1:${port}` }, {}, {}) as OtlpDestination;
    const started = Date.now();
    expect((await postHeartbeat(dead, snapshot, buildResource({}))).kind).toBe("retry");
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
