/**
 * The fleet template examples/managed-settings.json with the REAL Claude Code CLI (offline,
 * against the scripted stub). Managed settings live in /etc/claude-code and would change the
 * machine, so the template is loaded as the user's settings of a temp HOME, its paths pointed at
 * this checkout and two loopback receivers: its `env` names the machine-wide config file our
 * hooks read (CLAUDE_CODE_OTEL_CONFIG, the only place the hooks' receiver is named) and turns on
 * Claude Code's own metrics with the team kit's switches. One session, then: our spans arrived
 * (so the hooks ran and found that config), and Claude Code's own metric points arrived as
 * delta points without session or account ids.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAnthropicStub, type AnthropicStub } from "../recorder/anthropic-stub.js";
import { testClaudeCli } from "../recorder/claude-cli.js";
import { runClaude } from "../recorder/run-claude.js";
import { recorderScenarios } from "../recorder/scenarios.js";
import { BIN, HOOK_BIN, requireBuild, runProcess, stopFlushers, waitForQuietHome } from "../support/hook-harness.js";
import { startOtlpReceiver, type OtlpReceiver } from "../support/otlp-receiver.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";
import { traceIdFor } from "../../src/mapping/ids.js";

const cli = testClaudeCli();
if (cli === undefined && process.env["CI"] === "true") throw new Error("Claude Code CLI binary missing on CI: npm ci must install @anthropic-ai/claude-code");

const TEMPLATE = join(REPO_ROOT, "examples", "managed-settings.json");
const FLEET_BIN = "/usr/local/lib/node_modules/claude-code-otel/bin/claude-code-otel.cjs";

describe.skipIf(cli === undefined)(`examples/managed-settings.json with the real Claude Code CLI ${cli?.version ?? ""}`, () => {
  let tmp: string;
  let stub: AnthropicStub;
  let ours: OtlpReceiver;
  let native: OtlpReceiver;
  let sessionId: string | undefined;

  beforeAll(async () => {
    requireBuild();
    tmp = mkdtempSync(join(tmpdir(), "cco-e2e-managed-"));
    const home = join(tmp, "home");
    const cwd = join(home, "work", "shop-api");
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, "README.md"), "# shop-api\n");
    ours = await startOtlpReceiver();
    native = await startOtlpReceiver();
    stub = await startAnthropicStub({ scenarios: recorderScenarios(cwd), idTag: "managed" });
    const configPath = join(tmp, "etc", "claude-code-otel", "config.json");
    mkdirSync(join(tmp, "etc", "claude-code-otel"), { recursive: true });
    writeFileSync(configPath, JSON.stringify({ otlp: { endpoint: ours.url } }));

    const text = readFileSync(TEMPLATE, "utf8").split(`'/usr/bin/node'`).join(`'${process.execPath}'`).split(`'${FLEET_BIN}'`).join(`'${HOOK_BIN}'`);
    const settings = JSON.parse(text) as { env: Record<string, string>; hooks: unknown };
    settings.env["CLAUDE_CODE_OTEL_CONFIG"] = configPath;
    settings.env["OTEL_EXPORTER_OTLP_ENDPOINT"] = native.url;
    // Export every second rather than every minute, so the short session's points go out.
    settings.env["OTEL_METRIC_EXPORT_INTERVAL"] = "1000";

    const run = await runClaude({
      cli,
      home,
      cwd,
      prompt: "scenario:parallel-fail check the project and the missing directory",
      baseUrl: stub.url,
      model: "claude-sonnet-4-6",
      settings: settings as unknown as Record<string, unknown>,
      timeoutMs: 120_000,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    sessionId = run.sessionId;
    await new Promise((r) => setTimeout(r, 500));
    const otelHome = join(home, ".claude", "otel");
    await waitForQuietHome(otelHome);
    const flushed = await runProcess([BIN, "flush"], { PATH: process.env["PATH"], HOME: home, CLAUDE_CODE_OTEL_CONFIG: configPath }, undefined, 60_000);
    expect(flushed.code, flushed.stderr).toBe(0);
    await waitForQuietHome(otelHome);
  }, 300_000);

  afterAll(async () => {
    await stub?.stop();
    await ours?.close();
    await native?.close();
    if (tmp !== undefined) {
      stopFlushers(join(tmp, "home", ".claude", "otel"));
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("our hooks ran and sent the session's trace where the machine-wide config says", () => {
    expect(sessionId).toBeDefined();
    const spans = ours.spans.filter((s) => s.traceId === traceIdFor(sessionId ?? ""));
    expect(spans.map((s) => s.name)).toEqual(expect.arrayContaining(["claude_code.session", "invoke_agent claude-code", "execute_tool Bash", "execute_tool Read"]));
    expect(ours.points.filter((p) => p.name === "claude_code.session.count").reduce((n, p) => n + p.value, 0)).toBe(1);
  });

  it("Claude Code's own metrics arrived as delta points without session, account or version ids", () => {
    const points = native.points.filter((p) => p.resource["service.name"] === "claude-code");
    expect(points.length).toBeGreaterThan(0);
    expect(new Set(points.map((p) => p.temporality))).toEqual(new Set([1]));
    const keys = new Set(points.flatMap((p) => Object.keys(p.attributes)));
    for (const id of ["session.id", "user.account_uuid", "user.account_id", "app.version"]) expect(keys.has(id), id).toBe(false);
    expect(points.map((p) => p.name)).toEqual(expect.arrayContaining(["claude_code.cost.usage", "claude_code.token.usage"]));
  });
});
