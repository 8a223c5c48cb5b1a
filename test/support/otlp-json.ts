// Hand-built OTLP/JSON requests with explicit timestamps, for driving the real collector
// exactly (the SDK would pick its own start/end times), and a Prometheus text parser for
// reading the result back from the collector's prometheus exporter.
export type Attrs = Record<string, string | number | boolean>;

/** Resource of our own exports (src/sdk/resource.ts). */
export const OUR_RESOURCE: Attrs = { "service.name": "claude-code-otel", "claude_code.telemetry.source": "claude-code-otel" };
/** Resource of Claude Code's built-in telemetry (CLAUDE_CODE_ENABLE_TELEMETRY=1). */
export const CLAUDE_CODE_RESOURCE: Attrs = { "service.name": "claude-code" };
/** The instrumentation scope of Claude Code's own spans (its 2.1.330 binary names it). */
export const CLAUDE_CODE_TRACING_SCOPE = "com.anthropic.claude_code.tracing";

const DELTA = 1;
const CUMULATIVE = 2;

/** Nanoseconds since the epoch as OTLP/JSON wants them (a decimal string). */
export const nanos = (ms: number): string => (BigInt(Math.round(ms)) * 1_000_000n).toString();

function keyValues(attrs: Attrs): object[] {
  return Object.entries(attrs).map(([key, v]) => ({
    key,
    value: typeof v === "string" ? { stringValue: v } : typeof v === "boolean" ? { boolValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v },
  }));
}

interface PointBase {
  name: string;
  unit: string;
  attributes?: Attrs;
  /** Milliseconds since the epoch. */
  startMs: number;
  timeMs: number;
  /** Default delta. */
  temporality?: "delta" | "cumulative";
}
export interface SumPoint extends PointBase {
  kind: "sum";
  value: number;
}
export interface HistogramPoint extends PointBase {
  kind: "histogram";
  bounds: number[];
  /** bounds.length + 1 counts. */
  counts: number[];
  sum: number;
}
export interface GaugePoint extends PointBase {
  kind: "gauge";
  value: number;
}
export type MetricPoint = SumPoint | HistogramPoint | GaugePoint;

function metricJson(p: MetricPoint): object {
  const temporality = p.temporality === "cumulative" ? CUMULATIVE : DELTA;
  const base = { attributes: keyValues(p.attributes ?? {}), startTimeUnixNano: nanos(p.startMs), timeUnixNano: nanos(p.timeMs) };
  if (p.kind === "gauge") return { name: p.name, unit: p.unit, gauge: { dataPoints: [{ ...base, asDouble: p.value }] } };
  if (p.kind === "sum") {
    return { name: p.name, unit: p.unit, sum: { aggregationTemporality: temporality, isMonotonic: true, dataPoints: [{ ...base, asDouble: p.value }] } };
  }
  const count = p.counts.reduce((a, b) => a + b, 0);
  const dataPoint = { ...base, count: String(count), sum: p.sum, bucketCounts: p.counts.map(String), explicitBounds: p.bounds };
  return { name: p.name, unit: p.unit, histogram: { aggregationTemporality: temporality, dataPoints: [dataPoint] } };
}

/** One ExportMetricsServiceRequest: every point under one resource and scope. */
export function metricsRequest(points: readonly MetricPoint[], resource: Attrs = OUR_RESOURCE): object {
  return { resourceMetrics: [{ resource: { attributes: keyValues(resource) }, scopeMetrics: [{ scope: { name: "test" }, metrics: points.map(metricJson) }] }] };
}

export interface SpanSpec {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes?: Attrs;
  startMs: number;
  endMs: number;
}

/** One ExportTraceServiceRequest: every span under one resource and scope. */
export function tracesRequest(spans: readonly SpanSpec[], resource: Attrs = OUR_RESOURCE, scope = "test"): object {
  const json = spans.map((s) => ({
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    name: s.name,
    kind: 1,
    startTimeUnixNano: nanos(s.startMs),
    endTimeUnixNano: nanos(s.endMs),
    attributes: keyValues(s.attributes ?? {}),
  }));
  return { resourceSpans: [{ resource: { attributes: keyValues(resource) }, scopeSpans: [{ scope: { name: scope }, spans: json }] }] };
}

export interface LogSpec {
  /** The record's body (Claude Code's events: `claude_code.<event>`). */
  body: string;
  attributes: Attrs;
  timeMs: number;
}

/** One ExportLogsServiceRequest: every record under one resource and scope. */
export function logsRequest(records: readonly LogSpec[], resource: Attrs = CLAUDE_CODE_RESOURCE, scope = "com.anthropic.claude_code.events"): object {
  const json = records.map((r) => ({ timeUnixNano: nanos(r.timeMs), body: { stringValue: r.body }, attributes: keyValues(r.attributes) }));
  return { resourceLogs: [{ resource: { attributes: keyValues(resource) }, scopeLogs: [{ scope: { name: scope }, logRecords: json }] }] };
}

/** POSTs an OTLP/JSON request to `${baseUrl}/v1/<signal>` and returns the HTTP status. */
export async function postOtlpJson(baseUrl: string, signal: "metrics" | "traces" | "logs", body: object): Promise<number> {
  const res = await fetch(`${baseUrl}/v1/${signal}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return res.status;
}

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the Prometheus text exposition format (comments skipped). */
export function parsePromText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split("\n")) {
    const m = SAMPLE_LINE.exec(line);
    if (!m || line.startsWith("#")) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(LABEL)) {
      labels[l[1] as string] = (l[2] as string).replace(/\\n/g, "\n").replace(/\\(["\\])/g, "$1");
    }
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** Samples of `name` whose labels include every pair in `match`. */
export function findSamples(samples: readonly PromSample[], name: string, match: Record<string, string> = {}): PromSample[] {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** Fetches and parses a /metrics endpoint. */
export async function scrape(url: string): Promise<PromSample[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return parsePromText(await res.text());
}
