/**
 * Splits an already-serialized OTLP export request in two, for a collector that answered 413
 * (body too large). The outbox keeps requests as immutable bytes, so a retry is identical; a
 * split is the one deliberate change, and it keeps every span or data point exactly once, in
 * order, with its resource, scope and (for metrics) its window untouched.
 *
 * Protobuf is split at the wire level along the only path that repeats (resource → scope →
 * span, or resource → scope → metric → data point), copying every other field byte for byte;
 * no schema beyond those field numbers is needed. JSON is split on the parsed object.
 */
import type { OtlpEncoding, OtlpSignal } from "../sdk/otlp-serialize.js";

/** Field numbers from opentelemetry-proto: each level's repeated child on the path to the leaves. */
const TRACE_PATH: readonly (readonly number[])[] = [[1], [2], [2]];
/** Metric → its data container (gauge 5, sum 7, histogram 9, exponential histogram 10, summary 11) → data points (1). */
const METRIC_PATH: readonly (readonly number[])[] = [[1], [2], [2], [5, 7, 9, 10, 11], [1]];

const JSON_TRACE_PATH: readonly (readonly string[])[] = [["resourceSpans"], ["scopeSpans"], ["spans"]];
const JSON_METRIC_PATH: readonly (readonly string[])[] = [
  ["resourceMetrics"],
  ["scopeMetrics"],
  ["metrics"],
  ["gauge", "sum", "histogram", "exponentialHistogram", "summary"],
  ["dataPoints"],
];

interface WireField {
  readonly num: number;
  /** The whole field as it was encoded: tag, length and payload. */
  readonly raw: Uint8Array;
  /** The payload of a length-delimited field. */
  readonly payload: Uint8Array | undefined;
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new Error("truncated varint");
    const b = buf[pos++] as number;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, pos];
    shift += 7;
    if (shift > 63) throw new Error("varint too long");
  }
}

function fieldsOf(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [tag, afterTag] = readVarint(buf, pos);
    pos = afterTag;
    const wire = tag % 8;
    let payload: Uint8Array | undefined;
    if (wire === 0) pos = readVarint(buf, pos)[1];
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, afterLen] = readVarint(buf, pos);
      payload = buf.subarray(afterLen, afterLen + len);
      pos = afterLen + len;
    } else throw new Error(`unsupported wire type ${wire}`);
    if (pos > buf.length) throw new Error("truncated field");
    out.push({ num: Math.floor(tag / 8), raw: buf.subarray(start, pos), payload });
  }
  return out;
}

function varintBytes(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function lengthDelimited(num: number, payload: Uint8Array): Uint8Array {
  return concat([Uint8Array.from([...varintBytes(num * 8 + 2), ...varintBytes(payload.length)]), payload]);
}

function countWire(buf: Uint8Array, path: readonly (readonly number[])[], depth: number): number {
  const level = path[depth];
  if (level === undefined) return 1;
  let n = 0;
  for (const f of fieldsOf(buf)) if (f.payload !== undefined && level.includes(f.num)) n += countWire(f.payload, path, depth + 1);
  return n;
}

/** The message restricted to leaves [from, to) (counted from `offset`); undefined when it keeps none. */
function sliceWire(buf: Uint8Array, path: readonly (readonly number[])[], depth: number, range: { from: number; to: number }, cursor: { at: number }): Uint8Array | undefined {
  const level = path[depth];
  if (level === undefined) {
    const keep = cursor.at >= range.from && cursor.at < range.to;
    cursor.at++;
    return keep ? buf : undefined;
  }
  const parts: Uint8Array[] = [];
  let kept = false;
  for (const f of fieldsOf(buf)) {
    if (f.payload === undefined || !level.includes(f.num)) {
      parts.push(f.raw);
      continue;
    }
    const child = sliceWire(f.payload, path, depth + 1, range, cursor);
    if (child === undefined) continue;
    kept = true;
    parts.push(child === f.payload ? f.raw : lengthDelimited(f.num, child));
  }
  return kept ? concat(parts) : undefined;
}

type JsonObject = Record<string, unknown>;

function countJson(node: JsonObject, path: readonly (readonly string[])[], depth: number): number {
  const level = path[depth];
  if (level === undefined) return 1;
  let n = 0;
  for (const key of level) {
    const child = node[key];
    if (Array.isArray(child)) for (const c of child) n += countJson(c as JsonObject, path, depth + 1);
    else if (typeof child === "object" && child !== null) n += countJson(child as JsonObject, path, depth + 1);
  }
  return n;
}

function sliceJson(node: JsonObject, path: readonly (readonly string[])[], depth: number, range: { from: number; to: number }, cursor: { at: number }): JsonObject | undefined {
  const level = path[depth];
  if (level === undefined) {
    const keep = cursor.at >= range.from && cursor.at < range.to;
    cursor.at++;
    return keep ? node : undefined;
  }
  const out: JsonObject = { ...node };
  let kept = false;
  for (const key of level) {
    const child = node[key];
    if (Array.isArray(child)) {
      const slice = child.map((c) => sliceJson(c as JsonObject, path, depth + 1, range, cursor)).filter((c): c is JsonObject => c !== undefined);
      if (slice.length > 0) {
        out[key] = slice;
        kept = true;
      } else delete out[key];
    } else if (typeof child === "object" && child !== null) {
      // A metric's one data container (sum, histogram, ...): the path goes through it.
      const slice = sliceJson(child as JsonObject, path, depth + 1, range, cursor);
      if (slice !== undefined) {
        out[key] = slice;
        kept = true;
      } else delete out[key];
    }
  }
  return kept ? out : undefined;
}

/** How many spans (traces) or data points (metrics) the request holds. */
export function countOtlpItems(body: Uint8Array, signal: OtlpSignal, encoding: OtlpEncoding): number {
  if (encoding === "pb") return countWire(body, signal === "traces" ? TRACE_PATH : METRIC_PATH, 0);
  return countJson(JSON.parse(new TextDecoder().decode(body)) as JsonObject, signal === "traces" ? JSON_TRACE_PATH : JSON_METRIC_PATH, 0);
}

/**
 * The request as two requests of about half its spans or data points each, in order; undefined
 * when it holds fewer than two (nothing to split: one item is bigger than the collector takes).
 * Throws on bytes that are not an OTLP request of that encoding.
 */
export function splitOtlpRequest(body: Uint8Array, signal: OtlpSignal, encoding: OtlpEncoding): [Uint8Array, Uint8Array] | undefined {
  const count = countOtlpItems(body, signal, encoding);
  if (count < 2) return undefined;
  const half = Math.ceil(count / 2);
  const ranges = [
    { from: 0, to: half },
    { from: half, to: count },
  ];
  if (encoding === "pb") {
    const path = signal === "traces" ? TRACE_PATH : METRIC_PATH;
    const [a, b] = ranges.map((r) => sliceWire(body, path, 0, r, { at: 0 }) ?? new Uint8Array(0));
    return [a as Uint8Array, b as Uint8Array];
  }
  const parsed = JSON.parse(new TextDecoder().decode(body)) as JsonObject;
  const path = signal === "traces" ? JSON_TRACE_PATH : JSON_METRIC_PATH;
  const [a, b] = ranges.map((r) => new TextEncoder().encode(JSON.stringify(sliceJson(parsed, path, 0, r, { at: 0 }) ?? {})));
  return [a as Uint8Array, b as Uint8Array];
}
