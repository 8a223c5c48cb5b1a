// doctor --send-test: a real write to the hooks' destination and to this shell's
// OTEL_EXPORTER_OTLP_* one. Accepted: through the real collector, the span reaches the trace
// store behind it (a loopback OTLP receiver) and the point its Prometheus exporter. Refused (401,
// 503, a 200 whose partial success rejected the span, protobuf and JSON), unreachable, and none
// configured: exact output, and no credential from the URL or the headers in it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createTcpServer } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { packageVersion } from "../../src/util/package-version.js";
import { runCli } from "../support/cli.js";
import { requireCollector, startCollector, type RunningCollector } from "../support/collector.js";
import { findSamples, scrape } from "../support/otlp-json.js";
import { startOtlpReceiver, type OtlpReceiver } from "../support/otlp-receiver.js";

const PASSWORD = "pa55-w0rd-71";
const TOKEN = "Bearer tok-93d1c0ffee";

interface SendTest {
  destination: string;
  signal: string;
  url: string;
  accepted: boolean;
  rejected?: number;
  traceId?: string;
}
interface Check {
  name: string;
  status: string;
  message: string;
  fix?: string;
  httpStatus?: number;
  sendTest?: SendTest;
}

let dir: string;
let env: NodeJS.ProcessEnv;
let project: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cco-send-test-"));
  // This shell's resource: replay and watch from here use it, the hooks never see it (Claude Code strips OTEL_*).
  env = { CLAUDE_CONFIG_DIR: join(dir, "claude"), CLAUDE_CODE_OTEL_HOME: join(dir, "otel"), OTEL_RESOURCE_ATTRIBUTES: "user.id=shell-user" };
  mkdirSync(join(dir, "claude", "projects"), { recursive: true });
  project = join(dir, "project");
  mkdirSync(project);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const doctorArgs = (): string[] => ["doctor", "--send-test", "--project-dir", project, "--managed-settings", join(dir, "managed-settings.json")];

/** install with credentials in the URL and a header (and the hooks' user.id in the config file), then doctor --send-test --json: its send-test checks. */
async function sendTest(endpoint: string, extra: string[] = [], shell: NodeJS.ProcessEnv = {}): Promise<{ code: number; checks: Check[]; stdout: string }> {
  const withPassword = endpoint.replace("http://", `http://tester:${PASSWORD}@`);
  expect((await runCli(["install", "--endpoint", withPassword, "--header", `Authorization=${TOKEN}`, ...extra], { env })).code).toBe(0);
  const configFile = join(dir, "otel", "config.json");
  writeFileSync(configFile, JSON.stringify({ ...(JSON.parse(readFileSync(configFile, "utf8")) as object), resourceAttributes: "user.id=dev-7" }), { mode: 0o600 });
  const run = await runCli([...doctorArgs(), "--json"], { env: { ...env, ...shell } });
  expect(run.stdout).not.toContain(PASSWORD);
  expect(run.stdout).not.toContain("tok-93d1c0ffee");
  const report = JSON.parse(run.stdout) as { checks: Check[] };
  return { code: run.code, checks: report.checks.filter((c) => c.name === "send-test"), stdout: run.stdout };
}

const masked = (url: string): string => url.replace("http://", "http://********:********@");

