/**
 * A real OTLP/HTTP receiver on loopback for tests: decodes protobuf (a small schema-driven
 * wire decoder; otlp-transformer only ships encoders) and JSON into one shape.
 */
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

type FieldType = "string" | "bytes" | "varint" | "fixed64" | "double" | "fixed32" | Schema;
interface Field {
  name: string;
  type: FieldType;
  repeated?: boolean;
}
type Schema = { [field: number]: Field };

const AnyValue: Schema = {};
const KeyValue: Schema = { 1: { name: "key", type: "string" }, 2: { name: "value", type: AnyValue } };
const ArrayValue: Schema = { 1: { name: "values", type: AnyValue, repeated: true } };
Object.assign(AnyValue, {
  1: { name: "stringValue", type: "string" },
  2: { name: "boolValue", type: "varint" },
  3: { name: "intValue", type: "varint" },
  4: { name: "doubleValue", type: "double" },
  5: { name: "arrayValue", type: ArrayValue },
});
const Resource: Schema = { 1: { name: "attributes", type: KeyValue, repeated: true } };
const Scope: Schema = { 1: { name: "name", type: "string" }, 2: { name: "version", type: "string" } };
const Status: Schema = { 2: { name: "message", type: "string" }, 3: { name: "code", type: "varint" } };
const Event: Schema = { 1: { name: "timeUnixNano", type: "fixed64" }, 2: { name: "name", type: "string" }, 3: { name: "attributes", type: KeyValue, repeated: true } };
const Span: Schema = {
  1: { name: "traceId", type: "bytes" },
  2: { name: "spanId", type: "bytes" },
  4: { name: "parentSpanId", type: "bytes" },
  5: { name: "name", type: "string" },
  6: { name: "kind", type: "varint" },
  7: { name: "startTimeUnixNano", type: "fixed64" },
  8: { name: "endTimeUnixNano", type: "fixed64" },
  9: { name: "attributes", type: KeyValue, repeated: true },
  11: { name: "events", type: Event, repeated: true },
  15: { name: "status", type: Status },
  16: { name: "flags", type: "fixed32" },
};
const TraceRequest: Schema = {
  1: {
    name: "resourceSpans",
    repeated: true,
    type: {
      1: { name: "resource", type: Resource },
      2: { name: "scopeSpans", repeated: true, type: { 1: { name: "scope", type: Scope }, 2: { name: "spans", type: Span, repeated: true } } },
    },
  },
};
const NumberDataPoint: Schema = {
  7: { name: "attributes", type: KeyValue, repeated: true },
  2: { name: "startTimeUnixNano", type: "fixed64" },
  3: { name: "timeUnixNano", type: "fixed64" },
  4: { name: "asDouble", type: "double" },
};
const HistogramDataPoint: Schema = {
  9: { name: "attributes", type: KeyValue, repeated: true },
  2: { name: "startTimeUnixNano", type: "fixed64" },
  3: { name: "timeUnixNano", type: "fixed64" },
  4: { name: "count", type: "fixed64" },
  5: { name: "sum", type: "double" },
  6: { name: "bucketCounts", type: "fixed64", repeated: true },
  7: { name: "explicitBounds", type: "double", repeated: true },
  11: { name: "min", type: "double" },
  12: { name: "max", type: "double" },
};
const Metric: Schema = {
  1: { name: "name", type: "string" },
  2: { name: "description", type: "string" },
  3: { name: "unit", type: "string" },
  5: { name: "gauge", type: { 1: { name: "dataPoints", type: NumberDataPoint, repeated: true } } },
  7: {
    name: "sum",
    type: { 1: { name: "dataPoints", type: NumberDataPoint, repeated: true }, 2: { name: "aggregationTemporality", type: "varint" }, 3: { name: "isMonotonic", type: "varint" } },
  },
  9: { name: "histogram", type: { 1: { name: "dataPoints", type: HistogramDataPoint, repeated: true }, 2: { name: "aggregationTemporality", type: "varint" } } },
};
const MetricsRequest: Schema = {
  1: {
    name: "resourceMetrics",
    repeated: true,
    type: {
      1: { name: "resource", type: Resource },
      2: { name: "scopeMetrics", repeated: true, type: { 1: { name: "scope", type: Scope }, 2: { name: "metrics", type: Metric, repeated: true } } },
    },
  },
};

