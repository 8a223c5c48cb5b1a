import { ledgerDirFor } from "../support/destinations.js";
import { markReady, writePendingEntry } from "../../src/delivery/outbox.js";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bytes: number;
}

let received: Received[] = [];
let status = 200;
const up = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, bytes: Buffer.concat(chunks).length });
    res.writeHead(status, { "content-type": "application/x-protobuf" }).end();
  });
});
// Accepts connections and never answers: a firewall that drops, a hung collector.
const sockets = new Set<Socket>();
const blackHole = createTcpServer((s) => {
  sockets.add(s);
  s.on("error", () => undefined);
});
let upUrl = "";
let blackHoleUrl = "";
let refusedUrl = "";

function listen(server: { listen: (port: number, host: string, cb: () => void) => unknown; address: () => AddressInfo | string | null }): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  upUrl = `http://127.0.0.1:${await listen(up)}`;
  blackHoleUrl = `http://127.0.0.1:${await listen(blackHole)}`;
  const closed = createTcpServer();
  const port = await listen(closed);
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  refusedUrl = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => up.close(() => resolve()));
  await new Promise<void>((resolve) => blackHole.close(() => resolve()));
});

let dir: string;
let env: NodeJS.ProcessEnv;
let project: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cco-doctor-"));
  env = { CLAUDE_CONFIG_DIR: join(dir, "claude"), CLAUDE_CODE_OTEL_HOME: join(dir, "otel") };
  mkdirSync(join(dir, "claude", "projects"), { recursive: true });
  project = join(dir, "project");
  mkdirSync(project);
  received = [];
  status = 200;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Report {
  ok: boolean;
  checks: { name: string; status: "ok" | "warn" | "fail"; message: string; fix?: string }[];
}

async function doctor(): Promise<{ code: number; report: Report; stdout: string }> {
  const run = await runCli(["doctor", "--json", "--project-dir", project], { env });
  return { code: run.code, report: JSON.parse(run.stdout) as Report, stdout: run.stdout };
}

const check = (r: Report, name: string): Report["checks"][number] | undefined => r.checks.find((c) => c.name === name);

