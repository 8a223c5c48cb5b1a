import { mkdtempSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseHeaderList, resolveDelivery } from "../../src/delivery/resolve-delivery.js";
import type { OtlpDelivery } from "../../src/delivery/resolve-delivery.js";
import { enforceOutboxBounds, listOutbox, openOutbox } from "../../src/delivery/outbox.js";
import { postOtlp } from "../../src/delivery/otlp-post.js";
import { sendOutbox } from "../../src/delivery/send-outbox.js";

const home = (): string => mkdtempSync(join(tmpdir(), "cco-outbox-"));

describe("outbox", () => {
  it("keeps requests in write order across writers and drops the oldest beyond its bounds", () => {
    const dir = home();
    const a = openOutbox(dir);
    for (let i = 0; i < 5; i++) a.write(i % 2 === 0 ? "traces" : "metrics", "pb", new Uint8Array(100));
    // A later flusher continues the sequence.
    openOutbox(dir).write("metrics", "json", new Uint8Array(100));
    expect(listOutbox(dir).map((e) => e.name)).toEqual([
      "000000000001-traces.pb",
      "000000000002-metrics.pb",
      "000000000003-traces.pb",
      "000000000004-metrics.pb",
      "000000000005-traces.pb",
      "000000000006-metrics.json",
    ]);
    expect(enforceOutboxBounds(dir, 4, 10_000)).toEqual({ dropped: 2, droppedBytes: 200 });
    expect(enforceOutboxBounds(dir, 100, 250)).toEqual({ dropped: 2, droppedBytes: 200 });
    expect(listOutbox(dir).map((e) => e.seq)).toEqual([5, 6]);
    expect(readdirSync(join(dir, "outbox")).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("a black-holed collector costs one request deadline, not more; order and files are kept", async () => {
    const sockets = new Set<Socket>();
    const server = createServer(() => undefined); // accepts, reads, never answers
    server.on("connection", (s) => sockets.add(s));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const single = performance.now();
      expect(await postOtlp(`${url}/v1/traces`, new Uint8Array(10), "pb", {}, 300)).toEqual({ kind: "retry", error: "no answer within 300 ms" });
      expect(performance.now() - single).toBeLessThan(1_000);

      const dir = home();
      const w = openOutbox(dir);
      for (let i = 0; i < 3; i++) w.write("traces", "pb", new Uint8Array(10));
      const delivery = resolveDelivery({}, { otlp: { endpoint: url } }) as OtlpDelivery;
      const started = performance.now();
      const r = await sendOutbox(dir, delivery, { requestTimeoutMs: 300, budgetMs: 5_000 });
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(r).toMatchObject({ sent: 0, remaining: 3, error: expect.stringContaining("no answer within 300 ms") });
      expect(listOutbox(dir).length).toBe(3);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("sends in order, deletes what was taken, drops what the collector rejects for good, stops at a retryable failure", async () => {
    const statuses = [200, 400, 200, 503, 200];
    const got: string[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        got.push(`${req.url} ${req.headers["content-type"]} ${req.headers["authorization"]}`);
        res.writeHead(statuses[got.length - 1] ?? 200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const dir = home();
      const w = openOutbox(dir);
      for (let i = 0; i < 5; i++) w.write(i === 1 ? "metrics" : "traces", i === 4 ? "json" : "pb", new Uint8Array(5));
      const delivery = resolveDelivery({}, { otlp: { endpoint: url, headers: { authorization: "Basic abc" } } }) as OtlpDelivery;
      const rejected: string[] = [];
      const r = await sendOutbox(dir, delivery, { onRejected: (n) => rejected.push(n) });
      expect(r).toEqual({ sent: 2, rejected: 1, remaining: 2, error: expect.stringContaining("HTTP 503") });
      expect(rejected).toEqual(["000000000002-metrics.pb"]);
      expect(got[0]).toBe("/v1/traces application/x-protobuf Basic abc");
      expect(got[1]).toBe("/v1/metrics application/x-protobuf Basic abc");
      expect(listOutbox(dir).map((e) => e.seq)).toEqual([4, 5]);
      const again = await sendOutbox(dir, delivery);
      expect(again).toEqual({ sent: 2, rejected: 0, remaining: 0, error: undefined });
      expect(got[5]).toBe("/v1/traces application/json Basic abc");
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("delivery: OTEL_* variables win over the config file (hooks never see them), else the config, else files", () => {
    expect(resolveDelivery({}, {})).toEqual({ kind: "file", dir: expect.stringMatching(/\.claude\/otel$/) });
    const fromConfig = resolveDelivery({}, { otlp: { endpoint: "http://c:4318", protocol: "http/json", headers: { "x-k": "v" } } });
    expect(fromConfig).toMatchObject({
      kind: "otlp",
      url: { traces: "http://c:4318/v1/traces", metrics: "http://c:4318/v1/metrics" },
      encoding: { traces: "json", metrics: "json" },
      headers: { traces: { "x-k": "v" } },
    });
    const fromEnv = resolveDelivery(
      { OTEL_EXPORTER_OTLP_ENDPOINT: "http://e:1", OTEL_EXPORTER_OTLP_HEADERS: "a=1,b=x%20y", OTEL_EXPORTER_OTLP_METRICS_HEADERS: "b=2" },
      { otlp: { endpoint: "http://c:4318", headers: { "x-k": "v" } } },
    );
    expect(fromEnv).toMatchObject({
      kind: "otlp",
      url: { traces: "http://e:1/v1/traces" },
      encoding: { traces: "pb" },
      headers: { traces: { a: "1", b: "x y" }, metrics: { a: "1", b: "2" } },
    });
    expect(parseHeaderList("=x, k = v ,bad=%zz")).toEqual({ k: "v" });
  });
});
