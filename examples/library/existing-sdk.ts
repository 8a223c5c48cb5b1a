/**
 * Using claude-code-otel inside an application that already runs the OpenTelemetry SDK:
 * Claude Code sessions are recorded through YOUR providers (your exporters, resource,
 * processors, sampling), next to your own telemetry.
 *
 *   npx tsx examples/library/existing-sdk.ts [projects dir]
 */
import { AggregationTemporality, ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { createPricer, defaultProjectsDir, emitSession, scanSessions, sessionToReadableSpans } from "../../src/index.js";

// Your existing setup (here: console exporters; in real life your OTLP exporters).
const spanExporter = new ConsoleSpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
const meterProvider = new MeterProvider({
  readers: [new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter({ temporalitySelector: () => AggregationTemporality.DELTA }), exportIntervalMillis: 60_000 })],
});

const projectsDir = process.argv[2] ?? defaultProjectsDir();
const result = await scanSessions(projectsDir, { timeZone: "UTC" }, createPricer(), (session) => {
  // Option 1: through the OpenTelemetry API into your providers (your SDK picks the span ids).
  const recorded = emitSession(session, { tracerProvider, meterProvider, final: true });
  console.error(`${session.sessionId}: ${recorded.spans} spans, ${recorded.points} measurements`);

  // Option 2: our deterministic ids (same as `claude-code-otel replay` and the hooks produce),
  // handed straight to an exporter or span processor of yours.
  const spans = sessionToReadableSpans(session, { final: true });
  console.error(`${session.sessionId}: ${spans.length} ReadableSpans, trace ${spans[0]?.spanContext().traceId}`);
});
console.error(`${result.sessions} sessions from ${projectsDir}`);

await meterProvider.forceFlush();
await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
