/**
 * An endpoint with credentials in its userinfo and its query (`http://user:pass@host/otel?api_key=…`)
 * goes through install, doctor, replay, watch, the hooks' flusher and `flush`: requests reach
 * `/otel/v1/traces?api_key=…` (the signal path in the path, not in the query), and no output, error,
 * hook.log line or file we write (destination.json, status.json, ledgers, outbox entries) holds the
 * user name, the password or the key, whether the collector answers or not. Only config.json holds
 * the endpoint whole: it is where the hooks send.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/shared-fixtures.js";
import { runCli } from "../support/cli.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import type { HookWorld } from "../support/hook-harness.js";
import { hookLog, makeHookWorld, requireBuild, runFlush, runHook, waitForQuiet } from "../support/hook-harness.js";
import { createServer } from "node:net";

const USER = "u5erNameQx";
const PASS = "pA55w0rdZq";
const KEY = "k3yValueQw7";
const SECRETS = [USER, PASS, KEY];

function withCredentials(base: string): string {
  const u = new URL(base);
  return `http://${USER}:${PASS}@${u.host}/otel?api_key=${KEY}`;
}

function leaks(text: string): string[] {
  return SECRETS.filter((s) => text.includes(s));
}

/** Every file under `dir` but config.json that holds a secret, with the secrets it holds. */
function filesWithSecrets(dir: string): string[] {
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name !== "config.json");
  return entries.flatMap((e) => {
    const path = join(e.parentPath, e.name);
    const found = leaks(readFileSync(path, "latin1"));
    return found.length === 0 ? [] : [`${path}: ${found.join(", ")}`];
  });
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe("credentials in the endpoint URL are never printed or logged", () => {
  let receiver: OtlpReceiver;
  let dir: string;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    dir = mkdtempSync(join(tmpdir(), "cco-urlcred-"));
  });
  afterAll(async () => {
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("install, doctor and replay: requests reach the right path with the query; outputs hold no secret", async () => {
    const endpoint = withCredentials(receiver.url);
    const env = { CLAUDE_CONFIG_DIR: join(dir, "claude"), CLAUDE_CODE_OTEL_HOME: join(dir, "otel") };
    const install = await runCli(["install", "--endpoint", endpoint], { env });
    expect(install.code).toBe(0);
    expect(install.stdout).toContain("endpoint: http://********:********@127.0.0.1:");
    expect(leaks(install.stdout + install.stderr)).toEqual([]);
    const dry = await runCli(["install", "--endpoint", `${endpoint}&more=1`, "--dry-run"], { env });
    expect(dry.stdout).toContain('"endpoint": "http://********:********@127.0.0.1:');
    expect(leaks(dry.stdout + dry.stderr)).toEqual([]);
    // The config holds the endpoint whole: it is what the hook sends to.
    expect(JSON.parse(readFileSync(join(dir, "otel", "config.json"), "utf8"))).toEqual({ otlp: { endpoint } });

    const doctor = await runCli(["doctor"], { env });
    expect(doctor.stdout).toMatch(/✓ collector: http:\/\/\*+:\*+@127\.0\.0\.1:\d+\/otel\/v1\/traces\?api_key=\*+ answered 200/);
    expect(leaks(doctor.stdout + doctor.stderr)).toEqual([]);
    const doctorJson = await runCli(["doctor", "--json"], { env });
    expect(leaks(doctorJson.stdout)).toEqual([]);

    const replay = await runCli(["replay", "--projects-dir", join(REPO_ROOT, "examples", "projects"), "--endpoint", endpoint, "--state-dir", join(dir, "state")], { env });
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain("/otel/v1/traces?api_key=********");
    expect(leaks(replay.stdout + replay.stderr)).toEqual([]);
    const paths = new Set(receiver.requests.map((r) => r.path));
    expect([...paths].sort()).toEqual([`/otel/v1/metrics?api_key=${KEY}`, `/otel/v1/traces?api_key=${KEY}`]);
    const auth = receiver.requests.find((r) => r.path.startsWith("/otel/v1/traces"))?.headers["authorization"];
    expect(auth).toBe(`Basic ${Buffer.from(`${USER}:${PASS}`).toString("base64")}`);

    const beforeWatch = receiver.requests.length;
    const watch = await runCli(["watch", "--once", "--projects-dir", join(REPO_ROOT, "examples", "projects"), "--endpoint", endpoint, "--state-dir", join(dir, "state-w")], {
      env,
    });
    expect(watch.code).toBe(0);
    expect(leaks(watch.stdout + watch.stderr)).toEqual([]);
    const watched = receiver.requests.slice(beforeWatch);
    expect(watched.length).toBeGreaterThan(0);
    expect([...new Set(watched.map((r) => r.path))].sort()).toEqual([`/otel/v1/metrics?api_key=${KEY}`, `/otel/v1/traces?api_key=${KEY}`]);
    for (const folder of ["otel", "state", "state-w"]) expect(filesWithSecrets(join(dir, folder))).toEqual([]);
    expect(readFileSync(join(dir, "state", "destinations", readdirSync(join(dir, "state", "destinations"))[0] as string, "destination.json"), "utf8")).toContain(
      "http://********:********@127.0.0.1:",
    );
  });

  it("a collector that is down: doctor's and replay's errors hold no secret", async () => {
    const endpoint = withCredentials(`http://127.0.0.1:${await closedPort()}`);
    const env = { CLAUDE_CONFIG_DIR: join(dir, "claude2"), CLAUDE_CODE_OTEL_HOME: join(dir, "otel2") };
    expect((await runCli(["install", "--endpoint", endpoint], { env })).code).toBe(0);
    const doctor = await runCli(["doctor"], { env });
    expect(doctor.stdout).toMatch(/✗ collector: .*not reachable: connection refused/);
    expect(leaks(doctor.stdout + doctor.stderr)).toEqual([]);
    const replay = await runCli(["replay", "--projects-dir", join(REPO_ROOT, "examples", "projects"), "--endpoint", endpoint, "--state-dir", join(dir, "state2")], { env });
    expect(replay.code).not.toBe(0);
    expect(replay.stderr).toContain("failed");
    expect(leaks(replay.stdout + replay.stderr)).toEqual([]);
    const watch = await runCli(["watch", "--once", "--projects-dir", join(REPO_ROOT, "examples", "projects"), "--endpoint", endpoint, "--state-dir", join(dir, "state2w")], {
      env,
    });
    expect(watch.code).toBe(1);
    expect(watch.stderr).toMatch(/127\.0\.0\.1:\d+\/otel\/v1\/(traces|metrics)\?api_key=\*+: ECONNREFUSED/);
    expect(leaks(watch.stdout + watch.stderr)).toEqual([]);
    // The outbox keeps every request (their bytes), status.json the failure: neither holds a secret.
    for (const folder of ["otel2", "state2", "state2w"]) expect(filesWithSecrets(join(dir, folder))).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, "state2", "destinations", readdirSync(join(dir, "state2", "destinations"))[0] as string, "status.json"), "utf8"))).toMatchObject({
      failure: { kind: "unreachable", message: expect.stringMatching(/^http:\/\/\*+:\*+@127\.0\.0\.1:\d+\/otel\/v1\/(traces|metrics)\?api_key=\*+: ECONNREFUSED$/) },
    });
  });
});

