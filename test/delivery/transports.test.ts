// Reads the recorded Claude Code 2.1.330 sessions (test/fixtures).
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Session } from "../../src/model/types.js";
import { resolveExportTarget } from "../../src/config/export-target.js";
import { destinationOf, resolveDestination } from "../../src/delivery/destination.js";
import type { Destination } from "../../src/delivery/destination.js";
import { deliverOnce } from "../support/deliver.js";
import { sessionToMetricPoints } from "../../src/mapping/map-metrics.js";
import { sessionToSpans } from "../../src/mapping/map-spans.js";
import { byId, loadAllSessions } from "../support/sessions.js";
import { CC_2_1_330, lastLedger } from "../support/recorded-fixtures.js";
import { expectTotalsEqualReport } from "../support/exported-spans.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { decodeJsonRequest, receivedTotals, startOtlpReceiver } from "../support/otlp-receiver.js";

describe("export target resolution", () => {
  it("files by default; --endpoint, then OTEL_EXPORTER_OTLP_*; per-signal protocols; grpc refused", () => {
    expect(resolveExportTarget({}, { HOME: "/h" })).toEqual({ kind: "file", dir: expect.stringMatching(/\.claude\/otel$/) });
    expect(resolveExportTarget({ outputDir: "/x" }, {})).toEqual({ kind: "file", dir: "/x" });
    const t = resolveExportTarget({}, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/", OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/json" });
    expect(t).toMatchObject({
      kind: "otlp",
      tracesProtocol: "http/protobuf",
      metricsProtocol: "http/json",
      tracesUrl: undefined,
      tracesUrlShown: "http://c:4318/v1/traces",
      metricsUrlShown: "http://c:4318/v1/metrics",
    });
    expect(resolveExportTarget({}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://t/traces" })).toMatchObject({
      kind: "otlp",
      tracesUrlShown: "http://t/traces",
      metricsUrlShown: "http://localhost:4318/v1/metrics",
    });
    expect(resolveExportTarget({ endpoint: "http://e:1", protocol: "http/json" }, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" })).toMatchObject({
      tracesUrl: "http://e:1/v1/traces",
      metricsUrl: "http://e:1/v1/metrics",
      tracesProtocol: "http/json",
      metricsProtocol: "http/json",
    });
    expect(() => resolveExportTarget({ endpoint: "http://e:1", protocol: "grpc" }, {})).toThrow(/grpc is not supported/);
    expect(resolveExportTarget({ console: true, endpoint: "http://e:1" }, {})).toEqual({ kind: "console" });
  });
});

