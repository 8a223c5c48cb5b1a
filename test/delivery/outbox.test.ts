import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Destination, OtlpDestination } from "../../src/delivery/destination.js";
import { parseHeaderList, resolveDestination } from "../../src/delivery/destination.js";
import type { EntryHeader } from "../../src/delivery/outbox.js";
import { dropBeyondBounds, listOutbox, markReady, readEntry, writePendingEntry } from "../../src/delivery/outbox.js";
import { postOtlp } from "../../src/delivery/otlp-post.js";
import { readStatus, sendOutbox } from "../../src/delivery/send-outbox.js";
import { otlpTransport } from "../../src/delivery/transports.js";

const outbox = (): string => join(mkdtempSync(join(tmpdir(), "cco-outbox-")), "outbox");
const header = (signal: "traces" | "metrics", units: EntryHeader["units"] = {}): EntryHeader => ({ v: 1, signal, encoding: "pb", items: 1, units });
const ready = (dir: string, signal: "traces" | "metrics", body: Uint8Array, units?: EntryHeader["units"]): void =>
  void markReady(writePendingEntry(dir, header(signal, units), body));

async function server(
  answer: (n: number, body: Buffer, req: IncomingMessage) => number,
): Promise<{ url: string; got: { path: string; body: Buffer; auth: string | undefined }[]; close(): Promise<void> }> {
  const got: { path: string; body: Buffer; auth: string | undefined }[] = [];
  const srv = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      got.push({ path: req.url ?? "", body, auth: req.headers["authorization"] });
      res.writeHead(answer(got.length, body, req)).end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, got, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

const otlpTo = (url: string, config: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): OtlpDestination =>
  resolveDestination({ endpoint: url }, env, config) as OtlpDestination;

describe("outbox entries", () => {
  it("take growing sequence numbers across writers; pending until recorded; header and body read back byte for byte", () => {
    const dir = outbox();
    const bodies = [0, 1, 2].map((i) => Uint8Array.from([i, 10, 255]));
    const entries = bodies.map((b, i) => writePendingEntry(dir, header(i === 1 ? "metrics" : "traces", { s1: { spans: [`u${i}`] } }), b));
    expect(listOutbox(dir).map((e) => [e.name, e.ready])).toEqual([
      ["000000000001-traces.pending", false],
      ["000000000002-metrics.pending", false],
      ["000000000003-traces.pending", false],
    ]);
    markReady(entries[0] as (typeof entries)[0]);
    expect(listOutbox(dir).map((e) => e.ready)).toEqual([true, false, false]);
    const back = readEntry(listOutbox(dir)[0] as (typeof entries)[0]);
    expect(back.header).toEqual({ v: 1, signal: "traces", encoding: "pb", items: 1, units: { s1: { spans: ["u0"] } } });
    expect([...back.body]).toEqual([0, 10, 255]);
    expect(readdirSync(dir).filter((n) => n.includes(".tmp"))).toEqual([]);
  });

  it("over its bounds, the oldest sendable entries go (pending ones never), with their headers", () => {
    const dir = outbox();
    for (let i = 0; i < 4; i++) ready(dir, "traces", new Uint8Array(100), { s: { spans: [`u${i}`] } });
    writePendingEntry(dir, header("metrics"), new Uint8Array(100));
    const dropped = dropBeyondBounds(dir, 3, 100_000);
    expect(dropped.map((d) => [d.entry.seq, d.header?.units])).toEqual([
      [[1], { s: { spans: ["u0"] } }],
      [[2], { s: { spans: ["u1"] } }],
    ]);
    expect(listOutbox(dir).map((e) => e.seq[0])).toEqual([3, 4, 5]);
  });
});

describe("sending the outbox", () => {
  it("a black-holed collector costs one request deadline (OTEL_EXPORTER_OTLP_TIMEOUT), not more; order and files are kept", async () => {
    const sockets = new Set<Socket>();
    const srv = createServer(() => undefined); // accepts, reads, never answers
    srv.on("connection", (s) => sockets.add(s));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    try {
      const single = performance.now();
      expect(await postOtlp(new Uint8Array(10), "pb", { url: `${url}/v1/traces`, shownUrl: "u", headers: {}, timeoutMs: 300, gzip: false })).toEqual({
        kind: "retry",
        error: "no answer from u within 300 ms",
      });
      expect(performance.now() - single).toBeLessThan(1_000);
      const dir = outbox();
      for (let i = 0; i < 3; i++) ready(dir, "traces", new Uint8Array(10));
      const started = performance.now();
      const r = await sendOutbox(dir, otlpTransport(otlpTo(url, {}, { OTEL_EXPORTER_OTLP_TIMEOUT: "300" })), { budgetMs: 5_000 });
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(r).toMatchObject({ sent: 0, remaining: 3, failure: { kind: "unreachable", message: expect.stringContaining("within 300 ms") } });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it("a collector answering after 2.5 s still drains the outbox within the default 10 s request timeout", async () => {
    const slow = createServer((req, res) => {
      req.resume();
      req.on("end", () => setTimeout(() => res.writeHead(200).end(), 2_500));
    });
    await new Promise<void>((r) => slow.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    try {
      const dir = outbox();
      for (let i = 0; i < 2; i++) ready(dir, "traces", new Uint8Array(10));
      const r = await sendOutbox(dir, otlpTransport(otlpTo(url)), { budgetMs: 20_000 });
      expect(r).toMatchObject({ sent: 2, remaining: 0, failure: undefined });
    } finally {
      await new Promise<void>((r) => slow.close(() => r()));
    }
  }, 15_000);

  it("in order; 400 set aside; a retryable failure stops and keeps the rest; the re-send is byte for byte the same", async () => {
    const statuses = [200, 400, 503, 200, 200];
    const srv = await server((n) => statuses[n - 1] ?? 200);
    try {
      const dir = outbox();
      for (let i = 0; i < 4; i++) ready(dir, i === 1 ? "metrics" : "traces", Uint8Array.from([i, i, i]));
      const rejected: string[] = [];
      const d = otlpTo(srv.url, { otlp: { endpoint: srv.url, headers: { authorization: "Basic abc" } } });
      const r = await sendOutbox(dir, otlpTransport(resolveDestination({}, {}, { otlp: { endpoint: srv.url, headers: { authorization: "Basic abc" } } }) as OtlpDestination), {
        budgetMs: 5_000,
        onRejected: (n) => rejected.push(n),
      });
      expect(d.kind).toBe("otlp");
      expect(r).toEqual({ sent: 1, split: 0, rejected: 1, remaining: 2, failure: { kind: "unreachable", message: expect.stringContaining("HTTP 503") } });
      expect(rejected).toEqual(["000000000002-metrics.req"]);
      expect(readdirSync(join(dir, "..", "rejected")).map((n) => n.replace(/^\d+-/, ""))).toEqual(["000000000002-metrics.req"]);
      expect(srv.got.map((g) => [g.path, g.auth])).toEqual([
        ["/v1/traces", "Basic abc"],
        ["/v1/metrics", "Basic abc"],
        ["/v1/traces", "Basic abc"],
      ]);
      const again = await sendOutbox(dir, otlpTransport(otlpTo(srv.url)), { budgetMs: 5_000 });
      expect(again).toMatchObject({ sent: 2, remaining: 0, failure: undefined });
      // The request refused with 503 went again, identical.
      expect([...(srv.got[3]?.body ?? [])]).toEqual([...(srv.got[2]?.body ?? [])]);
      expect(readStatus(dir)).toMatchObject({ lastSuccessMs: expect.any(Number) });
      expect(readStatus(dir)?.failure).toBeUndefined();
    } finally {
      await srv.close();
    }
  });

  it.each([
    [401, "auth", "the credentials were refused"],
    [403, "auth", "the credentials were refused"],
    [404, "endpoint", "no OTLP receiver at this URL"],
  ])("HTTP %i keeps every request, stops, and says what to fix (%s)", async (status, kind, text) => {
    const srv = await server(() => status);
    try {
      const dir = outbox();
      for (let i = 0; i < 3; i++) ready(dir, "traces", new Uint8Array(4));
      const r = await sendOutbox(dir, otlpTransport(otlpTo(srv.url)), { budgetMs: 5_000 });
      expect(r).toMatchObject({ sent: 0, rejected: 0, remaining: 3, failure: { kind, message: expect.stringContaining(text) } });
      expect(srv.got).toHaveLength(1);
      expect(readStatus(dir)).toMatchObject({ failure: { kind } });
    } finally {
      await srv.close();
    }
  });

  it("a 400 from a destination that never accepted anything is a wrong endpoint: everything kept, nothing set aside", async () => {
    const srv = await server(() => 400);
    try {
      const dir = outbox();
      for (let i = 0; i < 3; i++) ready(dir, "traces", new Uint8Array(4));
      const r = await sendOutbox(dir, otlpTransport(otlpTo(srv.url)), { budgetMs: 5_000 });
      expect(r).toMatchObject({ sent: 0, rejected: 0, remaining: 3, failure: { kind: "endpoint", message: expect.stringContaining("is this an OTLP/HTTP receiver?") } });
      expect(existsSync(join(dir, "..", "rejected"))).toBe(false);
    } finally {
      await srv.close();
    }
  });

  it("stops at an entry whose units are not recorded yet (it must not be overtaken)", async () => {
    const srv = await server(() => 200);
    try {
      const dir = outbox();
      ready(dir, "traces", new Uint8Array(4));
      writePendingEntry(dir, header("metrics"), new Uint8Array(4));
      ready(dir, "metrics", new Uint8Array(4));
      const r = await sendOutbox(dir, otlpTransport(otlpTo(srv.url)), { budgetMs: 5_000 });
      expect(r).toMatchObject({ sent: 1, remaining: 2, failure: undefined });
      expect(srv.got).toHaveLength(1);
    } finally {
      await srv.close();
    }
  });
});

describe("destinations", () => {
  it("OTEL_* variables win over the config file (hooks never see them), else the config, else files; each has its own key", () => {
    const files = resolveDestination({}, { HOME: "/h" }, {}) as Destination;
    expect(files).toMatchObject({ kind: "file", dir: expect.stringMatching(/\.claude\/otel$/), key: expect.stringMatching(/^file-[0-9a-f]{12}$/) });
    const fromConfig = resolveDestination({}, {}, { otlp: { endpoint: "http://c:4318", protocol: "http/json", headers: { "x-k": "v" }, timeoutMs: 2500 } });
    expect(fromConfig).toMatchObject({
      kind: "otlp",
      key: expect.stringMatching(/^otlp-c-4318-[0-9a-f]{12}$/),
      url: { traces: "http://c:4318/v1/traces", metrics: "http://c:4318/v1/metrics" },
      encoding: { traces: "json", metrics: "json" },
      headers: { traces: { "x-k": "v" }, metrics: { "x-k": "v" } },
      timeoutMs: { traces: 2500, metrics: 2500 },
      provisionalSpans: true,
    });
    // A command's options it was not given (replay without --endpoint) leave the config's in force.
    const unset = { endpoint: undefined, protocol: undefined, outputDir: undefined, console: false };
    expect(resolveDestination(unset, {}, { otlp: { endpoint: "http://c:4318", protocol: "http/json", headers: { "x-k": "v" }, timeoutMs: 2500 } })).toEqual(fromConfig);
    const fromEnv = resolveDestination(
      {},
      { OTEL_EXPORTER_OTLP_ENDPOINT: "http://e:1", OTEL_EXPORTER_OTLP_HEADERS: "a=1,b=x%20y", OTEL_EXPORTER_OTLP_METRICS_HEADERS: "b=2" },
      { otlp: { endpoint: "http://c:4318", headers: { "x-k": "v" } } },
    );
    expect(fromEnv).toMatchObject({
      kind: "otlp",
      url: { traces: "http://e:1/v1/traces" },
      encoding: { traces: "pb" },
      headers: { traces: { a: "1", b: "x y" }, metrics: { a: "1", b: "2" } },
      timeoutMs: { traces: 10_000 },
    });
    expect((fromEnv as OtlpDestination).key).not.toBe((fromConfig as OtlpDestination).key);
    expect(parseHeaderList("=x, k = v ,bad=%zz")).toEqual({ k: "v" });
    expect(() => resolveDestination({}, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://e:1", OTEL_EXPORTER_OTLP_TIMEOUT: "soon" }, {})).toThrow(
      /OTEL_EXPORTER_OTLP_TIMEOUT must be a positive number/,
    );
  });

  it("LangSmith itself (its cloud hosts, a self-hosted /api/v1/otel) gets spans in LangSmith's shape; a collector or Langfuse does not", () => {
    const langsmith = (endpoint: string): boolean => (resolveDestination({ endpoint }, {}, {}) as OtlpDestination).langsmith;
    expect(["https://api.smith.langchain.com/otel", "https://eu.api.smith.langchain.com/otel", "https://ls.example.com/api/v1/otel"].map(langsmith)).toEqual([true, true, true]);
    expect(["http://127.0.0.1:4318", "https://cloud.langfuse.com/api/public/otel", "https://smith.langchain.com.evil.example/otel"].map(langsmith)).toEqual([false, false, false]);
  });

  it("Langfuse and LangSmith endpoints get no provisional spans (each span id once); the config or CLAUDE_CODE_OTEL_PROVISIONAL_SPANS decide otherwise", () => {
    expect((resolveDestination({ endpoint: "https://cloud.langfuse.com/api/public/otel" }, {}, {}) as OtlpDestination).provisionalSpans).toBe(false);
    expect((resolveDestination({ endpoint: "https://api.smith.langchain.com/otel" }, {}, {}) as OtlpDestination).provisionalSpans).toBe(false);
    expect((resolveDestination({ endpoint: "http://127.0.0.1:4318" }, {}, {}) as OtlpDestination).provisionalSpans).toBe(true);
    expect((resolveDestination({ endpoint: "http://127.0.0.1:4318" }, { CLAUDE_CODE_OTEL_PROVISIONAL_SPANS: "false" }, {}) as OtlpDestination).provisionalSpans).toBe(false);
    expect((resolveDestination({}, {}, { otlp: { endpoint: "https://cloud.langfuse.com/api/public/otel", provisionalSpans: true } }) as OtlpDestination).provisionalSpans).toBe(
      true,
    );
  });
});

describe("files destination", () => {
  it("refuses to write through a planted symbolic link", async () => {
    const { fileTransport } = await import("../../src/delivery/transports.js");
    const { symlinkSync } = await import("node:fs");
    const dir = mkdtempSync(join(tmpdir(), "cco-files-link-"));
    const victim = join(dir, "victim");
    writeFileSync(victim, "keep\n");
    symlinkSync(victim, join(dir, "traces.jsonl"));
    const d = resolveDestination({ outputDir: dir }, {}, {}) as Destination;
    if (d.kind !== "file") throw new Error("not a file destination");
    const r = await fileTransport(d).send("traces", "json", new TextEncoder().encode("{}"));
    expect(r).toMatchObject({ kind: "endpoint", error: expect.stringContaining("symbolic link") });
    expect(readFileSync(victim, "utf8")).toBe("keep\n");
    expect(existsSync(join(dir, "metrics.jsonl"))).toBe(false);
  });
});
