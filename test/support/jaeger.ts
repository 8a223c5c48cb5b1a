// Real Jaeger v2 (built by `npm run jaeger:build`) for deployment and end-to-end tests: the kit's
// trace store, run with the shipped jaeger/config.yaml on free loopback ports.
//
//   if (!requireJaeger()) return;                     // skip (throws under CI=true)
//   const jaeger = await startJaeger();
//   const col = await startCollector({ env: { OTELCOL_JAEGER_ENDPOINT: jaeger.otlpHttpUrl } });
//   const trace = await jaeger.trace(traceId);       // GET /api/traces/<id>, as Grafana and the UI read it
//   await jaeger.stop();
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { freeLoopbackPort } from "./collector.js";
import { REPO_ROOT } from "./shared-fixtures.js";

export const JAEGER_CONFIG = join(REPO_ROOT, "jaeger", "config.yaml");
const BUILD_SCRIPT = join(REPO_ROOT, "scripts", "jaeger-build.sh");
const BUILD_HINT = "build it with `npm run jaeger:build` (Go toolchain; first build takes minutes)";

/** The Jaeger Go module version scripts/jaeger-build.sh pins, e.g. "1.75.0". */
export function jaegerVersion(): string {
  return pinned("version");
}

/** The Jaeger release (image tag, download) of that module version, e.g. "2.12.0". */
export function jaegerRelease(): string {
  return pinned("release");
}

function pinned(name: string): string {
  const match = new RegExp(`^${name}="([0-9.]+)"`, "m").exec(readFileSync(BUILD_SCRIPT, "utf8"));
  if (!match?.[1]) throw new Error(`no pinned ${name} in ${BUILD_SCRIPT}`);
  return match[1];
}

/** $JAEGER_BIN if it exists, else the cached build .cache/jaeger/<version>/jaeger. */
export function jaegerBinary(): string | undefined {
  const fromEnv = process.env["JAEGER_BIN"];
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const cached = join(REPO_ROOT, ".cache", "jaeger", jaegerVersion(), "jaeger");
  return existsSync(cached) ? cached : undefined;
}

/** The binary, or undefined after a warning so the caller can skip; under CI=true an error. */
export function requireJaeger(): string | undefined {
  const bin = jaegerBinary();
  if (bin) return bin;
  const message = `jaeger binary not found (.cache/jaeger/${jaegerVersion()}/jaeger or $JAEGER_BIN); ${BUILD_HINT}`;
  if (process.env["CI"] === "true") throw new Error(`${message} [CI=true: failing instead of skipping]`);
  console.warn(`SKIPPED: ${message}`);
  return undefined;
}

/** A span as Jaeger's query API (/api/traces) returns it. */
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: Array<{ refType: string; traceID: string; spanID: string }>;
  /** Microseconds since the epoch. */
  startTime: number;
  /** Microseconds. */
  duration: number;
  tags: Array<{ key: string; type: string; value: unknown }>;
  processID: string;
  warnings: string[] | null;
}
export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: Array<{ key: string; value: unknown }> }>;
  warnings: string[] | null;
}
interface JaegerResponse {
  data: JaegerTrace[] | null;
  errors: Array<{ code: number; msg: string }> | null;
}

export interface RunningJaeger {
  /** OTLP/HTTP base URL (the collector's OTELCOL_JAEGER_ENDPOINT); POST `${otlpHttpUrl}/v1/traces`. */
  readonly otlpHttpUrl: string;
  /** Query API and UI base URL. */
  readonly queryUrl: string;
  /** GET /api/traces/<id>: the trace, or undefined when Jaeger answers 404. */
  trace(traceId: string): Promise<JaegerTrace | undefined>;
  /** GET /api/traces?service=…&tags=…: traces whose spans match every tag. */
  search(service: string, tags: Record<string, string>, limit?: number): Promise<JaegerTrace[]>;
  /** GET /api/services. */
  services(): Promise<string[]>;
  logs(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. Idempotent. */
  stop(): Promise<void>;
}

export interface StartJaegerOptions {
  env?: Record<string, string>;
  /** Default 30 s. */
  readyTimeoutMs?: number;
}

/** Starts Jaeger with jaeger/config.yaml on free loopback ports; resolves once OTLP and the query API answer. */
export async function startJaeger(options: StartJaegerOptions = {}): Promise<RunningJaeger> {
  const bin = jaegerBinary();
  if (!bin) throw new Error(`jaeger binary not found; ${BUILD_HINT}`);
  const [otlp, queryHttp, queryGrpc, telemetry] = await Promise.all(Array.from({ length: 4 }, () => freeLoopbackPort()));
  const env = {
    ...process.env,
    JAEGER_OTLP_HTTP_ENDPOINT: `127.0.0.1:${otlp}`,
    JAEGER_QUERY_HTTP_ENDPOINT: `127.0.0.1:${queryHttp}`,
    JAEGER_QUERY_GRPC_ENDPOINT: `127.0.0.1:${queryGrpc}`,
    JAEGER_TELEMETRY_HOST: "127.0.0.1",
    JAEGER_TELEMETRY_PORT: String(telemetry),
    ...options.env,
  };
  const child = spawn(bin, [`--config=${JAEGER_CONFIG}`], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
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

  const otlpHttpUrl = `http://127.0.0.1:${otlp}`;
  const queryUrl = `http://127.0.0.1:${queryHttp}`;
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  // Extensions (the query API) start before the receivers: wait for both.
  for (;;) {
    if (!running) throw new Error(`jaeger exited before becoming ready:\n${output}`);
    if ((await answers(`${queryUrl}/api/services`)) && (await answers(`${otlpHttpUrl}/v1/traces`, "{}"))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`jaeger not ready after ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const get = async (path: string): Promise<{ status: number; body: JaegerResponse }> => {
    const res = await fetch(`${queryUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as JaegerResponse };
  };
  return {
    otlpHttpUrl,
    queryUrl,
    async trace(traceId) {
      const { status, body } = await get(`/api/traces/${traceId}`);
      if (status === 404) return undefined;
      if (status !== 200) throw new Error(`GET /api/traces/${traceId}: HTTP ${status} ${JSON.stringify(body.errors)}`);
      return body.data?.[0];
    },
    async search(service, tags, limit = 1_000) {
      const query = new URLSearchParams({ service, tags: JSON.stringify(tags), limit: String(limit), lookback: "custom", start: "0", end: String(Date.now() * 1000) });
      const { status, body } = await get(`/api/traces?${query.toString()}`);
      if (status !== 200) throw new Error(`GET /api/traces?${query.toString()}: HTTP ${status} ${JSON.stringify(body.errors)}`);
      return body.data ?? [];
    },
    async services() {
      const res = await fetch(`${queryUrl}/api/services`, { signal: AbortSignal.timeout(10_000) });
      return ((await res.json()) as { data: string[] | null }).data ?? [];
    },
    logs: () => output,
    stop,
  };
}

async function answers(url: string, postJson?: string): Promise<boolean> {
  try {
    const init: RequestInit = { signal: AbortSignal.timeout(1_000) };
    if (postJson !== undefined) Object.assign(init, { method: "POST", body: postJson, headers: { "content-type": "application/json" } });
    const res = await fetch(url, init);
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Parent span ids a trace's spans name (CHILD_OF references within the trace). */
export function parentOf(span: JaegerSpan): string | undefined {
  return span.references.find((r) => r.refType === "CHILD_OF" && r.traceID === span.traceID)?.spanID;
}
