// Jaeger, the kit's trace store, on the real binaries: jaeger/config.yaml validates and listens on
// loopback only; the base collector config forwards every trace to it, minus provisional spans;
// the debug overlay sends nothing to it. The last block pins what Jaeger itself does with a span id
// received twice, which is why the collector drops provisional spans.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { BASE_CONFIG, OVERLAYS, requireCollector, startCollector, type RunningCollector } from "../support/collector.js";
import { JAEGER_CONFIG, jaegerBinary, parentOf, requireJaeger, startJaeger, type JaegerSpan, type RunningJaeger } from "../support/jaeger.js";
import { CLAUDE_CODE_RESOURCE, postOtlpJson, tracesRequest, type SpanSpec } from "../support/otlp-json.js";

const T0 = Date.now() - 120_000;
const hex = (n: number, len: number): string => n.toString(16).padStart(len, "0");
const collectorBin = requireCollector();
const jaegerBin = requireJaeger();

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value).slice(0, 2_000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const spansOf = async (jaeger: RunningJaeger, traceId: string): Promise<JaegerSpan[]> => (await jaeger.trace(traceId))?.spans ?? [];
const summary = (spans: JaegerSpan[]): Array<[string, string, number, string[]]> =>
  spans.map((s) => [s.spanID, s.operationName, s.duration, s.warnings ?? []] as [string, string, number, string[]]).sort((a, b) => a[0].localeCompare(b[0]) || a[2] - b[2]);

describe("jaeger/config.yaml", () => {
  it("listens on loopback unless told otherwise, one variable per listener", () => {
    const text = readFileSync(JAEGER_CONFIG, "utf8");
    const doc = parse(text) as { receivers: { otlp: { protocols: Record<string, unknown> } }; extensions: Record<string, unknown> };
    expect(Object.keys(doc.receivers.otlp.protocols)).toEqual(["http"]);
    const endpoints = [...text.matchAll(/endpoint: \$\{env:([A-Z_]+):-([^}]+)\}/g)].map((m) => [m[1], m[2]]);
    expect(endpoints).toEqual([
      ["JAEGER_QUERY_HTTP_ENDPOINT", "127.0.0.1:16686"],
      ["JAEGER_QUERY_GRPC_ENDPOINT", "127.0.0.1:16685"],
      ["JAEGER_OTLP_HTTP_ENDPOINT", "127.0.0.1:14318"],
    ]);
    expect(text).toContain("host: ${env:JAEGER_TELEMETRY_HOST:-127.0.0.1}");
    // The collector's default exporter endpoint is this receiver.
    expect(readFileSync(BASE_CONFIG, "utf8")).toContain("${env:OTELCOL_JAEGER_ENDPOINT:-http://127.0.0.1:14318}");
  });

  it.skipIf(!jaegerBin)("validates with the built Jaeger", () => {
    const r = spawnSync(jaegerBinary() ?? "", ["validate", `--config=${JAEGER_CONFIG}`], { encoding: "utf8", timeout: 60_000 });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });
});