describe("doctor", () => {
  it("all green against a collector that is up; the probe is an empty OTLP/protobuf export with our headers", async () => {
    expect((await runCli(["install", "--endpoint", upUrl, "--header", "Authorization=Basic c2VjcmV0LXZhbHVl"], { env })).code).toBe(0);
    const { code, report, stdout } = await doctor();
    expect(report.checks.filter((c) => c.status === "fail")).toEqual([]);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(check(report, "user settings")?.message).toContain("hook on all 9 events");
    expect(check(report, "collector")).toMatchObject({ status: "ok", message: `${upUrl}/v1/traces answered 200` });
    expect(check(report, "config")?.message).toContain("0600");
    expect(check(report, "state")?.message).toContain("0700");
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: "POST", url: "/v1/traces", bytes: 0 });
    expect(received[0]?.headers["content-type"]).toBe("application/x-protobuf");
    expect(received[0]?.headers["authorization"]).toBe("Basic c2VjcmV0LXZhbHVl");
    expect(stdout).not.toContain("c2VjcmV0LXZhbHVl");

    const text = await runCli(["doctor", "--project-dir", project], { env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^✓ collector: .*answered 200$/m);
    expect(text.stdout).toContain("All essential checks passed.");
  });

  it("a 4xx still means reachable; http/json probes with a JSON body", async () => {
    status = 401;
    await runCli(["install", "--endpoint", upUrl, "--protocol", "http/json"], { env });
    const { code, report } = await doctor();
    expect(code).toBe(0);
    expect(check(report, "collector")).toMatchObject({ status: "warn" });
    expect(check(report, "collector")?.message).toContain("401");
    expect(received[0]?.headers["content-type"]).toBe("application/json");
  });

  it("connection refused: ✗ and exit 1", async () => {
    await runCli(["install", "--endpoint", refusedUrl], { env });
    const { code, report } = await doctor();
    expect(code).toBe(1);
    expect(check(report, "collector")).toMatchObject({ status: "fail", message: `${refusedUrl}/v1/traces not reachable: connection refused` });
  });

  it("black-holed: gives up after 2 s, ✗ and exit 1", async () => {
    await runCli(["install", "--endpoint", blackHoleUrl], { env });
    const started = Date.now();
    const { code, report } = await doctor();
    const took = Date.now() - started;
    expect(code).toBe(1);
    expect(check(report, "collector")).toMatchObject({ status: "fail", message: `${blackHoleUrl}/v1/traces not reachable: no answer within 2 s` });
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(5000);
  });

  it("not installed, no config: says what to run", async () => {
    const { code, report } = await doctor();
    expect(code).toBe(1);
    expect(check(report, "hook")).toMatchObject({ status: "fail", fix: "run claude-code-otel install (user) or install --project" });
    expect(check(report, "endpoint")?.status).toBe("warn");
  });

  it("hooks are stripped of OTEL_*: an endpoint only in the shell is flagged", async () => {
    await runCli(["install"], { env });
    env = { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: upUrl };
    const { code, report } = await doctor();
    expect(code).toBe(0);
    expect(check(report, "endpoint")?.message).toContain("strips OTEL_* variables from hooks");
  });

  it("broken settings, duplicate copies, missing paths, loose config modes, outbox backlog", async () => {
    await runCli(["install", "--endpoint", upUrl, "--header", "x-api-key=abcdefgh12345678", "--alert-usd", "3"], { env });
    const settingsPath = join(dir, "claude", "settings.json");
    const installed = JSON.parse(readFileSync(settingsPath, "utf8")) as { hooks: Record<string, { hooks: { command: string }[] }[]> };

    // Project settings: a duplicate copy on Stop, from a node that no longer exists.
    mkdirSync(join(project, ".claude"));
    const stale = "'/nonexistent/node' '/nonexistent/claude-code-otel/bin/claude-code-otel.js' hook";
    const dup = { hooks: { Stop: [{ hooks: [{ type: "command", command: stale, async: true }] }, { hooks: [{ type: "command", command: stale, async: true }] }] } };
    writeFileSync(join(project, ".claude", "settings.json"), JSON.stringify(dup));
    chmodSync(join(dir, "otel", "config.json"), 0o644);
    // Two requests queued for the hooks' destination.
    const queue = join(ledgerDirFor(join(dir, "otel", "state"), {}, {}, { otlp: { endpoint: upUrl } }), "outbox");
    for (let i = 0; i < 2; i++) markReady(writePendingEntry(queue, { v: 1, signal: "traces", encoding: "pb", items: 1, units: {} }, new Uint8Array(3)));

    let { code, report } = await doctor();
    expect(code).toBe(1);
    expect(check(report, "project settings")).toMatchObject({ status: "fail" });
    expect(check(report, "project settings")?.message).toContain("duplicate claude-code-otel hooks on Stop");
    expect(report.checks.filter((c) => c.name === "hook command" && c.status === "fail")[0]?.message).toContain("node not found at /nonexistent/node");
    expect(check(report, "config")).toMatchObject({ status: "fail", fix: `chmod 600 ${join(dir, "otel", "config.json")}` });
    expect(check(report, "config")?.message).toContain("0644 and holds credentials");
    expect(check(report, "outbox")).toMatchObject({ status: "warn", message: `2 requests waiting to be sent to OTLP http/protobuf to ${upUrl}/v1/traces and ${upUrl}/v1/metrics` });
    expect(check(report, "alerts")?.status).toBe("ok");

    // Broken user settings; the alerts entry is gone.
    writeFileSync(settingsPath, `${JSON.stringify(installed).slice(0, -1)}, }`);
    ({ code, report } = await doctor());
    expect(code).toBe(1);
    expect(check(report, "user settings")).toMatchObject({ status: "fail" });
    expect(check(report, "user settings")?.message).toContain("is not strict JSON");
    expect(check(report, "alerts")?.status).toBe("fail");
    expect(JSON.stringify(report)).not.toContain("abcdefgh12345678");
  });
});