type Json = Record<string, unknown>;

function decode(buf: Uint8Array, schema: Schema): Json {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  const out: Json = {};
  const put = (f: Field, v: unknown): void => {
    if (f.repeated) ((out[f.name] ??= []) as unknown[]).push(v);
    else out[f.name] = v;
  };
  const scalar = (type: FieldType, at: number): unknown => {
    if (type === "fixed64") return view.getBigUint64(at, true).toString();
    if (type === "double") return view.getFloat64(at, true);
    return view.getUint32(at, true);
  };
  while (pos < buf.length) {
    const tag = Number(varint());
    const fieldNo = tag >>> 3;
    const wire = tag & 7;
    const f = schema[fieldNo];
    if (wire === 0) {
      const v = varint();
      if (f) put(f, Number(BigInt.asIntN(64, v)));
    } else if (wire === 1) {
      if (f) put(f, scalar(f.type, pos));
      pos += 8;
    } else if (wire === 5) {
      if (f) put(f, scalar("fixed32", pos));
      pos += 4;
    } else if (wire === 2) {
      const len = Number(varint());
      const bytes = buf.subarray(pos, pos + len);
      pos += len;
      if (!f) continue;
      if (f.type === "string") put(f, new TextDecoder().decode(bytes));
      else if (f.type === "bytes") put(f, Buffer.from(bytes).toString("hex"));
      else if (f.type === "fixed64" || f.type === "double") {
        // packed repeated
        const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (let i = 0; i < len; i += 8) put(f, f.type === "double" ? dv.getFloat64(i, true) : dv.getBigUint64(i, true).toString());
      } else if (typeof f.type === "object") put(f, decode(bytes, f.type));
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  attributes: Record<string, unknown>;
  status: { code: number; message: string | undefined };
  events: { name: string; timeMs: number; attributes: Record<string, unknown> }[];
  resource: Record<string, unknown>;
}

export interface ReceivedPoint {
  name: string;
  unit: string;
  kind: "sum" | "histogram" | "gauge";
  temporality: number;
  attributes: Record<string, unknown>;
  startMs: number;
  timeMs: number;
  value: number;
  count?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
  resource: Record<string, unknown>;
}

function anyValue(v: Json | undefined): unknown {
  if (v === undefined) return undefined;
  if ("stringValue" in v) return v["stringValue"];
  if ("boolValue" in v) return v["boolValue"] === true || v["boolValue"] === 1;
  if ("intValue" in v) return Number(v["intValue"]);
  if ("doubleValue" in v) return Number(v["doubleValue"]);
  if ("arrayValue" in v) return (((v["arrayValue"] as Json)["values"] as Json[] | undefined) ?? []).map(anyValue);
  return undefined;
}

function attrs(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of (list as Json[] | undefined) ?? []) out[kv["key"] as string] = anyValue(kv["value"] as Json | undefined);
  return out;
}

const nanosToMs = (v: unknown): number => Number(BigInt(String(v ?? "0")) / 1_000_000n);
const hexOf = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

function spansOf(req: Json): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of (req["resourceSpans"] as Json[] | undefined) ?? []) {
    const resource = attrs((rs["resource"] as Json | undefined)?.["attributes"]);
    for (const ss of (rs["scopeSpans"] as Json[] | undefined) ?? []) {
      for (const s of (ss["spans"] as Json[] | undefined) ?? []) {
        const status = (s["status"] as Json | undefined) ?? {};
        out.push({
          traceId: s["traceId"] as string,
          spanId: s["spanId"] as string,
          parentSpanId: hexOf(s["parentSpanId"]),
          name: s["name"] as string,
          kind: Number(s["kind"] ?? 0),
          startMs: nanosToMs(s["startTimeUnixNano"]),
          endMs: nanosToMs(s["endTimeUnixNano"]),
          attributes: attrs(s["attributes"]),
          status: { code: Number(status["code"] ?? 0), message: (status["message"] as string | undefined) || undefined },
          events: ((s["events"] as Json[] | undefined) ?? []).map((e) => ({ name: e["name"] as string, timeMs: nanosToMs(e["timeUnixNano"]), attributes: attrs(e["attributes"]) })),
          resource,
        });
      }
    }
  }
  return out;
}

