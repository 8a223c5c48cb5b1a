/**
 * SessionMetricProducer with a real MeterProvider: a PeriodicExportingMetricReader collects our
 * pre-aggregated points beside the caller's own instruments, under the caller's resource.
 */
import { hrTimeToMilliseconds } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { afterEach, describe, expect, it } from "vitest";
import { SessionMetricProducer, sessionToMetricPoints } from "../../src/index.js";
import { join } from "node:path";
import { reportTotals } from "../support/exported-spans.js";
import { addSums, emptySums } from "../support/metric-sums.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";
import { loadAllSessions } from "../support/sessions.js";

const providers: MeterProvider[] = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.shutdown()));
});

function setup(producer: SessionMetricProducer) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000, metricProducers: [producer] });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ "service.name": "my-app" }), readers: [reader] });
  providers.push(provider);
  return { exporter, reader, provider };
}

const ours = (rm: ResourceMetrics) => rm.scopeMetrics.filter((sm) => sm.scope.name === "claude-code-otel");

describe("SessionMetricProducer in the caller's MeterProvider", () => {
  it("a collection reports every point added since the last, once; the totals equal the report's", async () => {
    const sessions = await loadAllSessions(join(REPO_ROOT, "examples", "projects"));
    expect(sessions.length).toBeGreaterThan(0);
    let clock = Date.UTC(2026, 0, 1);
    const producer = new SessionMetricProducer({ now: () => clock });
    const { exporter, reader, provider } = setup(producer);
    provider.getMeter("my-app").createCounter("my.requests").add(3);

    let added = 0;
    for (const s of sessions) added += producer.addSession(s, { final: true });
    expect(added).toBeGreaterThan(0);
    clock += 60_000;
    await reader.forceFlush();
    clock += 60_000;
    await reader.forceFlush();

    // The second collection had nothing new (ours were drained by the first; the caller's delta
    // counter did not move), so the reader exported nothing more.
    const batches = exporter.getMetrics();
    expect(batches.length).toBe(1);
    // The caller's resource and instruments, with ours beside them.
    expect(batches[0]!.resource.attributes["service.name"]).toBe("my-app");
    expect(batches[0]!.scopeMetrics.map((sm) => sm.scope.name).sort()).toEqual(["claude-code-otel", "my-app"]);

    const sums = emptySums();
    addSums(sums, batches[0]!);
    const totals = reportTotals(sessions);
    // cost.usage is what the mapping counts (a ledger below our prices cannot go on a counter: README "Cost").
    let mappedCost = 0;
    for (const s of sessions) for (const p of sessionToMetricPoints(s, { final: true })) if (p.metric === "costUsage") mappedCost += p.value;
    expect(Math.abs(sums.costUsd - mappedCost)).toBeLessThan(1e-9);
    expect(Math.abs(sums.sessionCostSum - totals.costUsd)).toBeLessThan(1e-9);
    expect(sums.tokens).toEqual(totals.tokens);
    expect([sums.sessions, sums.turns, sums.toolCalls, sums.toolFailures, sums.compactions, sums.sessionCostCount]).toEqual([
      totals.sessions,
      totals.turns,
      totals.toolCalls,
      totals.toolFailures,
      totals.compactions,
      totals.sessions,
    ]);

    // DELTA over [construction, first collection].
    const windows = new Set(
      ours(batches[0]!).flatMap((sm) => sm.metrics.flatMap((m) => m.dataPoints.map((dp) => `${hrTimeToMilliseconds(dp.startTime)}-${hrTimeToMilliseconds(dp.endTime)}`))),
    );
    expect([...windows]).toEqual([`${Date.UTC(2026, 0, 1)}-${Date.UTC(2026, 0, 1) + 60_000}`]);
    expect(ours(batches[0]!).flatMap((sm) => sm.metrics.map((m) => m.aggregationTemporality))).toEqual(
      ours(batches[0]!).flatMap((sm) => sm.metrics.map(() => AggregationTemporality.DELTA)),
    );
  });

  it("windows follow each other: points added later are reported over [previous collection, now]", async () => {
    const [session] = await loadAllSessions(join(REPO_ROOT, "examples", "projects"));
    let clock = 1_000_000;
    const producer = new SessionMetricProducer({ now: () => clock });
    producer.addSession(session!, { final: false });
    clock = 2_000_000;
    const first = await producer.collect();
    producer.addSession(session!, { final: true });
    const second = await producer.collect(); // the clock stood still: the window is still 1 ms long
    const windowOf = (r: Awaited<ReturnType<SessionMetricProducer["collect"]>>) =>
      new Set(
        r.resourceMetrics.scopeMetrics.flatMap((sm) =>
          sm.metrics.flatMap((m) => m.dataPoints.map((dp) => [hrTimeToMilliseconds(dp.startTime), hrTimeToMilliseconds(dp.endTime)].join("-"))),
        ),
      );
    expect([...windowOf(first)]).toEqual(["1000000-2000000"]);
    expect([...windowOf(second)]).toEqual(["2000000-2000001"]);
    expect(first.errors).toEqual([]);
    expect(first.resourceMetrics.resource.attributes["claude_code.telemetry.source"]).toBe("claude-code-otel");
  });
});