describe.skipIf(!requireCollector())("doctor --send-test against the real collector", () => {
  let store: OtlpReceiver;
  let collector: RunningCollector;
  beforeAll(async () => {
    store = await startOtlpReceiver();
    collector = await startCollector({ env: { OTELCOL_JAEGER_ENDPOINT: store.url } });
  }, 60_000);
  afterAll(async () => {
    await collector?.stop();
    await store?.close();
  });

  it("accepted: HTTP 200 per signal, the trace id printed; the span reaches the store behind the collector, the point its Prometheus exporter", async () => {
    const { code, checks, stdout } = await sendTest(collector.otlpHttpUrl);
    expect(code).toBe(0);
    const traceId = checks[0]?.sendTest?.traceId ?? "";
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const url = masked(collector.otlpHttpUrl);
    expect(checks).toEqual([
      {
        name: "send-test",
        status: "ok",
        httpStatus: 200,
        message: `hooks: ${url}/v1/traces accepted the test span (HTTP 200; trace ${traceId})`,
        sendTest: { destination: "hooks", signal: "traces", url: `${url}/v1/traces`, accepted: true, rejected: 0, traceId },
      },
      {
        name: "send-test",
        status: "ok",
        httpStatus: 200,
        message: `hooks: ${url}/v1/metrics accepted the test point (HTTP 200)`,
        sendTest: { destination: "hooks", signal: "metrics", url: `${url}/v1/metrics`, accepted: true, rejected: 0 },
      },
    ]);
    // The collector batches for a second before it exports.
    const deadline = Date.now() + 15_000;
    while (!store.spans.some((s) => s.traceId === traceId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const span = store.spans.find((s) => s.traceId === traceId);
    expect(span && { name: span.name, parent: span.parentSpanId, attributes: span.attributes, resource: span.resource }).toEqual({
      name: "claude_code.doctor.test",
      parent: undefined,
      attributes: { "claude_code.doctor.test": true, "host.name": hostname() },
      resource: { "service.name": "claude-code-otel", "service.version": packageVersion(), "user.id": "dev-7", "claude_code.telemetry.source": "claude-code-otel" },
    });
    const samples = await scrape(collector.prometheusUrl);
    const gauge = findSamples(samples, "claude_code_doctor_test_seconds");
    expect(gauge.map((s) => s.labels)).toEqual([
      expect.objectContaining({ source: "claude-code-otel", host: hostname(), user: "dev-7", version: packageVersion(), job: "claude-code-otel" }),
    ]);
    expect(Math.abs((gauge[0]?.value ?? 0) - Date.now() / 1000)).toBeLessThan(60);
    expect(stdout).not.toContain("Authorization");

    const text = await runCli(doctorArgs(), { env });
    expect(text.code).toBe(0);
    expect(text.stdout.split("\n").filter((l) => l.startsWith("✓ send-test: "))).toEqual([
      expect.stringMatching(new RegExp(`^✓ send-test: hooks: ${url.replace(/[.*]/g, "\\$&")}/v1/traces accepted the test span \\(HTTP 200; trace [0-9a-f]{32}\\)$`)),
      `✓ send-test: hooks: ${url}/v1/metrics accepted the test point (HTTP 200)`,
    ]);
  });
});

/** A loopback receiver answering every request with the status and body given. */
function answering(): { url: () => string; set: (status: number, body?: Buffer | string, type?: string) => void; close: () => Promise<void>; auth: string[] } {
  let status = 200;
  let body: Buffer | string = "";
  let type = "application/x-protobuf";
  const auth: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      auth.push(String(req.headers["authorization"]));
      res.writeHead(status, { "content-type": type }).end(body);
    });
  });
  server.listen(0, "127.0.0.1");
  return {
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (s, b = "", t = "application/x-protobuf") => {
      status = s;
      body = b;
      type = t;
    },
    close: () => new Promise((r) => server.close(() => r())),
    auth,
  };
}

/** ExportTraceServiceResponse { partial_success: { rejected_spans, error_message } } (field 1; fields 1 and 2), by hand. */
function partialSuccessPb(rejected: number, message: string): Buffer {
  const text = Buffer.from(message);
  const inner = Buffer.concat([Buffer.from([0x08, rejected, 0x12, text.length]), text]);
  return Buffer.concat([Buffer.from([0x0a, inner.length]), inner]);
}