describe("an endpoint without http(s)://", () => {
  it.each(["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"])(
    "%s=user:pass@host:port is refused before anything is sent, masked",
    async (name) => {
      const dir = mkdtempSync(join(tmpdir(), "cco-urlcred-noscheme-"));
      try {
        const env = { CLAUDE_CODE_OTEL_HOME: join(dir, "otel"), [name]: `${USER}:${PASS}@127.0.0.1:9` };
        const r = await runCli(["replay", "--projects-dir", join(REPO_ROOT, "examples", "projects"), "--state-dir", join(dir, "state")], { env });
        expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
          code: 2,
          stdout: "",
          stderr: `claude-code-otel replay: ${name} must be an http(s) URL, got "********@127.0.0.1:9"\n`,
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe("the hooks' flusher and flush with a credentialed endpoint", () => {
  let world: HookWorld;
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    requireBuild();
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    world?.cleanup();
  });

  it("hook.log (debug) and flush's output hold no secret, up or down; the data arrives at the right path", async () => {
    world = makeHookWorld({ endpoint: withCredentials(receiver.url), logLevel: "debug" });
    const sessionId = world.payloads[0]?.["session_id"];
    for (const p of world.payloads.filter((x) => x["session_id"] === sessionId)) {
      const r = await runHook(world.env, JSON.stringify(p));
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: "", stderr: "" });
    }
    await waitForQuiet(world);
    const up = await runFlush(world.env);
    expect(up.code).toBe(0);
    expect(receiver.requests.some((r) => r.path === `/otel/v1/traces?api_key=${KEY}`)).toBe(true);
    // Now down: the next session's requests stay in the outbox and the errors name the URL, masked.
    world.writeConfig({ otlp: { endpoint: withCredentials(`http://127.0.0.1:${await closedPort()}`) }, logLevel: "debug" });
    const other = world.payloads.find((x) => x["session_id"] !== sessionId)?.["session_id"];
    for (const p of world.payloads.filter((x) => x["session_id"] === other)) await runHook(world.env, JSON.stringify(p));
    await waitForQuiet(world);
    const down = await runFlush(world.env);
    const log = hookLog(world);
    expect(log).toMatch(/to http:\/\/\*+:\*+@127\.0\.0\.1:\d+\/otel\/v1\/(traces|metrics)\?api_key=\*+/);
    expect(log.split("\n").length).toBeGreaterThan(10);
    expect(leaks(log)).toEqual([]);
    expect(leaks(up.stdout + up.stderr + down.stdout + down.stderr)).toEqual([]);
    // Ledgers, outbox entries, status.json and destination.json of both endpoints; the spool.
    expect(filesWithSecrets(world.otelHome)).toEqual([]);
  }, 120_000);
});
