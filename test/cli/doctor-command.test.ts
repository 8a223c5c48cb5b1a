import { ledgerDirFor } from "../support/destinations.js";
import { markReady, writePendingEntry } from "../../src/delivery/outbox.js";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";

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
  // No managed settings (this machine's, if it has any, are not the test's).
  const run = await runCli(["doctor", "--json", "--project-dir", project, "--managed-settings", join(dir, "managed-settings.json")], { env });
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

  it("401 and 403: refused credentials are ✗ with advice on credentials; http/json probes with a JSON body", async () => {
    status = 401;
    await runCli(["install", "--endpoint", upUrl, "--protocol", "http/json"], { env });
    const { code, report } = await doctor();
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(check(report, "collector")).toEqual({
      name: "collector",
      status: "fail",
      httpStatus: 401,
      message: `${upUrl}/v1/traces refused the credentials (HTTP 401): no header is configured; nothing will be accepted`,
      fix: "set the credentials the backend expects: claude-code-otel install --header-basic <public-key>:<secret-key> (Langfuse, basic auth), or --header Authorization=… / --header x-api-key=…",
    });
    expect(received[0]?.headers["content-type"]).toBe("application/json");
    status = 403;
    await runCli(["install", "--header-basic", "pk:sk"], { env });
    const text = await runCli(["doctor", "--project-dir", project], { env });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`✗ collector: ${upUrl}/v1/traces refused the credentials (HTTP 403); nothing will be accepted\n    → set the credentials`);
    expect(text.stdout).toContain("Some essential checks failed (✗).");
    expect(text.stdout).not.toContain("All essential checks passed");
  });

  it("404: ✗ with advice on the path, not on credentials; an endpoint ending in /v1/traces is ✗ with the fix", async () => {
    status = 404;
    await runCli(["install", "--endpoint", `${upUrl}/otel`], { env });
    let { code, report } = await doctor();
    expect(code).toBe(1);
    expect(check(report, "collector")).toEqual({
      name: "collector",
      status: "fail",
      httpStatus: 404,
      message: `${upUrl}/otel/v1/traces answered 404: no OTLP receiver at this path; the hooks' data stays in the outbox`,
      fix: "give the base URL, /v1/traces is appended (a collector: http://host:4318; Langfuse: https://<host>/api/public/otel): claude-code-otel install --endpoint <url>",
    });
    const install = await runCli(["install", "--endpoint", `${upUrl}/v1/traces?tenant=abc`], { env });
    expect(install.stdout).toContain(
      `  warning:  the endpoint is a base URL and /v1/traces is appended: this one would post to …/v1/traces/v1/traces. Run install --endpoint ${upUrl}?tenant=********`,
    );
    ({ code, report } = await doctor());
    expect(code).toBe(1);
    expect(check(report, "endpoint")).toEqual({
      name: "endpoint",
      status: "fail",
      message: `${upUrl}/v1/traces?tenant=******** already ends in /v1/traces: the hooks would post to ${upUrl}/v1/traces/v1/traces?tenant=********`,
      fix: `give the base URL: claude-code-otel install --endpoint ${upUrl}?tenant=********`,
    });
    expect(received.at(-1)?.url).toBe("/v1/traces/v1/traces?tenant=abc");
  });

  it.each([
    [401, "the credentials were refused", "fix the headers: claude-code-otel install --endpoint <url> --header <name>=<value>"],
    [404, "no OTLP receiver at this URL", "fix the endpoint (the base URL, without /v1/traces): claude-code-otel install --endpoint <url>"],
  ])("after a replay refused with %i: the outbox check reads the destination's status.json, ✗ with what to fix", async (answer, said, fix) => {
    expect((await runCli(["install", "--endpoint", upUrl], { env })).code).toBe(0);
    status = answer;
    const replay = await runCli(["replay", "--projects-dir", join(REPO_ROOT, "examples", "projects")], { env });
    expect(replay.code).toBe(1);
    const { code, report } = await doctor();
    expect(code).toBe(1);
    const outbox = check(report, "outbox");
    expect(outbox?.status).toBe("fail");
    expect(outbox?.message).toMatch(
      new RegExp(
        `^HTTP ${answer} from ${upUrl}/v1/(traces|metrics): ${said}; \\d+ requests? waiting to be sent to OTLP http/protobuf to ${upUrl}/v1/traces and ${upUrl}/v1/metrics$`,
      ),
    );
    expect(outbox?.fix).toBe(fix);
    status = 200;
    // Once the destination takes the requests, the outbox is empty and the check is green again.
    expect((await runCli(["flush"], { env })).code).toBe(0);
    expect(check((await doctor()).report, "outbox")).toMatchObject({ status: "ok" });
  });

  it("a redirect is ✗ (the hooks do not follow it); 429 is only worth a look", async () => {
    status = 308;
    await runCli(["install", "--endpoint", upUrl], { env });
    let { report } = await doctor();
    expect(check(report, "collector")).toMatchObject({ status: "fail", httpStatus: 308 });
    expect(check(report, "collector")?.message).toContain("redirects (HTTP 308); the hooks do not follow redirects");
    status = 429;
    ({ report } = await doctor());
    expect(check(report, "collector")).toMatchObject({ status: "warn", httpStatus: 429 });
  });

  it("--json is complete for scripts: schema, version, ok, summary counts, every check", async () => {
    await runCli(["install", "--endpoint", upUrl], { env });
    // No managed settings (this machine's, if it has any, are not the test's).
    const run = await runCli(["doctor", "--json", "--project-dir", project, "--managed-settings", join(dir, "managed-settings.json")], { env });
    const report = JSON.parse(run.stdout) as { schema: number; version: string; ok: boolean; summary: Record<string, number>; checks: { status: string }[] };
    expect(report.schema).toBe(1);
    expect(report.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(report.summary).toEqual({
      ok: report.checks.filter((c) => c.status === "ok").length,
      warn: report.checks.filter((c) => c.status === "warn").length,
      fail: report.checks.filter((c) => c.status === "fail").length,
    });
    expect(report.summary.fail).toBe(0);
    expect(run.code).toBe(0);
  });

  it("a cloned repository's settings with escape sequences: nothing raw reaches the terminal (16.6)", async () => {
    await runCli(["install", "--endpoint", upUrl], { env });
    mkdirSync(join(project, ".claude"));
    const hostile = "'/nonexistent/\u001b]0;pwned\u0007node\u001b[2J' '/x/claude-code-otel/bin/claude-code-otel.cjs' hook";
    const evil = { hooks: { Stop: [{ hooks: [{ type: "command", command: hostile, async: true }] }] } };
    writeFileSync(join(project, ".claude", "settings.json"), JSON.stringify(evil));
    const text = await runCli(["doctor", "--project-dir", project], { env });
    // eslint-disable-next-line no-control-regex -- what must not be there
    expect(text.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(text.stdout).toContain("/nonexistent/\\x1b]0;pwned\\x07node\\x1b[2J");
    // A FIFO in place of the project's settings does not hang doctor.
    rmSync(join(project, ".claude", "settings.json"));
    execFileSync("mkfifo", [join(project, ".claude", "settings.json")]);
    const { report } = await doctor();
    expect(check(report, "project settings")).toMatchObject({ status: "fail", message: `cannot read ${join(project, ".claude", "settings.json")} is not a regular file` });
  });

  it("our folders: another user's or a world-writable home is ✗; wide folders below are listed", async () => {
    await runCli(["install", "--endpoint", upUrl], { env });
    mkdirSync(join(dir, "otel", "spool"), { recursive: true });
    chmodSync(join(dir, "otel", "spool"), 0o755);
    mkdirSync(join(dir, "otel", "state", "sessions"), { recursive: true });
    chmodSync(join(dir, "otel", "state", "sessions"), 0o777);
    let { code, report } = await doctor();
    expect(code).toBe(1);
    expect(check(report, "private folders")).toMatchObject({ status: "fail", fix: "run claude-code-otel install (it tightens them to 0700), or chmod 700 each" });
    expect(check(report, "private folders")?.message).toContain("not 0700:");
    expect(check(report, "private folders")?.message).toContain(`${join(dir, "otel", "state", "sessions")} 0777`);
    expect((await runCli(["install"], { env })).stdout).toContain(`  private:  ${join(dir, "otel", "spool")} (0755 → 0700)`);
    ({ code, report } = await doctor());
    expect(code).toBe(0);
    expect(check(report, "private folders")?.status).toBe("ok");
    chmodSync(join(dir, "otel"), 0o777);
    ({ code, report } = await doctor());
    expect(code).toBe(1);
    expect(check(report, "state")).toMatchObject({ status: "fail", message: `${join(dir, "otel")} is 0777: writable by others: the hook refuses it (nothing is recorded)` });
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
    expect(check(report, "hook command")?.message).not.toContain("\u001b");
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