describe("doctor --send-test: refused, rejected, unreachable, none", () => {
  const receiver = answering();
  let refusedUrl = "";
  beforeAll(async () => {
    const closed = createTcpServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((r) => closed.close(() => r()));
  });
  afterAll(() => receiver.close());

  it("401: the credentials were sent (Basic from the URL is overridden by the header) and refused; advice on credentials; exit 1", async () => {
    receiver.set(401, "invalid token tok-93d1c0ffee");
    const { code, checks } = await sendTest(receiver.url());
    const url = masked(receiver.url());
    expect(code).toBe(1);
    expect(receiver.auth.slice(-2)).toEqual([TOKEN, TOKEN]);
    expect(checks.map((c) => [c.status, c.httpStatus, c.message, c.sendTest?.accepted])).toEqual([
      ["fail", 401, `hooks: HTTP 401 from ${url}/v1/traces: the credentials were refused`, false],
      ["fail", 401, `hooks: HTTP 401 from ${url}/v1/metrics: the credentials were refused`, false],
    ]);
    expect(checks[0]?.fix).toContain("claude-code-otel install --header-basic");
  });

  it("503: not accepted, the receiver's answer quoted with secrets redacted", async () => {
    receiver.set(503, `overloaded; retry with Authorization: ${TOKEN}`, "text/plain");
    const { code, checks } = await sendTest(receiver.url());
    const url = masked(receiver.url());
    expect(code).toBe(1);
    expect(checks.map((c) => [c.status, c.httpStatus, c.message, c.fix])).toEqual([
      ["fail", 503, `hooks: HTTP 503 from ${url}/v1/traces (overloaded; retry with Authorization: Bearer [REDACTED])`, "look at the receiver's logs"],
      ["fail", 503, `hooks: HTTP 503 from ${url}/v1/metrics (overloaded; retry with Authorization: Bearer [REDACTED])`, "look at the receiver's logs"],
    ]);
  });

  it("200 with a partial success that rejected the span (protobuf): not accepted", async () => {
    receiver.set(200, partialSuccessPb(1, "span name not allowed"));
    const { code, checks } = await sendTest(receiver.url());
    const url = masked(receiver.url());
    expect(code).toBe(1);
    expect(checks.map((c) => [c.status, c.message, c.sendTest?.accepted, c.sendTest?.rejected])).toEqual([
      ["fail", `hooks: ${url}/v1/traces answered 200 but rejected the test span (1 span): span name not allowed`, false, 1],
      // The same bytes read as a metrics response: rejected_data_points 1.
      ["fail", `hooks: ${url}/v1/metrics answered 200 but rejected the test point (1 point): span name not allowed`, false, 1],
    ]);
  });

  it("200 with a JSON partial success: rejected spans (int64 as a string), a warning with nothing rejected", async () => {
    receiver.set(200, JSON.stringify({ partialSuccess: { rejectedSpans: "2", rejectedDataPoints: "0", errorMessage: "dropped attributes" } }), "application/json");
    const { checks } = await sendTest(receiver.url(), ["--protocol", "http/json"]);
    const url = masked(receiver.url());
    expect(checks.map((c) => [c.status, c.message, c.sendTest?.rejected])).toEqual([
      ["fail", `hooks: ${url}/v1/traces answered 200 but rejected the test span (2 span): dropped attributes`, 2],
      ["warn", `hooks: ${url}/v1/metrics accepted the test point with a warning (HTTP 200): dropped attributes`, 0],
    ]);
  });

  it("unreachable hooks' endpoint, and this shell's OTEL_EXPORTER_OTLP_ENDPOINT tested too (its own headers and resource)", async () => {
    const shellReceiver = await startOtlpReceiver();
    const shell = { OTEL_EXPORTER_OTLP_ENDPOINT: shellReceiver.url, OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=k3y-5ecret" };
    const { code, checks, stdout } = await sendTest(refusedUrl, [], shell);
    await shellReceiver.close();
    expect(shellReceiver.requests.map((r) => [r.path, r.headers["x-api-key"]])).toEqual(
      expect.arrayContaining([
        ["/v1/traces", "k3y-5ecret"],
        ["/v1/metrics", "k3y-5ecret"],
      ]) as unknown[],
    );
    expect(shellReceiver.spans.map((x) => [x.name, x.resource["user.id"]])).toEqual([["claude_code.doctor.test", "shell-user"]]);
    expect(shellReceiver.gauges.map((g) => [g.name, g.attributes["user"]])).toEqual([["claude_code.doctor.test", "shell-user"]]);
    const url = masked(refusedUrl);
    expect(code).toBe(1);
    expect(stdout).not.toContain("k3y-5ecret");
    expect(checks).toEqual([
      {
        name: "send-test",
        status: "fail",
        message: `hooks: ${url}/v1/traces: ECONNREFUSED: nothing answered`,
        fix: "start the collector, or fix the endpoint with claude-code-otel install --endpoint <url> (the outbox keeps data meanwhile)",
        sendTest: { destination: "hooks", signal: "traces", url: `${url}/v1/traces`, accepted: false, traceId: expect.stringMatching(/^[0-9a-f]{32}$/) as string },
      },
      {
        name: "send-test",
        status: "fail",
        message: `hooks: ${url}/v1/metrics: ECONNREFUSED: nothing answered`,
        fix: "start the collector, or fix the endpoint with claude-code-otel install --endpoint <url> (the outbox keeps data meanwhile)",
        sendTest: { destination: "hooks", signal: "metrics", url: `${url}/v1/metrics`, accepted: false },
      },
      {
        name: "send-test",
        status: "ok",
        httpStatus: 200,
        message: expect.stringMatching(new RegExp(`^environment: ${shellReceiver.url}/v1/traces accepted the test span \\(HTTP 200; trace [0-9a-f]{32}\\)$`)) as string,
        sendTest: expect.objectContaining({ destination: "environment", signal: "traces", accepted: true }) as SendTest,
      },
      {
        name: "send-test",
        status: "ok",
        httpStatus: 200,
        message: `environment: ${shellReceiver.url}/v1/metrics accepted the test point (HTTP 200)`,
        sendTest: { destination: "environment", signal: "metrics", url: `${shellReceiver.url}/v1/metrics`, accepted: true, rejected: 0 },
      },
    ]);
  });

  it("no endpoint configured: a warning, nothing sent", async () => {
    const run = await runCli([...doctorArgs(), "--json"], { env });
    const checks = (JSON.parse(run.stdout) as { checks: Check[] }).checks.filter((c) => c.name === "send-test");
    expect(checks).toEqual([
      {
        name: "send-test",
        status: "warn",
        message: `no OTLP endpoint configured: the hooks write OTLP files in ${join(dir, "otel")}; nothing to send a test to`,
        fix: "run claude-code-otel install --endpoint <url>",
      },
    ]);
  });
});
