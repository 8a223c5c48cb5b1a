// The real collector (built by `npm run collector:build`) for deployment and end-to-end tests.
//
//   const bin = requireCollector();                      // undefined → skip (throws under CI=true)
//   const col = await startCollector({ configs: [BASE_CONFIG, OVERLAYS.langfuse], env: { LANGFUSE_PUBLIC_KEY: "pk" } });
//   await fetch(`${col.otlpHttpUrl}/v1/metrics`, { method: "POST", ... });
//   const text = await (await fetch(col.prometheusUrl)).text();
//   await col.stop();
//
// Every listening address comes from an environment variable that collector/config.yaml
// reads; startCollector picks free loopback ports for all of them, so tests run in
// parallel and never touch a collector the developer already runs on :4318.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { REPO_ROOT } from "./shared-fixtures.js";

export const COLLECTOR_DIR = join(REPO_ROOT, "collector");
export const BUILDER_MANIFEST = join(COLLECTOR_DIR, "builder-config.yaml");
export const BASE_CONFIG = join(COLLECTOR_DIR, "config.yaml");
export const OVERLAYS = {
  langfuse: join(COLLECTOR_DIR, "overlays", "langfuse.yaml"),
  langsmith: join(COLLECTOR_DIR, "overlays", "langsmith.yaml"),
  file: join(COLLECTOR_DIR, "overlays", "file.yaml"),
  debug: join(COLLECTOR_DIR, "overlays", "debug.yaml"),
} as const;
export const ROUTING_EXAMPLE = join(COLLECTOR_DIR, "examples", "langsmith-routing.yaml");
/** The team kit: agents load-balancing to gateways (a gateway = BASE_CONFIG + TEAM.gateway). */
export const TEAM = {
  agent: join(COLLECTOR_DIR, "team", "agent.yaml"),
  gateway: join(COLLECTOR_DIR, "team", "gateway.yaml"),
} as const;
/** Collector-side restamping of delta points (an alternative, not the default; docs/metrics-delivery.md). */
export const RESTAMP_EXAMPLE = join(COLLECTOR_DIR, "examples", "restamp-deltas.yaml");

const BUILD_HINT = "build it with `npm run collector:build` (Go toolchain; first build takes minutes)";

/** dist.version of collector/builder-config.yaml, e.g. "0.157.0". */
export function collectorVersion(): string {
  const match = /^ {2}version: *([0-9][0-9.]*)/m.exec(readFileSync(BUILDER_MANIFEST, "utf8"));
  if (!match?.[1]) throw new Error(`no dist.version in ${BUILDER_MANIFEST}`);
  return match[1];
}

/** $OTELCOL_BIN if it exists, else the cached build .cache/otelcol/<version>/otelcol-claude-code. */
export function collectorBinary(): string | undefined {
  const fromEnv = process.env["OTELCOL_BIN"];
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const cached = join(REPO_ROOT, ".cache", "otelcol", collectorVersion(), "otelcol-claude-code");
  return existsSync(cached) ? cached : undefined;
}

/**
 * The binary, or undefined after a clear warning so the caller can skip.
 * Under CI=true a missing binary is an error: CI must never pass by skipping.
 */
export function requireCollector(): string | undefined {
  const bin = collectorBinary();
  if (bin) return bin;
  const message = `collector binary not found (.cache/otelcol/${collectorVersion()}/otelcol-claude-code or $OTELCOL_BIN); ${BUILD_HINT}`;
  if (process.env["CI"] === "true") throw new Error(`${message} [CI=true: failing instead of skipping]`);
  console.warn(`SKIPPED: ${message}`);
  return undefined;
}

export interface CollectorRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the binary to completion (validate, components, --version) with a bounded wait. */
export function runCollector(args: string[], env: Record<string, string> = {}): CollectorRun {
  const bin = collectorBinary();
  if (!bin) throw new Error(`collector binary not found; ${BUILD_HINT}`);
  const r = spawnSync(bin, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? (r.error ? String(r.error) : "") };
}

