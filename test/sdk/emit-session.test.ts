// Reads the recorded fixtures (test/fixtures: Claude Code 2.1.330 sessions).
import { hrTimeToMilliseconds } from "@opentelemetry/core";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { SpanData } from "../../src/index.js";
import { emitSession, sessionToReadableSpans, sessionToSpans, spanIdFor } from "../../src/index.js";
import { toReadableSpan } from "../../src/internal.js";
import { byId, loadAllSessions } from "../support/sessions.js";
import { CC_2_1_330 } from "../support/recorded-fixtures.js";
import { reportTotals } from "../support/exported-spans.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";
import { join } from "node:path";
import { addSums, emptySums } from "../support/metric-sums.js";

describe("library API with the caller's own SDK", () => {
  it("emitSession: the same tree (names, parents, historical times) through the caller's tracer; metrics through the caller's meter equal report totals", async () => {
    const sessions = await loadAllSessions(CC_2_1_330.projects);
    const s = byId(sessions, CC_2_1_330.sessionId("agent-bg"));
    const spanExporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    for (const x of sessions) emitSession(x, { tracerProvider, meterProvider, final: true });
    await reader.forceFlush();

    const ours = sessionToSpans(s, { final: true });
    const oursById = new Map(ours.map((x) => [x.spanId, x]));
    const shape = (name: string, start: number, end: number, parentName: string | null) => ({ name, start, end, parentName });
    const expected = ours
      .map((x) => shape(x.name, x.startTimeMs, x.endTimeMs, x.parentSpanId === undefined ? null : (oursById.get(x.parentSpanId)?.name ?? "?")))
      .sort((a, b) => a.start - b.start || a.name.localeCompare(b.name));
    const theirs = spanExporter.getFinishedSpans().filter((x) => x.attributes["session.id"] === s.sessionId);
    const theirsById = new Map(theirs.map((x) => [x.spanContext().spanId, x]));
    const got = theirs
      .map((x) =>
        shape(
          x.name,
          hrTimeToMilliseconds(x.startTime),
          hrTimeToMilliseconds(x.endTime),
          x.parentSpanContext === undefined ? null : (theirsById.get(x.parentSpanContext.spanId)?.name ?? "?"),
        ),
      )
      .sort((a, b) => a.start - b.start || a.name.localeCompare(b.name));
    expect(got).toEqual(expected);
    expect(new Set(theirs.map((x) => x.spanContext().traceId)).size).toBe(1);

    const sums = emptySums();
    for (const rm of metricExporter.getMetrics()) addSums(sums, rm);
    const totals = reportTotals(sessions);
    expect(Math.abs(sums.costUsd - sessions.reduce((sum, x) => sum + x.cost.totalUsd, 0))).toBeLessThan(1e-9);
    expect(sums.tokens).toEqual(totals.tokens);
    expect([sums.sessions, sums.turns, sums.toolCalls, sums.toolFailures, sums.compactions]).toEqual([
      totals.sessions,
      totals.turns,
      totals.toolCalls,
      totals.toolFailures,
      totals.compactions,
    ]);
    await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
  });

  it("sessionToReadableSpans keeps our deterministic ids for the caller's exporters", async () => {
    const s = byId(await loadAllSessions(CC_2_1_330.projects), CC_2_1_330.sessionId("parallel-fail"));
    const exporter = new InMemorySpanExporter();
    await new Promise<void>((resolve) => exporter.export(sessionToReadableSpans(s, { final: true }), () => resolve()));
    const tool = exporter.getFinishedSpans().find((x) => x.attributes["gen_ai.tool.call.id"] === "toolu_Bash_v2_1_330_1_1");
    expect(tool?.spanContext().spanId).toBe(spanIdFor(s.sessionId, "tool", "toolu_Bash_v2_1_330_1_1"));
  });

  it("sessionToReadableSpans hands out attributes of their own: a processor may change one span's array in place", async () => {
    const s = byId(await loadAllSessions(CC_2_1_330.projects), CC_2_1_330.sessionId("parallel-fail"));
    const [first, second] = sessionToReadableSpans(s, { final: true });
    const tags = first?.attributes["langfuse.trace.tags"];
    expect(Array.isArray(tags)).toBe(true);
    (tags as string[]).push("changed-by-a-processor");
    expect(second?.attributes["langfuse.trace.tags"]).toEqual(["claude-code", s.project]);
    expect(sessionToReadableSpans(s, { final: true })[0]?.attributes["langfuse.trace.tags"]).toEqual(["claude-code", s.project]);
  });
});

describe("toReadableSpan shareAttributes (our own sinks, straight to a serializer)", () => {
  const span: SpanData = {
    traceId: "0".repeat(31) + "1",
    spanId: "0".repeat(15) + "2",
    parentSpanId: undefined,
    name: "claude_code.session",
    kind: "INTERNAL",
    startTimeMs: 1_000,
    endTimeMs: 2_000,
    attributes: { "session.id": "s", tags: ["a"] },
    status: { code: "UNSET" },
    events: [{ name: "exception", timeMs: 1_500, attributes: { "exception.message": "m" } }],
    unitKey: "session",
  };
  const resource = resourceFromAttributes({});

  it("shares the span data's attribute objects when asked, copies them otherwise (equal either way)", () => {
    const shared = toReadableSpan(span, resource, { shareAttributes: true });
    const copied = toReadableSpan(span, resource);
    expect(shared.attributes).toBe(span.attributes);
    expect(shared.events[0]?.attributes).toBe(span.events[0]?.attributes);
    expect(copied.attributes).not.toBe(span.attributes);
    expect(copied.attributes["tags"]).not.toBe(span.attributes["tags"]);
    expect(copied.events[0]?.attributes).not.toBe(span.events[0]?.attributes);
    expect({ ...shared, spanContext: undefined }).toEqual({ ...copied, spanContext: undefined });
  });
});

describe("sessionToReadableSpans with the caller's resource", () => {
  it("keeps the caller's attributes and adds claude_code.telemetry.source, by which the collector routes our spans", async () => {
    const [session] = await loadAllSessions(join(REPO_ROOT, "examples", "projects"));
    const resource = resourceFromAttributes({ "service.name": "my-app", "deployment.environment.name": "ci", "claude_code.telemetry.source": "spoofed" });
    const spans = sessionToReadableSpans(session!, { final: true, resource });
    expect(spans.length).toBeGreaterThan(0);
    for (const s of spans) {
      expect(s.resource.attributes).toEqual({ "service.name": "my-app", "deployment.environment.name": "ci", "claude_code.telemetry.source": "claude-code-otel" });
    }
    expect(sessionToReadableSpans(session!, { final: true })[0]!.resource.attributes["claude_code.telemetry.source"]).toBe("claude-code-otel");
  });
});