describe("delivery to a real OTLP/HTTP receiver on loopback, and to files", () => {
  let sessions: Session[];
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    sessions = await loadAllSessions(CC_2_1_330.projects);
  });
  afterEach(async () => {
    await receiver?.close();
  });

  it.each(["http/protobuf", "http/json"])(
    "%s: every span arrives with our ids, parents, times, attributes, status and events; metric sums equal report totals",
    async (protocol) => {
      receiver = await startOtlpReceiver();
      const destination = resolveDestination({ endpoint: receiver.url, protocol }, {}, {}) as Destination;
      const expected = sessions.flatMap((s) => sessionToSpans(s, { final: true }));
      const sent = await deliverOnce(
        destination,
        expected,
        sessions.flatMap((s) => sessionToMetricPoints(s, { final: true })),
      );
      expect(sent).toMatchObject({ sent: 2, remaining: 0, failure: undefined });
      expect(receiver.requests.every((r) => r.contentType === (protocol === "http/json" ? "application/json" : "application/x-protobuf"))).toBe(true);
      expect(receiver.spans).toHaveLength(expected.length);
      const kinds = { INTERNAL: 1, CLIENT: 3 } as const;
      const codes = { UNSET: 0, OK: 1, ERROR: 2 } as const;
      for (const [i, e] of expected.entries()) {
        const got = receiver.spans[i];
        expect(got).toEqual({
          traceId: e.traceId,
          spanId: e.spanId,
          parentSpanId: e.parentSpanId,
          name: e.name,
          kind: kinds[e.kind],
          startMs: e.startTimeMs,
          endMs: e.endTimeMs,
          attributes: e.attributes,
          status: { code: codes[e.status.code], message: e.status.message },
          events: e.events.map((ev) => ({ name: ev.name, timeMs: ev.timeMs, attributes: ev.attributes })),
          resource: { "service.name": "claude-code-otel", "service.version": expect.any(String), "claude_code.telemetry.source": "claude-code-otel" },
        });
      }
      expectTotalsEqualReport(receiver.points, sessions);
      // DELTA temporality (1), stamped with the window we gave.
      expect(receiver.points.every((p) => p.temporality === 1 && p.startMs === 1_000 && p.timeMs === 2_000)).toBe(true);
      const cost = receiver.points.find((p) => p.name === "claude_code.session.cost");
      expect(cost).toMatchObject({ unit: "USD", kind: "histogram", explicitBounds: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100] });
    },
  );

  it("OTEL_EXPORTER_OTLP_ENDPOINT, _HEADERS (per signal too), _COMPRESSION and _TIMEOUT are honoured", async () => {
    receiver = await startOtlpReceiver();
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=abc%20def,Langsmith-Project=cc",
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: "x-metrics=1",
      OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
      OTEL_EXPORTER_OTLP_TIMEOUT: "2500",
    };
    const destination = resolveDestination({}, env, {}) as Destination;
    expect(destination).toMatchObject({ kind: "otlp", timeoutMs: { traces: 2500, metrics: 2500 }, gzip: { traces: true, metrics: true } });
    const s = byId(sessions, CC_2_1_330.sessionId("parallel-fail"));
    expect(await deliverOnce(destination, sessionToSpans(s, { final: true }), sessionToMetricPoints(s, { final: true }))).toMatchObject({ sent: 2, failure: undefined });
    expect(receiver.requests.map((r) => [r.path, r.headers["x-api-key"], r.headers["langsmith-project"], r.headers["x-metrics"], r.headers["content-encoding"]])).toEqual([
      ["/v1/traces", "abc def", "cc", undefined, "gzip"],
      ["/v1/metrics", "abc def", "cc", "1", "gzip"],
    ]);
    expect(receiver.spans.map((x) => x.spanId)).toEqual(sessionToSpans(s, { final: true }).map((x) => x.spanId));
  });

  it("endpoint refusing or down: a failure result with a reason and the request kept, never a throw", async () => {
    receiver = await startOtlpReceiver();
    receiver.status = 503;
    const s = byId(sessions, CC_2_1_330.sessionId("parallel-fail"));
    const refusing = await deliverOnce(resolveDestination({ endpoint: receiver.url }, {}, {}) as Destination, sessionToSpans(s, { final: true }), []);
    expect(refusing).toMatchObject({ sent: 0, remaining: 1, failure: { kind: "unreachable", message: expect.stringContaining("HTTP 503") } });
    const url = receiver.url;
    await receiver.close();
    const down = await deliverOnce(resolveDestination({ endpoint: url }, { OTEL_EXPORTER_OTLP_TIMEOUT: "1500" }, {}) as Destination, [], sessionToMetricPoints(s));
    expect(down).toMatchObject({ sent: 0, remaining: 1, failure: { kind: "unreachable", message: expect.stringContaining("ECONNREFUSED") } });
    receiver = await startOtlpReceiver();
  });

  it("file exporter: OTLP JSON lines in traces.jsonl and metrics.jsonl, private modes", async () => {
    receiver = await startOtlpReceiver();
    const dir = join(mkdtempSync(join(tmpdir(), "cco-files-")), "otel");
    const destination = destinationOf({ kind: "file", dir }, {});
    const s = byId(sessions, CC_2_1_330.sessionId("agent-bg"));
    const spans = sessionToSpans(s, { final: true });
    expect(await deliverOnce(destination, spans, sessionToMetricPoints(s, { final: true }), { startMs: 5, timeMs: 6 })).toMatchObject({ sent: 2, failure: undefined });
    const traceLines = readFileSync(join(dir, "traces.jsonl"), "utf8").trimEnd().split("\n");
    expect(traceLines).toHaveLength(1);
    const decoded = decodeJsonRequest(traceLines[0] as string);
    expect(decoded.spans.map((x) => [x.spanId, x.parentSpanId, x.name])).toEqual(spans.map((x) => [x.spanId, x.parentSpanId, x.name]));
    const points = readFileSync(join(dir, "metrics.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .flatMap((l) => decodeJsonRequest(l).points);
    // The background-agent session: Claude Code's ledger says $0.21872685, the priced requests the same.
    expect(receivedTotals(points).costUsd).toBeCloseTo(lastLedger(CC_2_1_330.transcript("agent-bg")).totalCostUSD, 9);
    expect(receivedTotals(points).costUsd).toBeCloseTo(0.21872685, 9);
    expect(statSync(join(dir, "traces.jsonl")).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});
