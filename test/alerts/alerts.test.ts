import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { alertText, crossedThresholds, hookOutputFor, markerPath, sessionCost, settleAlertPosts } from "../../src/alerts/alerts.js";
import { runAlertsHook } from "../../src/alerts/alerts-main.js";
import { readBoundedStdin } from "../../src/hook/stdin.js";
import { createHookLog } from "../../src/hook/hook-log.js";
import type { HookPayload } from "../../src/hook/payload.js";
import { parseHookInput } from "../../src/hook/payload.js";
import { CC_2_1_330, RECORDED_CWD, lastLedger } from "../support/recorded-fixtures.js";

/** The recorded long session: Claude Code's own ledger (its last cost-state line) says $0.9802035. */
const SESSION = CC_2_1_330.sessionId("long");
const TRANSCRIPT = CC_2_1_330.transcript("long");

function payload(event = "Stop", session = SESSION, transcript = TRANSCRIPT): HookPayload {
  const parsed = parseHookInput(JSON.stringify({ session_id: session, transcript_path: transcript, cwd: RECORDED_CWD, hook_event_name: event, stop_hook_active: false }));
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.payload;
}

let slackBodies: { url: string; contentType: string | undefined; body: string }[] = [];
const slack = createServer((req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => (body += c.toString("utf8")));
  req.on("end", () => {
    slackBodies.push({ url: req.url ?? "", contentType: req.headers["content-type"], body });
    res.writeHead(200).end("ok");
  });
});
let slackUrl = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => slack.listen(0, "127.0.0.1", () => resolve()));
  slackUrl = `http://127.0.0.1:${(slack.address() as AddressInfo).port}/services/T0SECRET/B0SECRET/abcdefSECRETtoken`;
});
afterAll(() => new Promise<void>((resolve) => slack.close(() => resolve())));

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "cco-alerts-"));
  slackBodies = [];
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function context(config: Record<string, unknown>): Parameters<typeof hookOutputFor>[1] {
  return { stateHome: home, config, env: {}, log: createHookLog(home, "debug", "hook") };
}

describe("alert decision (pure)", () => {
  it("crossed thresholds and the message", () => {
    expect(crossedThresholds(0.66, [0.5, 0.6, 1])).toEqual([0.5, 0.6]);
    expect(crossedThresholds(0.4, [0.5])).toEqual([]);
    expect(crossedThresholds(5, [5])).toEqual([5]);
    expect(alertText(0.66042855, [0.5, 0.6], "demo-app", "d850fcac-3927-4e48-858e-9d336f28e1c9")).toBe(
      "Cost alert: this Claude Code session in demo-app has cost $0.66, over your $0.60 threshold (also crossed $0.50). Session d850fcac.",
    );
    expect(markerPath("/s", "../../etc/passwd", 5)).toBe("/s/alerts/______etc_passwd-5");
  });
});