function pointsOf(req: Json): ReceivedPoint[] {
  const out: ReceivedPoint[] = [];
  for (const rm of (req["resourceMetrics"] as Json[] | undefined) ?? []) {
    const resource = attrs((rm["resource"] as Json | undefined)?.["attributes"]);
    for (const sm of (rm["scopeMetrics"] as Json[] | undefined) ?? []) {
      for (const m of (sm["metrics"] as Json[] | undefined) ?? []) {
        const base = { name: m["name"] as string, unit: (m["unit"] as string | undefined) ?? "", resource };
        const sum = m["sum"] as Json | undefined;
        const hist = m["histogram"] as Json | undefined;
        const gauge = m["gauge"] as Json | undefined;
        for (const dp of (gauge?.["dataPoints"] as Json[] | undefined) ?? []) {
          out.push({
            ...base,
            kind: "gauge",
            temporality: 0,
            attributes: attrs(dp["attributes"]),
            startMs: nanosToMs(dp["startTimeUnixNano"]),
            timeMs: nanosToMs(dp["timeUnixNano"]),
            value: Number(dp["asDouble"] ?? dp["asInt"] ?? 0),
          });
        }
        for (const dp of (sum?.["dataPoints"] as Json[] | undefined) ?? []) {
          out.push({
            ...base,
            kind: "sum",
            temporality: Number(sum?.["aggregationTemporality"]),
            attributes: attrs(dp["attributes"]),
            startMs: nanosToMs(dp["startTimeUnixNano"]),
            timeMs: nanosToMs(dp["timeUnixNano"]),
            value: Number(dp["asDouble"] ?? dp["asInt"] ?? 0),
          });
        }
        for (const dp of (hist?.["dataPoints"] as Json[] | undefined) ?? []) {
          out.push({
            ...base,
            kind: "histogram",
            temporality: Number(hist?.["aggregationTemporality"]),
            attributes: attrs(dp["attributes"]),
            startMs: nanosToMs(dp["startTimeUnixNano"]),
            timeMs: nanosToMs(dp["timeUnixNano"]),
            value: Number(dp["sum"] ?? 0),
            count: Number(dp["count"] ?? 0),
            bucketCounts: ((dp["bucketCounts"] as unknown[] | undefined) ?? []).map(Number),
            explicitBounds: ((dp["explicitBounds"] as unknown[] | undefined) ?? []).map(Number),
          });
        }
      }
    }
  }
  return out;
}

const arrivals = new WeakMap<ReceivedSpan, number>();
const arrivalTimes = new WeakMap<ReceivedSpan, number>();

/** When (ms since the epoch) the request that brought a span arrived. */
export function arrivedAt(span: ReceivedSpan): number | undefined {
  return arrivalTimes.get(span);
}

/** Which request (0-based, in arrival order) brought a span a receiver got. */
export function requestOf(span: ReceivedSpan): number | undefined {
  return arrivals.get(span);
}

export interface OtlpReceiver {
  readonly url: string;
  readonly spans: ReceivedSpan[];
  /** Sums and histograms (what sessions export). */
  readonly points: ReceivedPoint[];
  /** Gauges: heartbeats (delivery/heartbeat.ts). */
  readonly gauges: ReceivedPoint[];
  readonly requests: { path: string; contentType: string; bytes: Buffer; headers: Record<string, string | string[] | undefined> }[];
  /** Status to answer with (200 by default). */
  status: number;
  close(): Promise<void>;
}