describe.skipIf(!collectorBin || !jaegerBin)("collector → Jaeger", () => {
  let jaeger: RunningJaeger;
  let collector: RunningCollector;

  beforeAll(async () => {
    jaeger = await startJaeger();
    collector = await startCollector({ configs: [BASE_CONFIG], env: { OTELCOL_JAEGER_ENDPOINT: jaeger.otlpHttpUrl } });
  });
  afterAll(async () => {
    await collector?.stop();
    await jaeger?.stop();
  });

  it("delivers our traces and Claude Code's own, redacted, with parents", async () => {
    const traceId = hex(0x1001, 32);
    const root = hex(0x1001, 16);
    const ours: SpanSpec[] = [
      {
        name: "claude_code.session",
        traceId,
        spanId: root,
        startMs: T0,
        endMs: T0 + 5_000,
        attributes: { "session.id": "s-1001", "claude_code.note": "key sk-ant-api03-abcdefghijklmnop used" },
      },
      { name: "invoke_agent claude-code", traceId, spanId: hex(0x1002, 16), parentSpanId: root, startMs: T0 + 10, endMs: T0 + 4_000 },
      { name: "chat claude-sonnet-4-5", traceId, spanId: hex(0x1003, 16), parentSpanId: hex(0x1002, 16), startMs: T0 + 20, endMs: T0 + 1_000 },
    ];
    const native: SpanSpec[] = [{ name: "claude_code.interaction", traceId: hex(0x2001, 32), spanId: hex(0x2001, 16), startMs: T0, endMs: T0 + 10 }];
    expect(await postOtlpJson(collector.otlpHttpUrl, "traces", tracesRequest(ours))).toBe(200);
    expect(await postOtlpJson(collector.otlpHttpUrl, "traces", tracesRequest(native, CLAUDE_CODE_RESOURCE))).toBe(200);

    const spans = await until(
      () => spansOf(jaeger, traceId),
      (s) => s.length >= 3,
      "our 3 spans in Jaeger",
    );
    expect(spans.map((s) => [s.operationName, parentOf(s) ?? null, s.warnings ?? []]).sort()).toEqual([
      ["chat claude-sonnet-4-5", hex(0x1002, 16), []],
      ["claude_code.session", null, []],
      ["invoke_agent claude-code", root, []],
    ]);
    const session = spans.find((s) => s.operationName === "claude_code.session");
    expect(session?.tags.find((t) => t.key === "claude_code.note")?.value).toBe("key **** used");
    expect(session?.tags.find((t) => t.key === "session.id")?.value).toBe("s-1001");
    expect(session?.duration).toBe(5_000_000);
    await until(
      () => spansOf(jaeger, hex(0x2001, 32)),
      (s) => s.length === 1,
      "Claude Code's own span in Jaeger",
    );
    expect((await jaeger.services()).sort()).toEqual(["claude-code", "claude-code-otel"]);
  });

  it("drops provisional spans: only the final version of a parent reaches Jaeger, once", async () => {
    const traceId = hex(0x3001, 32);
    const root = hex(0x3001, 16);
    const turn = hex(0x3002, 16);
    const provisional: SpanSpec[] = [
      {
        name: "claude_code.session",
        traceId,
        spanId: root,
        startMs: T0,
        endMs: T0 + 1_000,
        attributes: { "claude_code.session.open": true, "claude_code.span.provisional": true },
      },
      { name: "invoke_agent claude-code", traceId, spanId: turn, parentSpanId: root, startMs: T0 + 10, endMs: T0 + 900, attributes: { "claude_code.span.provisional": true } },
      { name: "chat claude-sonnet-4-5", traceId, spanId: hex(0x3003, 16), parentSpanId: turn, startMs: T0 + 20, endMs: T0 + 800 },
    ];
    expect(await postOtlpJson(collector.otlpHttpUrl, "traces", tracesRequest(provisional))).toBe(200);
    await until(
      () => spansOf(jaeger, traceId),
      (s) => s.length >= 1,
      "the chat span",
    );
    const finals: SpanSpec[] = [
      { name: "claude_code.session", traceId, spanId: root, startMs: T0, endMs: T0 + 9_000, attributes: { "claude_code.cost_usd": 1.5 } },
      { name: "invoke_agent claude-code", traceId, spanId: turn, parentSpanId: root, startMs: T0 + 10, endMs: T0 + 2_000, attributes: { "claude_code.span.provisional": false } },
    ];
    expect(await postOtlpJson(collector.otlpHttpUrl, "traces", tracesRequest(finals))).toBe(200);
    const spans = await until(
      () => spansOf(jaeger, traceId),
      (s) => s.length >= 3,
      "the final parents",
    );
    // One more batch interval: a provisional copy, had it passed, would show by now.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(summary(await spansOf(jaeger, traceId))).toEqual(summary(spans));
    expect(summary(spans)).toEqual([
      [root, "claude_code.session", 9_000_000, []],
      [turn, "invoke_agent claude-code", 1_990_000, []],
      [hex(0x3003, 16), "chat claude-sonnet-4-5", 780_000, []],
    ]);
  });
});

