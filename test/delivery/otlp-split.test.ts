import { JsonMetricsSerializer, JsonTraceSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { describe, expect, it } from "vitest";
import { countOtlpItems, splitOtlpRequest } from "../../src/delivery/otlp-split.js";
import type { OtlpEncoding } from "../../src/sdk/otlp-serialize.js";
import { sessionToMetricPoints } from "../../src/mapping/map-metrics.js";
import { toResourceMetrics } from "../../src/sdk/metric-batch.js";
import { sessionToSpans } from "../../src/mapping/map-spans.js";
import { toReadableSpan } from "../../src/sdk/readable-span.js";
import { buildResource } from "../../src/sdk/resource.js";
import { decodeRequest } from "../support/otlp-receiver.js";
import { loadAllSessions } from "../support/sessions.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";
import { join } from "node:path";

const EXAMPLES = join(REPO_ROOT, "examples", "projects");
const encodings: OtlpEncoding[] = ["pb", "json"];

async function fixtureRequests(encoding: OtlpEncoding): Promise<{ traces: Uint8Array; metrics: Uint8Array; spans: number }> {
  const sessions = await loadAllSessions(EXAMPLES);
  const resource = buildResource({});
  const spans = sessions.flatMap((s) => sessionToSpans(s, { final: true }));
  const readable = spans.map((s) => toReadableSpan(s, resource));
  const points = sessions.flatMap((s) => sessionToMetricPoints(s, { final: true }));
  const batch = toResourceMetrics(points, resource, 1_700_000_000_000, 1_700_000_060_000);
  const traces = encoding === "pb" ? ProtobufTraceSerializer.serializeRequest(readable) : JsonTraceSerializer.serializeRequest(readable);
  const metrics = encoding === "pb" ? ProtobufMetricsSerializer.serializeRequest(batch) : JsonMetricsSerializer.serializeRequest(batch);
  if (traces === undefined || metrics === undefined) throw new Error("serializer returned nothing");
  return { traces, metrics, spans: spans.length };
}

describe("splitOtlpRequest", () => {
  for (const encoding of encodings) {
    it(`halves a ${encoding} traces request: every span once, in order, same resource`, async () => {
      const { traces, spans } = await fixtureRequests(encoding);
      const whole = decodeRequest(traces, "traces", encoding).spans;
      expect(whole.length).toBe(spans);
      expect(countOtlpItems(traces, "traces", encoding)).toBe(spans);
      const halves = splitOtlpRequest(traces, "traces", encoding);
      if (halves === undefined) throw new Error("no split");
      const [a, b] = halves.map((h) => decodeRequest(h, "traces", encoding).spans);
      expect(a?.length).toBe(Math.ceil(spans / 2));
      expect([...(a ?? []), ...(b ?? [])]).toEqual(whole);
      // Split again until single spans: nothing lost or duplicated at any depth.
      const leaves: Uint8Array[] = [];
      const queue: Uint8Array[] = [traces];
      while (queue.length > 0) {
        const next = queue.shift() as Uint8Array;
        const parts = splitOtlpRequest(next, "traces", encoding);
        if (parts === undefined) leaves.push(next);
        else queue.unshift(...parts);
      }
      expect(leaves.length).toBe(spans);
      expect(leaves.flatMap((l) => decodeRequest(l, "traces", encoding).spans)).toEqual(whole);
    });

    it(`halves a ${encoding} metrics request: every data point once, windows untouched`, async () => {
      const { metrics } = await fixtureRequests(encoding);
      const whole = decodeRequest(metrics, "metrics", encoding).points;
      expect(whole.length).toBeGreaterThan(10);
      expect(countOtlpItems(metrics, "metrics", encoding)).toBe(whole.length);
      const halves = splitOtlpRequest(metrics, "metrics", encoding);
      if (halves === undefined) throw new Error("no split");
      const parts = halves.map((h) => decodeRequest(h, "metrics", encoding).points);
      expect([...(parts[0] ?? []), ...(parts[1] ?? [])]).toEqual(whole);
      for (const p of parts.flat()) expect([p.startMs, p.timeMs]).toEqual([1_700_000_000_000, 1_700_000_060_000]);
    });
  }

  it("gives up on a request of one span, and refuses bytes that are not OTLP", async () => {
    const { traces } = await fixtureRequests("pb");
    let one: Uint8Array = traces;
    for (let parts = splitOtlpRequest(one, "traces", "pb"); parts !== undefined; parts = splitOtlpRequest(one, "traces", "pb")) one = parts[0];
    expect(countOtlpItems(one, "traces", "pb")).toBe(1);
    expect(splitOtlpRequest(one, "traces", "pb")).toBeUndefined();
    expect(() => splitOtlpRequest(Uint8Array.from([0x0a, 0xff]), "traces", "pb")).toThrow();
    expect(() => splitOtlpRequest(new TextEncoder().encode("{not json"), "traces", "json")).toThrow();
  });
});