/** A receiver on a free loopback port, or on `port` (a collector coming back where it was). */
export async function startOtlpReceiver(port = 0): Promise<OtlpReceiver> {
  const receiver = {
    url: "",
    spans: [] as ReceivedSpan[],
    points: [] as ReceivedPoint[],
    gauges: [] as ReceivedPoint[],
    requests: [] as OtlpReceiver["requests"],
    status: 200,
    close: async (): Promise<void> => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const arrivedMs = Date.now();
      const raw = Buffer.concat(chunks);
      // The collector's otlp_http exporter gzips by default.
      const bytes = req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
      const contentType = req.headers["content-type"] ?? "";
      receiver.requests.push({ path: req.url ?? "", contentType, bytes, headers: req.headers });
      if (receiver.status !== 200) {
        res.writeHead(receiver.status).end();
        return;
      }
      const json = contentType.includes("json");
      const isTraces = new URL(req.url ?? "/", "http://receiver").pathname.endsWith("/v1/traces");
      const body: Json = json ? (JSON.parse(bytes.toString("utf8")) as Json) : decode(bytes, isTraces ? TraceRequest : MetricsRequest);
      if (isTraces) {
        for (const span of spansOf(body)) {
          arrivals.set(span, receiver.requests.length - 1);
          arrivalTimes.set(span, arrivedMs);
          receiver.spans.push(span);
        }
      } else {
        for (const p of pointsOf(body)) (p.kind === "gauge" ? receiver.gauges : receiver.points).push(p);
      }
      res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" }).end(json ? "{}" : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}

/** Folds received points into report-comparable totals. */
export function receivedTotals(points: readonly ReceivedPoint[]): {
  sessions: number;
  costUsd: number;
  tokens: Record<string, number>;
  turns: number;
  toolCalls: number;
  toolFailures: number;
  compactions: number;
} {
  const t = {
    sessions: 0,
    costUsd: 0,
    tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 } as Record<string, number>,
    turns: 0,
    toolCalls: 0,
    toolFailures: 0,
    compactions: 0,
  };
  for (const p of points) {
    if (p.name === "claude_code.session.count") t.sessions += p.value;
    else if (p.name === "claude_code.cost.usage") t.costUsd += p.value;
    else if (p.name === "claude_code.cost.overcount") t.costUsd -= p.value;
    else if (p.name === "claude_code.token.usage") t.tokens[p.attributes["type"] as string] = (t.tokens[p.attributes["type"] as string] ?? 0) + p.value;
    else if (p.name === "claude_code.turn.count") t.turns += p.value;
    else if (p.name === "claude_code.compaction.count") t.compactions += p.value;
    else if (p.name === "claude_code.tool.calls") {
      t.toolCalls += p.value;
      if (p.attributes["outcome"] === "failure") t.toolFailures += p.value;
    }
  }
  return t;
}

/** Decodes one OTLP JSON request (a line of the file exporter's output). */
export function decodeJsonRequest(text: string): { spans: ReceivedSpan[]; points: ReceivedPoint[] } {
  const body = JSON.parse(text) as Json;
  return { spans: spansOf(body), points: pointsOf(body) };
}

/** Decodes one OTLP request body as the receiver does (protobuf or JSON). */
export function decodeRequest(bytes: Uint8Array, signal: "traces" | "metrics", encoding: "pb" | "json"): { spans: ReceivedSpan[]; points: ReceivedPoint[] } {
  const body: Json = encoding === "json" ? (JSON.parse(Buffer.from(bytes).toString("utf8")) as Json) : decode(bytes, signal === "traces" ? TraceRequest : MetricsRequest);
  return signal === "traces" ? { spans: spansOf(body), points: [] } : { spans: [], points: pointsOf(body) };
}
