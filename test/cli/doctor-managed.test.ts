// doctor on a fleet machine: the hooks in Claude Code's managed settings, the config they read
// named there (CLAUDE_CODE_OTEL_CONFIG in its env), machine-wide and readable by every user.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

interface Report {
  ok: boolean;
  checks: { name: string; status: "ok" | "warn" | "fail"; message: string; fix?: string }[];
}

let probes: string[] = [];
const collector = createServer((req, res) => {
  probes.push(`${req.method ?? ""} ${req.url ?? ""}`);
  req.resume().on("end", () => res.writeHead(200).end());
});
let url = "";
beforeAll(async () => {
  await new Promise<void>((r) => collector.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => collector.close(() => r())));

let dir: string;
let env: NodeJS.ProcessEnv;
let managed: string;
let machineConfig: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "cco-doctor-managed-"));
  env = { CLAUDE_CONFIG_DIR: join(dir, "claude"), CLAUDE_CODE_OTEL_HOME: join(dir, "otel") };
  mkdirSync(join(dir, "claude", "projects"), { recursive: true });
  mkdirSync(join(dir, "project"));
  managed = join(dir, "etc", "claude-code", "managed-settings.json");
  machineConfig = join(dir, "etc", "claude-code-otel", "config.json");
  mkdirSync(join(dir, "etc", "claude-code"), { recursive: true });
  probes = [];
  // What an administrator deploys: the hooks install writes (with this checkout's paths), in the
  // managed file, plus the env naming the machine-wide config (examples/managed-settings.json).
  expect((await runCli(["install", "--settings", managed, "--config", machineConfig, "--endpoint", url], { env })).code).toBe(0);
  const settings = JSON.parse(readFileSync(managed, "utf8")) as Record<string, unknown>;
  writeFileSync(managed, JSON.stringify({ env: { CLAUDE_CODE_OTEL_CONFIG: machineConfig }, ...settings }, null, 2));
  chmodSync(machineConfig, 0o644);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function doctor(): Promise<{ code: number; report: Report }> {
  const run = await runCli(["doctor", "--json", "--project-dir", join(dir, "project"), "--managed-settings", managed], { env });
  return { code: run.code, report: JSON.parse(run.stdout) as Report };
}
const check = (r: Report, name: string): Report["checks"][number] | undefined => r.checks.find((c) => c.name === name);

describe("doctor with managed settings", () => {
  it("hooks only in managed settings, the config they name: all essential checks pass, the collector probed", async () => {
    const { code, report } = await doctor();
    expect(report.checks.filter((c) => c.status === "fail")).toEqual([]);
    expect([code, report.ok]).toEqual([0, true]);
    expect(check(report, "managed settings")).toEqual({ name: "managed settings", status: "ok", message: `${managed}: hook on all 9 events (async)` });
    expect(check(report, "hook")).toBeUndefined();
    expect(check(report, "config")).toEqual({ name: "config", status: "ok", message: `${machineConfig} parses, 0644 (machine-wide, named by managed settings)` });
    expect(check(report, "endpoint")).toMatchObject({ status: "ok", message: `${url} (http/protobuf)` });
    expect(check(report, "collector")).toMatchObject({ status: "ok", message: `${url}/v1/traces answered 200` });
    expect(probes).toEqual(["POST /v1/traces"]);
  });

  it("a user install beside it with another command: both named, every event exported twice", async () => {
    const user = JSON.parse(readFileSync(managed, "utf8")) as { hooks: Record<string, { hooks: { command: string }[] }[]> };
    for (const groups of Object.values(user.hooks)) for (const g of groups) for (const h of g.hooks) h.command = h.command.replace(/^'[^']*'/, "'/opt/node/bin/node'");
    delete (user as { env?: unknown }).env;
    writeFileSync(join(dir, "claude", "settings.json"), JSON.stringify(user));
    const { report } = await doctor();
    expect(report.checks.filter((c) => c.name === "hook")).toEqual([
      {
        name: "hook",
        status: "warn",
        message: "installed in managed settings and user settings with different commands: every event is exported twice",
        fix: "with the hooks in managed settings, run claude-code-otel uninstall (--user, --project) for each user",
      },
    ]);
  });

  it("credentials in the machine-wide config every user can read: a warning, never the secret", async () => {
    expect(
      (await runCli(["install", "--settings", join(dir, "scratch.json"), "--config", machineConfig, "--endpoint", url, "--header", "x-api-key=abcdefgh12345678"], { env })).code,
    ).toBe(0);
    chmodSync(machineConfig, 0o644);
    const run = await runCli(["doctor", "--json", "--project-dir", join(dir, "project"), "--managed-settings", managed], { env });
    const report = JSON.parse(run.stdout) as Report;
    expect(check(report, "config")).toMatchObject({
      status: "warn",
      message: `${machineConfig} (machine-wide, named by managed settings) holds credentials every user of this machine can read`,
    });
    expect(run.stdout).not.toContain("abcdefgh12345678");
    expect(run.code).toBe(0);
  });

  it("--send-test writes to the endpoint of the config the managed settings name (the user's has none)", async () => {
    const run = await runCli(["doctor", "--send-test", "--json", "--project-dir", join(dir, "project"), "--managed-settings", managed], { env });
    const report = JSON.parse(run.stdout) as Report;
    expect(report.checks.filter((c) => c.name === "send-test").map((c) => [c.status, c.message.replace(/trace [0-9a-f]{32}/, "trace <id>")])).toEqual([
      ["ok", `hooks: ${url}/v1/traces accepted the test span (HTTP 200; trace <id>)`],
      ["ok", `hooks: ${url}/v1/metrics accepted the test point (HTTP 200)`],
    ]);
    expect(probes.sort()).toEqual(["POST /v1/metrics", "POST /v1/traces", "POST /v1/traces"]);
    expect(run.code).toBe(0);
  });

  it("no managed settings file: no line for it, the user's config as before", async () => {
    rmSync(managed);
    const { code, report } = await doctor();
    expect(check(report, "managed settings")).toBeUndefined();
    expect(check(report, "hook")).toMatchObject({ status: "fail" });
    expect(check(report, "config")?.message).toContain(join(dir, "otel", "config.json"));
    expect(code).toBe(1);
  });
});
