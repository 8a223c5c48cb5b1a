// Trace transport through the overlays, end to end on the real collector: spans posted to
// its OTLP receiver reach loopback stand-ins for Langfuse and LangSmith with the right path,
// headers and encoding; only our spans go out, never metrics, and secrets are masked.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOtlpReceiver, type OtlpReceiver } from "../support/otlp-receiver.js";
import { BASE_CONFIG, OVERLAYS, ROUTING_EXAMPLE, requireCollector, startCollector, type RunningCollector } from "../support/collector.js";
import { CLAUDE_CODE_RESOURCE, metricsRequest, postOtlpJson, tracesRequest, type SpanSpec } from "../support/otlp-json.js";

const LANGFUSE = { pk: "pk-lf-test", sk: "sk-lf-test" };
const LANGSMITH = { key: "lsv2_pt_test", project: "cc-test" };
const T0 = Date.now() - 60_000;
const hex = (n: number, len: number): string => n.toString(16).padStart(len, "0");

/** A session span, a chat span under it, and a secret in an attribute value. */
function session(n: number, project: string): SpanSpec[] {
  const traceId = hex(n, 32);
  const root = hex(n * 16 + 1, 16);
  // Both products' keys, as src/mapping/destinations writes them; each pipeline strips the other's.
  const meta = { "langsmith.metadata.project": project, "langfuse.trace.tags": project };
  return [
    {
      name: "claude_code.session",
      traceId,
      spanId: root,
      startMs: T0,
      endMs: T0 + 5_000,
      attributes: { ...meta, "claude_code.project": project, "gen_ai.usage.input_tokens": 900, "claude_code.note": "key sk-ant-api03-abcdefghijklmnop used" },
    },
    {
      name: "chat claude-sonnet-4-5",
      traceId,
      spanId: hex(n * 16 + 2, 16),
      parentSpanId: root,
      startMs: T0 + 1_000,
      endMs: T0 + 2_000,
      attributes: { ...meta, "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 300 },
    },
  ];
}

async function until(check: () => boolean, what: string, collector: RunningCollector, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${collector.logs()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const bin = requireCollector();

describe.skipIf(!bin)("langfuse + langsmith overlays", () => {
  let langfuse: OtlpReceiver;
  let langsmith: OtlpReceiver;
  let collector: RunningCollector;

  beforeAll(async () => {
    [langfuse, langsmith] = await Promise.all([startOtlpReceiver(), startOtlpReceiver()]);
    collector = await startCollector({
      configs: [BASE_CONFIG, OVERLAYS.langfuse, OVERLAYS.langsmith],
      env: {
        LANGFUSE_OTLP_ENDPOINT: `${langfuse.url}/api/public/otel`,
        LANGFUSE_PUBLIC_KEY: LANGFUSE.pk,
        LANGFUSE_SECRET_KEY: LANGFUSE.sk,
        LANGSMITH_OTLP_ENDPOINT: `${langsmith.url}/otel`,
        LANGSMITH_API_KEY: LANGSMITH.key,
        LANGSMITH_PROJECT: LANGSMITH.project,
      },
    });
    const cc = [{ name: "claude_code.interaction", traceId: hex(99, 32), spanId: hex(99, 16), startMs: T0, endMs: T0 + 10 }];
    const metric = metricsRequest([{ kind: "sum", name: "claude_code.cost.usage", unit: "USD", startMs: T0, timeMs: T0 + 1, value: 1 }]);
    expect(await postOtlpJson(collector.otlpHttpUrl, "traces", tracesRequest(session(1, "web-app")))).toBe(200);
    expect(await postOtlpJson(collector.otlpHttpUrl, "traces", tracesRequest(cc, CLAUDE_CODE_RESOURCE))).toBe(200);
    expect(await postOtlpJson(collector.otlpHttpUrl, "metrics", metric)).toBe(200);
    await until(() => langfuse.spans.length >= 2 && langsmith.spans.length >= 2, "spans at both stand-ins", collector);
    // One more batch interval, so a stray late request (metrics, Claude Code's spans) would show.
    await new Promise((r) => setTimeout(r, 1_500));
  });
  afterAll(async () => {
    await collector?.stop();
    await Promise.all([langfuse?.close(), langsmith?.close()]);
  });

  it("Langfuse: /api/public/otel/v1/traces, Basic auth, ingestion version 4, protobuf", () => {
    expect(langfuse.requests.map((r) => r.path)).toEqual(langfuse.requests.map(() => "/api/public/otel/v1/traces"));
    for (const r of langfuse.requests) {
      expect(r.headers["authorization"]).toBe(`Basic ${Buffer.from(`${LANGFUSE.pk}:${LANGFUSE.sk}`).toString("base64")}`);
      expect(r.headers["x-langfuse-ingestion-version"]).toBe("4");
      expect(r.contentType).toBe("application/x-protobuf");
    }
    expect(langfuse.points).toEqual([]);
  });

  it("LangSmith: /otel/v1/traces, x-api-key, Langsmith-Project, protobuf", () => {
    expect(langsmith.requests.map((r) => r.path)).toEqual(langsmith.requests.map(() => "/otel/v1/traces"));
    for (const r of langsmith.requests) {
      expect(r.headers["x-api-key"]).toBe(LANGSMITH.key);
      expect(r.headers["langsmith-project"]).toBe(LANGSMITH.project);
      expect(r.contentType).toBe("application/x-protobuf");
      expect(r.headers["authorization"]).toBeUndefined();
    }
  });

  it("forwards only our spans: Claude Code's own traces stay out", () => {
    for (const backend of [langfuse, langsmith]) {
      expect(backend.spans.map((s) => s.name).sort()).toEqual(["chat claude-sonnet-4-5", "claude_code.session"]);
    }
  });

  it("masks secrets in attribute values", () => {
    for (const backend of [langfuse, langsmith]) {
      const root = backend.spans.find((s) => s.name === "claude_code.session");
      expect(root?.attributes["claude_code.note"]).toBe("key **** used");
    }
  });

  it("strips the other product's keys", () => {
    const keys = (b: OtlpReceiver): string[] => b.spans.flatMap((s) => Object.keys(s.attributes));
    expect(keys(langfuse).filter((k) => k.startsWith("langsmith."))).toEqual([]);
    expect(keys(langfuse)).toContain("langfuse.trace.tags");
    expect(keys(langsmith).filter((k) => k.startsWith("langfuse."))).toEqual([]);
    expect(keys(langsmith)).toContain("langsmith.metadata.project");
  });

  it("starts without deprecation warnings (component names are current for this version)", () => {
    expect(collector.logs()).not.toMatch(/deprecat/i);
  });

  it("LangSmith loses the session span's usage totals; Langfuse and child spans keep theirs", () => {
    const usage = (b: OtlpReceiver, name: string): unknown => b.spans.find((s) => s.name === name)?.attributes["gen_ai.usage.input_tokens"];
    expect(usage(langsmith, "claude_code.session")).toBeUndefined();
    expect(usage(langsmith, "chat claude-sonnet-4-5")).toBe(300);
    expect(usage(langfuse, "claude_code.session")).toBe(900);
  });
});

describe.skipIf(!bin)("langsmith routing example", () => {
  let langsmith: OtlpReceiver;
  let collector: RunningCollector;

  beforeAll(async () => {
    langsmith = await startOtlpReceiver();
    collector = await startCollector({
      configs: [BASE_CONFIG, ROUTING_EXAMPLE],
      env: { LANGSMITH_OTLP_ENDPOINT: `${langsmith.url}/otel`, LANGSMITH_API_KEY: LANGSMITH.key, LANGSMITH_PROJECT: LANGSMITH.project },
    });
    expect(await postOtlpJson(collector.otlpHttpUrl, "traces", tracesRequest([...session(1, "web-app"), ...session(2, "cli-tool")]))).toBe(200);
    await until(() => langsmith.spans.length >= 4, "4 spans at the LangSmith stand-in", collector);
  });
  afterAll(async () => {
    await collector?.stop();
    await langsmith?.close();
  });

  it("sends each trace whole to the LangSmith project of its Claude Code project", () => {
    expect(langsmith.spans).toHaveLength(4);
    const byHeader = new Map<string, Buffer[]>();
    for (const r of langsmith.requests) {
      expect(r.path).toBe("/otel/v1/traces");
      expect(r.headers["x-api-key"]).toBe(LANGSMITH.key);
      const project = String(r.headers["langsmith-project"]);
      byHeader.set(project, [...(byHeader.get(project) ?? []), r.bytes]);
    }
    expect([...byHeader.keys()].sort()).toEqual(["cc-test", "claude-code-web-app"]);
    // Protobuf keeps strings verbatim: each request names only its own Claude Code project.
    for (const body of byHeader.get("claude-code-web-app") ?? []) expect([body.includes("web-app"), body.includes("cli-tool")]).toEqual([true, false]);
    for (const body of byHeader.get(LANGSMITH.project) ?? []) expect([body.includes("web-app"), body.includes("cli-tool")]).toEqual([false, true]);
  });
});

// Langfuse v4 stores every copy of a span id and counts each copy's cost; LangSmith keeps the
// first run it receives for an id. A provisional parent (sent early so that children never
// precede it) must reach neither; its final version must, once. Both attach children to a
// parent that arrives later (LangSmith buffers them for hours).
describe.skipIf(!bin)("provisional spans: Langfuse and LangSmith get each span once, final", () => {
  let langfuse: OtlpReceiver;
  let langsmith: OtlpReceiver;
  let collector: RunningCollector;
  const traceId = hex(0x77, 32);
  const root = hex(0x771, 16);
  const turn = hex(0x772, 16);
  const chat = hex(0x773, 16);
  const tool = hex(0x774, 16);

  beforeAll(async () => {
    [langfuse, langsmith] = await Promise.all([startOtlpReceiver(), startOtlpReceiver()]);
    collector = await startCollector({
      configs: [BASE_CONFIG, OVERLAYS.langfuse, OVERLAYS.langsmith],
      env: {
        LANGFUSE_OTLP_ENDPOINT: `${langfuse.url}/api/public/otel`,
        LANGFUSE_PUBLIC_KEY: LANGFUSE.pk,
        LANGFUSE_SECRET_KEY: LANGFUSE.sk,
        LANGSMITH_OTLP_ENDPOINT: `${langsmith.url}/otel`,
        LANGSMITH_API_KEY: LANGSMITH.key,
      },
    });
    // A running session's first export: provisional session and turn, a finished chat and tool under the turn.
    const early: SpanSpec[] = [
      {
        name: "claude_code.session",
        traceId,
        spanId: root,
        startMs: T0,
        endMs: T0 + 3_000,
        attributes: { "claude_code.session.open": true, "claude_code.span.provisional": true },
      },
      { name: "invoke_agent claude-code", traceId, spanId: turn, parentSpanId: root, startMs: T0 + 100, endMs: T0 + 3_000, attributes: { "claude_code.span.provisional": true } },
      { name: "chat claude-sonnet-4-5", traceId, spanId: chat, parentSpanId: turn, startMs: T0 + 200, endMs: T0 + 1_000, attributes: { "gen_ai.usage.input_tokens": 300 } },
      { name: "execute_tool Bash", traceId, spanId: tool, parentSpanId: turn, startMs: T0 + 1_100, endMs: T0 + 1_500, attributes: { "claude_code.span.provisional": false } },
    ];
    expect(await postOtlpJson(collector.otlpHttpUrl, "traces", tracesRequest(early))).toBe(200);
    await until(() => langfuse.spans.length >= 2 && langsmith.spans.length >= 2, "the early export at both stand-ins", collector);
    // Later: the turn and the session end, their final versions replace the provisional ones.
    const final: SpanSpec[] = [
      { name: "invoke_agent claude-code", traceId, spanId: turn, parentSpanId: root, startMs: T0 + 100, endMs: T0 + 8_000 },
      { name: "claude_code.session", traceId, spanId: root, startMs: T0, endMs: T0 + 9_000, attributes: { "claude_code.cost_usd": 0.42 } },
    ];
    expect(await postOtlpJson(collector.otlpHttpUrl, "traces", tracesRequest(final))).toBe(200);
    await until(() => langfuse.spans.length >= 4 && langsmith.spans.length >= 4, "the final parents at both stand-ins", collector);
    await new Promise((r) => setTimeout(r, 1_500));
  });
  afterAll(async () => {
    await collector?.stop();
    await Promise.all([langfuse?.close(), langsmith?.close()]);
  });

  it("Langfuse: every span id exactly once, in its final version, with the v4 header on every request", () => {
    const got = langfuse.spans.map((s) => [s.spanId, s.endMs - T0, s.attributes["claude_code.span.provisional"] ?? null, s.attributes["claude_code.session.open"] ?? null]);
    expect(got.sort()).toEqual(
      [
        [chat, 1_000, null, null],
        [root, 9_000, null, null],
        [tool, 1_500, false, null],
        [turn, 8_000, null, null],
      ].sort(),
    );
    expect(langfuse.requests.length).toBeGreaterThanOrEqual(2);
    for (const r of langfuse.requests) expect([r.path, r.headers["x-langfuse-ingestion-version"]]).toEqual(["/api/public/otel/v1/traces", "4"]);
  });

  it("LangSmith: every span id exactly once, in its final version; the children first, their parents when final", () => {
    const order = langsmith.spans.map((s) => [s.spanId, s.endMs - T0]);
    expect(order.slice(0, 2).sort()).toEqual(
      [
        [chat, 1_000],
        [tool, 1_500],
      ].sort(),
    );
    expect(order.slice(2).sort()).toEqual(
      [
        [root, 9_000],
        [turn, 8_000],
      ].sort(),
    );
  });
});
