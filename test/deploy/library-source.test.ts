// The library inside an application with its own SDK and resource (service.name=my-app, no
// claude_code.telemetry.source), through the real collector with the Langfuse overlay: our spans
// reach Langfuse whichever bridge recorded them (sessionToReadableSpans with the application's
// resource, emitSession through its tracer), its own spans do not; our metric points
// (emitSession through its meter, SessionMetricProducer in its reader) come out of Prometheus
// labelled source="claude-code-otel", never "other".
import { ExportResultCode } from "@opentelemetry/core";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Session } from "../../src/index.js";
import { SessionMetricProducer, emitSession, sessionToReadableSpans, sessionToSpans } from "../../src/index.js";
import { OVERLAYS, BASE_CONFIG, requireCollector, startCollector, type RunningCollector } from "../support/collector.js";
import { findSamples, scrape, type PromSample } from "../support/otlp-json.js";
import { startOtlpReceiver, type OtlpReceiver } from "../support/otlp-receiver.js";
import { CC_2_1_330 } from "../support/recorded-fixtures.js";
import { byId, loadAllSessions } from "../support/sessions.js";

const APP_RESOURCE = { "service.name": "my-app", "deployment.environment.name": "test" };

async function until(check: () => boolean | Promise<boolean>, what: string, collector: RunningCollector, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${collector.logs()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const bin = requireCollector();

describe.skipIf(!bin)("the library with an application's own resource, through the collector", () => {
  let langfuse: OtlpReceiver;
  let collector: RunningCollector;
  let viaReadable: Session;
  let viaEmit: Session;
  let viaProducer: Session;
  let emitted = 0;
  let samples: PromSample[] = [];

  beforeAll(async () => {
    const sessions = await loadAllSessions(CC_2_1_330.projects);
    viaReadable = byId(sessions, CC_2_1_330.sessionId("parallel-fail"));
    viaEmit = byId(sessions, CC_2_1_330.sessionId("agent-bg"));
    viaProducer = byId(sessions, CC_2_1_330.sessionId("long"));
    langfuse = await startOtlpReceiver();
    collector = await startCollector({
      configs: [BASE_CONFIG, OVERLAYS.langfuse],
      env: { LANGFUSE_OTLP_ENDPOINT: `${langfuse.url}/api/public/otel`, LANGFUSE_PUBLIC_KEY: "pk-lf-test", LANGFUSE_SECRET_KEY: "sk-lf-test" },
    });

    // The application's SDK: its resource, its OTLP exporters, pointed at the collector.
    const resource = resourceFromAttributes(APP_RESOURCE);
    const spanExporter = new OTLPTraceExporter({ url: `${collector.otlpHttpUrl}/v1/traces` });
    const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
    const producer = new SessionMetricProducer();
    const reader = new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: `${collector.otlpHttpUrl}/v1/metrics`, temporalityPreference: AggregationTemporality.DELTA }),
      exportIntervalMillis: 60_000,
      metricProducers: [producer],
    });
    const meterProvider = new MeterProvider({ resource, readers: [reader] });

    // The application's own telemetry, which must stay out of Langfuse.
    tracerProvider.getTracer("my-app").startSpan("GET /orders").end();
    meterProvider.getMeter("my-app").createCounter("my_app.orders").add(2);

    const readable = sessionToReadableSpans(viaReadable, { final: true, resource });
    const exported = await new Promise<ExportResultCode>((resolve) => spanExporter.export(readable, (r) => resolve(r.code)));
    expect(exported).toBe(ExportResultCode.SUCCESS);
    emitted = emitSession(viaEmit, { tracerProvider, meterProvider, final: true }).spans;
    producer.addSession(viaProducer, { final: true });
    await reader.forceFlush();
    await tracerProvider.forceFlush();

    const expected = sessionToSpans(viaReadable, { final: true }).length + emitted;
    await until(() => langfuse.spans.length >= expected, `${expected} spans at Langfuse`, collector);
    await until(
      async () => {
        samples = await scrape(collector.prometheusUrl);
        return findSamples(samples, "claude_code_cost_usage_USD_total").length > 0 && findSamples(samples, "my_app_orders_total").length > 0;
      },
      "metrics on /metrics",
      collector,
    );
    // One more batch interval, so that a stray late request would show.
    await new Promise((r) => setTimeout(r, 1_500));
    await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
  }, 120_000);

  afterAll(async () => {
    await collector?.stop();
    await langfuse?.close();
  });

  it("every span of both bridges reaches Langfuse; the application's own span does not", () => {
    const byTrace = (s: Session): string[] =>
      langfuse.spans
        .filter((x) => x.attributes["session.id"] === s.sessionId)
        .map((x) => x.name)
        .sort();
    expect(byTrace(viaReadable)).toEqual(
      sessionToSpans(viaReadable, { final: true })
        .map((s) => s.name)
        .sort(),
    );
    expect(byTrace(viaEmit)).toHaveLength(emitted);
    expect(langfuse.spans).toHaveLength(sessionToSpans(viaReadable, { final: true }).length + emitted);
    expect(langfuse.spans.map((s) => s.name)).not.toContain("GET /orders");
  });

  it("sessionToReadableSpans keeps the application's resource and adds claude_code.telemetry.source; emitSession's spans carry the application's resource", () => {
    const first = (s: Session): Record<string, unknown> | undefined => langfuse.spans.find((x) => x.attributes["session.id"] === s.sessionId)?.resource;
    expect(first(viaReadable)).toEqual({ ...APP_RESOURCE, "claude_code.telemetry.source": "claude-code-otel" });
    expect(first(viaEmit)).toEqual(APP_RESOURCE);
  });

  it("Prometheus: our series (through the application's meter and its reader's producer) are source=claude-code-otel, the application's are source=other", () => {
    const ours = samples.filter((s) => s.name.startsWith("claude_code_"));
    expect(ours.length).toBeGreaterThan(0);
    expect([...new Set(ours.map((s) => s.labels["source"]))]).toEqual(["claude-code-otel"]);
    expect(findSamples(samples, "my_app_orders_total").map((s) => s.labels["source"])).toEqual(["other"]);
    const cost = findSamples(samples, "claude_code_cost_usage_USD_total").reduce((sum, s) => sum + s.value, 0);
    const overcount = findSamples(samples, "claude_code_cost_overcount_USD_total").reduce((sum, s) => sum + s.value, 0);
    expect(Math.abs(cost - overcount - viaEmit.cost.totalUsd - viaProducer.cost.totalUsd)).toBeLessThan(1e-9);
  });
});