/** `--config=a --config=b`: later files are merged over earlier ones. */
export const configArgs = (configs: readonly string[]): string[] => configs.map((c) => `--config=${c}`);

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface StartCollectorOptions {
  /** Config files, merged in order. Default: the base config alone. */
  configs?: readonly string[];
  /**
   * Extra environment (overlay secrets, OTELCOL_METRICS_MAX_STALE, OTELCOL_JAEGER_ENDPOINT of a
   * test's Jaeger, ...). Wins over the chosen ports.
   */
  env?: Record<string, string>;
  /** How long to wait for health_check to answer 200. Default 30 s. */
  readyTimeoutMs?: number;
}

export interface RunningCollector {
  /** OTLP/HTTP base URL; POST to `${otlpHttpUrl}/v1/metrics` or `/v1/traces`. */
  readonly otlpHttpUrl: string;
  /** OTLP/gRPC host:port. */
  readonly otlpGrpcEndpoint: string;
  /** The prometheus exporter's scrape URL (`.../metrics`). */
  readonly prometheusUrl: string;
  /** host:port of the prometheus exporter, for a Prometheus scrape config. */
  readonly prometheusTarget: string;
  /** stdout + stderr so far (the collector logs to stderr), for assertion messages. */
  logs(): string;
  /** The process id (for /proc readings: CPU time, peak memory). */
  readonly pid: number | undefined;
  /** The OTELCOL_* variables it runs with (ports included): start another on the same ports with them. */
  readonly settings: Readonly<Record<string, string>>;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL at once (a crash: nothing is flushed); resolves when the process has exited. */
  kill(): Promise<void>;
}

/** Starts the collector on free loopback ports and resolves once health_check reports ready. */
export async function startCollector(options: StartCollectorOptions = {}): Promise<RunningCollector> {
  const bin = collectorBinary();
  if (!bin) throw new Error(`collector binary not found; ${BUILD_HINT}`);
  const [http, grpc, prom, health, telemetry] = await Promise.all(Array.from({ length: 5 }, () => freeLoopbackPort()));
  const env = {
    ...process.env,
    OTELCOL_OTLP_HTTP_ENDPOINT: `127.0.0.1:${http}`,
    OTELCOL_OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
    OTELCOL_PROMETHEUS_ENDPOINT: `127.0.0.1:${prom}`,
    OTELCOL_HEALTH_ENDPOINT: `127.0.0.1:${health}`,
    OTELCOL_TELEMETRY_HOST: "127.0.0.1",
    OTELCOL_TELEMETRY_PORT: String(telemetry),
    // The base config sends traces to Jaeger on 127.0.0.1:14318 by default: a developer's own
    // Jaeger must never receive test data. Port 1 (tcpmux) is refused on loopback and no test
    // server binds it (they take ephemeral ports), so without a Jaeger of the test's own the
    // exporter's retries go nowhere.
    OTELCOL_JAEGER_ENDPOINT: "http://127.0.0.1:1",
    ...options.env,
  };
  const child = spawn(bin, configArgs(options.configs ?? [BASE_CONFIG]), { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (output += c.toString("utf8")));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let running = true;
  void exited.then(() => (running = false));

  const stop = async (): Promise<void> => {
    if (!running) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const kill = async (): Promise<void> => {
    if (!running) return;
    child.kill("SIGKILL");
    await exited;
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (!running) throw new Error(`collector exited before becoming ready:\n${output}`);
    if (await healthy(`http://${env.OTELCOL_HEALTH_ENDPOINT}/`)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`collector not ready after ${options.readyTimeoutMs ?? 30_000} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // The caller's env may name its own ports (a restart on the same ports): read them back.
  return {
    otlpHttpUrl: `http://${env.OTELCOL_OTLP_HTTP_ENDPOINT}`,
    otlpGrpcEndpoint: env.OTELCOL_OTLP_GRPC_ENDPOINT,
    prometheusUrl: `http://${env.OTELCOL_PROMETHEUS_ENDPOINT}/metrics`,
    prometheusTarget: env.OTELCOL_PROMETHEUS_ENDPOINT,
    logs: () => output,
    pid: child.pid,
    settings: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0].startsWith("OTELCOL_") && e[1] !== undefined)),
    stop,
    kill,
  };
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}