describe("cost alerts on the recorded 2.1.330 long session", () => {
  it("the session's cost is Claude Code's ledger total", async () => {
    const cost = await sessionCost(TRANSCRIPT, SESSION, {});
    expect(lastLedger(TRANSCRIPT).totalCostUSD).toBe(0.9802035);
    expect(cost?.costUsd).toBeCloseTo(0.9802035, 9);
    expect(cost?.project).toBe("shop-api");
  });

  it("fires once per threshold per session, with O_EXCL markers 0600 in a 0700 folder", async () => {
    const config = { alerts: { sessionUsd: [0.5, 0.9, 1] } };
    const first = await hookOutputFor(payload(), context(config));
    expect(first).toBe(
      JSON.stringify({ systemMessage: "Cost alert: this Claude Code session in shop-api has cost $0.98, over your $0.90 threshold (also crossed $0.50). Session f662f291." }),
    );
    expect(readdirSync(join(home, "alerts")).sort()).toEqual([`${SESSION}-0.5`, `${SESSION}-0.9`]);
    expect(statSync(join(home, "alerts")).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(join(home, "alerts"))) expect(statSync(join(home, "alerts", name)).mode & 0o777).toBe(0o600);
    expect(await hookOutputFor(payload(), context(config))).toBeUndefined();

    // A new, higher threshold alerts on its own; the old ones stay quiet.
    const lower = await hookOutputFor(payload(), context({ alerts: { sessionUsd: [0.5, 0.9, 0.95] } }));
    expect(JSON.parse(lower ?? "{}").systemMessage).toContain("over your $0.95 threshold. Session");

    // Parallel Stop hooks (several processes' worth of calls): exactly one wins a fresh threshold.
    const racers = await Promise.all(Array.from({ length: 6 }, () => hookOutputFor(payload(), context({ alerts: { sessionUsd: [0.98] } }))));
    expect(racers.filter((r) => r !== undefined)).toHaveLength(1);
  });

  it("only on Stop, only when alerts are on, quietly when the transcript is missing", async () => {
    expect(await hookOutputFor(payload("SubagentStop"), context({ alerts: { sessionUsd: [0.1] } }))).toBeUndefined();
    expect(await hookOutputFor(payload("PostToolUse"), context({ alerts: { sessionUsd: [0.1] } }))).toBeUndefined();
    expect(await hookOutputFor(payload(), context({}))).toBeUndefined();
    expect(await hookOutputFor(payload("Stop", SESSION, join(home, "missing.jsonl")), context({ alerts: { sessionUsd: [0.1] } }))).toBeUndefined();
    expect(existsSync(join(home, "alerts"))).toBe(false);
  });

  it("posts {text} to the Slack webhook, and the URL is never printed or logged", async () => {
    const out = await hookOutputFor(payload(), context({ alerts: { sessionUsd: [0.5], slackWebhookUrl: slackUrl } }));
    await settleAlertPosts();
    expect(slackBodies).toHaveLength(1);
    expect(slackBodies[0]?.url).toBe("/services/T0SECRET/B0SECRET/abcdefSECRETtoken");
    expect(slackBodies[0]?.contentType).toBe("application/json");
    const text = (JSON.parse(out ?? "{}") as { systemMessage: string }).systemMessage;
    expect(JSON.parse(slackBodies[0]?.body ?? "{}")).toEqual({ text });
    expect(out).not.toContain("SECRET");
    const log = readFileSync(join(home, "hook.log"), "utf8");
    expect(log).toContain("Slack post accepted (200)");
    expect(log).not.toContain("SECRET");
  });

  it("a dead Slack endpoint is logged by error code, without the URL, and the message still shows", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dead = `http://127.0.0.1:${port}/services/T0SECRET/B0SECRET/abcdefSECRETtoken`;
    const out = await hookOutputFor(payload(), context({ alerts: { sessionUsd: [0.5], slackWebhookUrl: dead } }));
    expect(out).toContain("systemMessage");
    await settleAlertPosts();
    const log = readFileSync(join(home, "hook.log"), "utf8");
    expect(log).toMatch(/Slack post failed \(ECONNREFUSED\)/);
    expect(log).not.toContain("SECRET");
  });

  it("the hook-alerts entry: stdin payload in, one JSON line out, config from CLAUDE_CODE_OTEL_HOME", async () => {
    writeFileSync(join(home, "config.json"), JSON.stringify({ alerts: { sessionUsd: [0.25], slackWebhookUrl: slackUrl } }), { mode: 0o600 });
    const run = async (): Promise<string> => {
      let stdout = "";
      const stdin = Readable.from([Buffer.from(JSON.stringify({ session_id: SESSION, transcript_path: TRANSCRIPT, hook_event_name: "Stop", stop_hook_active: false }))]);
      await runAlertsHook({ readStdin: () => readBoundedStdin(stdin), env: { CLAUDE_CODE_OTEL_HOME: home }, writeStdout: async (t) => void (stdout += t) });
      return stdout;
    };
    const first = await run();
    expect(first.endsWith("\n")).toBe(true);
    expect(JSON.parse(first)).toEqual({ systemMessage: "Cost alert: this Claude Code session in shop-api has cost $0.98, over your $0.25 threshold. Session f662f291." });
    expect(slackBodies).toHaveLength(1);
    expect(await run()).toBe("");
    expect(slackBodies).toHaveLength(1);
  });
});