describe.skipIf(!collectorBin || !jaegerBin)("the debug overlay", () => {
  let jaeger: RunningJaeger;
  let collector: RunningCollector;

  beforeAll(async () => {
    jaeger = await startJaeger();
    collector = await startCollector({ configs: [BASE_CONFIG, OVERLAYS.debug], env: { OTELCOL_JAEGER_ENDPOINT: jaeger.otlpHttpUrl, OTELCOL_DEBUG_VERBOSITY: "detailed" } });
  });
  afterAll(async () => {
    await collector?.stop();
    await jaeger?.stop();
  });

  it("logs traces instead of sending them to Jaeger", async () => {
    const traceId = hex(0x4001, 32);
    expect(
      await postOtlpJson(collector.otlpHttpUrl, "traces", tracesRequest([{ name: "claude_code.session", traceId, spanId: hex(0x4001, 16), startMs: T0, endMs: T0 + 1 }])),
    ).toBe(200);
    const deadline = Date.now() + 20_000;
    while (!collector.logs().includes(hex(0x4001, 16)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(collector.logs()).toContain(`Span #0`);
    expect(collector.logs()).toContain(hex(0x4001, 16));
    expect(await jaeger.trace(traceId)).toBeUndefined();
    expect(await jaeger.services()).toEqual([]);
  });
});

// What Jaeger 2.12 (in-memory store) does with a span id it receives twice: straight to its OTLP
// receiver, no collector in between.
describe.skipIf(!jaegerBin)("Jaeger itself, given one span id twice", () => {
  let jaeger: RunningJaeger;
  const DUPLICATE = "duplicate span IDs; skipping clock skew adjustment";

  beforeAll(async () => {
    jaeger = await startJaeger();
  });
  afterAll(async () => {
    await jaeger?.stop();
  });

  const post = async (spans: SpanSpec[]): Promise<void> => {
    expect(await postOtlpJson(jaeger.otlpHttpUrl, "traces", tracesRequest(spans))).toBe(200);
    // Jaeger's own batch processor: let each request land before the next, so arrival order is known.
    await until(
      async () => (await jaeger.trace(spans[0]?.traceId ?? "")) !== undefined,
      () => true,
      "arrival",
      5_000,
    );
    await new Promise((r) => setTimeout(r, 1_200));
  };

  it("keeps a provisional and a final version as two spans, warns on the later one, merges nothing", async () => {
    const traceId = hex(0x5001, 32);
    const root = hex(0x5001, 16);
    await post([{ name: "claude_code.session", traceId, spanId: root, startMs: T0, endMs: T0 + 1_000, attributes: { "claude_code.session.open": true } }]);
    await post([{ name: "chat x", traceId, spanId: hex(0x5002, 16), parentSpanId: root, startMs: T0 + 100, endMs: T0 + 900 }]);
    await post([{ name: "claude_code.session", traceId, spanId: root, startMs: T0, endMs: T0 + 5_000, attributes: { "claude_code.cost_usd": 1.25 } }]);
    const trace = await jaeger.trace(traceId);
    expect(trace?.warnings ?? []).toEqual([]);
    // Both copies, as received; one of them (not necessarily the later) carries the warning.
    const spans = trace?.spans ?? [];
    expect(spans.map((s) => [s.spanID, s.duration]).sort()).toEqual([
      [root, 1_000_000],
      [root, 5_000_000],
      [hex(0x5002, 16), 800_000],
    ]);
    expect(spans.filter((s) => s.spanID === root).flatMap((s) => s.warnings ?? [])).toEqual([DUPLICATE]);
    expect(spans.find((s) => s.spanID === hex(0x5002, 16))?.warnings ?? []).toEqual([]);
    expect(
      spans
        .filter((s) => s.spanID === root)
        .map((s) =>
          s.tags
            .map((t) => t.key)
            .filter((k) => k.startsWith("claude_code"))
            .sort(),
        ),
    ).toEqual(expect.arrayContaining([["claude_code.session.open"], ["claude_code.cost_usd"]]));
    const [search] = await jaeger.search("claude-code-otel", { "claude_code.cost_usd": "1.25" });
    expect(search?.spans).toHaveLength(3);
  });

  it("shows a byte-identical re-send once", async () => {
    const traceId = hex(0x6001, 32);
    const span: SpanSpec = { name: "claude_code.session", traceId, spanId: hex(0x6001, 16), startMs: T0, endMs: T0 + 1_000, attributes: { "claude_code.cost_usd": 0.5 } };
    await post([span]);
    await post([span]);
    expect(summary(await spansOf(jaeger, traceId))).toEqual([[hex(0x6001, 16), "claude_code.session", 1_000_000, []]]);
  });

  it("warns on a child whose parent has not arrived, and stops warning once it has", async () => {
    const traceId = hex(0x7001, 32);
    const parent = hex(0x7001, 16);
    await post([{ name: "chat x", traceId, spanId: hex(0x7002, 16), parentSpanId: parent, startMs: T0 + 100, endMs: T0 + 900 }]);
    expect(summary(await spansOf(jaeger, traceId))).toEqual([[hex(0x7002, 16), "chat x", 800_000, [`invalid parent span IDs=${parent}; skipping clock skew adjustment`]]]);
    await post([{ name: "claude_code.session", traceId, spanId: parent, startMs: T0, endMs: T0 + 1_000 }]);
    expect(summary(await spansOf(jaeger, traceId))).toEqual([
      [parent, "claude_code.session", 1_000_000, []],
      [hex(0x7002, 16), "chat x", 800_000, []],
    ]);
  });
});
