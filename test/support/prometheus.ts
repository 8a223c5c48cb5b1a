// Real Prometheus (and promtool/amtool) for deployment and end-to-end tests.
//
//   const prom = await startPrometheus({ scrapeTarget: "127.0.0.1:9464", ruleFiles: [RULES_FILE] });
//   await waitForQuery(prom.url, 'up{job="otel-collector"} == 1');
//   const v = await queryInstant(prom.url, "sum(claude_code_session_count_total)");
//   await prom.stop();
//
// The config is derived from prometheus/prometheus.yml (the file we ship), with
// only the target, the intervals and the paths replaced, so tests exercise it.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, delimiter, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { freeLoopbackPort as freePort } from "./collector.js";

export { freePort };

export const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const PROMETHEUS_DIR = join(REPO_ROOT, "prometheus");
export const PROMETHEUS_CONFIG = join(PROMETHEUS_DIR, "prometheus.yml");
export const RULES_FILE = join(PROMETHEUS_DIR, "rules", "claude-code.rules.yml");

const INSTALL_HINT = "install with scripts/ci/prometheus.sh (Debian packages prometheus, prometheus-alertmanager)";

/** Absolute path of an executable on PATH (or in /usr/sbin, /usr/bin), or undefined. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env["PATH"] ?? "").split(delimiter), "/usr/local/bin", "/usr/bin", "/usr/sbin", "/bin"];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * A required external tool: its path, or undefined after a clear warning so the
 * caller can skip. When CI=true a missing tool is an error, never a skip.
 */
export function requireTool(name: string, envVar?: string): string | undefined {
  const fromEnv = envVar ? process.env[envVar] : undefined;
  const found = fromEnv && existsSync(fromEnv) ? fromEnv : findBinary(name);
  if (found) return found;
  if (process.env["CI"] === "true") throw new Error(`${name} not found but CI=true: ${INSTALL_HINT}`);
  console.warn(`SKIPPED: ${name} not found; ${INSTALL_HINT}`);
  return undefined;
}

/** The prometheus server binary ($PROMETHEUS_BIN, else `prometheus` on PATH), or undefined. */
export function promBinary(): string | undefined {
  const fromEnv = process.env["PROMETHEUS_BIN"];
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  return findBinary("prometheus");
}

export interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for assertion messages. */
  output: string;
}

/** Runs promtool / amtool synchronously, with a bounded wait. */
export function runTool(binary: string, args: string[], cwd = REPO_ROOT): ToolRun {
  // promtool's rule unit tests take tens of seconds on two loaded cores: a generous bound.
  const r = spawnSync(binary, args, { cwd, encoding: "utf8", timeout: 180_000 });
  const stdout = r.stdout ?? "";
  const stderr = r.stderr ?? (r.error ? String(r.error) : "");
  return { code: r.status, stdout, stderr, output: `${stdout}${stderr}` };
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export interface StartPrometheusOptions {
  /** host:port of the /metrics endpoint to scrape (the collector's prometheus exporter). */
  scrapeTarget: string;
  /** Rule files to load (absolute paths). Default: none. */
  ruleFiles?: string[];
  /** Scrape and global evaluation interval. Default "1s". */
  scrapeInterval?: string;
  /**
   * Overrides every rule group's own `interval` (ours are 1m and 5m) by writing
   * patched copies of the rule files, so recording rules and alerts evaluate
   * quickly in tests. Default: the scrape interval. Pass null to keep them.
   */
  ruleInterval?: string | null;
  /** Metrics path of the target. Default "/metrics". */
  metricsPath?: string;
  /** How long to wait for /-/ready. Default 30 s. */
  readyTimeoutMs?: number;
  /** More command-line flags, e.g. `--web.enable-remote-write-receiver`. */
  extraFlags?: readonly string[];
}

export interface RunningPrometheus {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The generated config file (in the temp dir). */
  configFile: string;
  dataDir: string;
  /** The process id (for /proc readings). */
  pid: number | undefined;
  /** Everything Prometheus logged so far (for failure messages). */
  logs(): string;
  stop(): Promise<void>;
}

interface PromConfig {
  global?: Record<string, unknown>;
  rule_files?: string[];
  alerting?: unknown;
  scrape_configs?: Array<Record<string, unknown>>;
}

/** prometheus/prometheus.yml with the target, intervals and rule files replaced; alerting removed. */
export function renderPrometheusConfig(options: { scrapeTarget: string; ruleFiles: string[]; scrapeInterval: string; metricsPath?: string }): string {
  const config = parse(readFileSync(PROMETHEUS_CONFIG, "utf8")) as PromConfig;
  config.global = { ...config.global, scrape_interval: options.scrapeInterval, evaluation_interval: options.scrapeInterval };
  config.rule_files = options.ruleFiles;
  delete config.alerting;
  const job = config.scrape_configs?.[0];
  if (!job) throw new Error(`${PROMETHEUS_CONFIG} has no scrape_configs`);
  job["static_configs"] = [{ targets: [options.scrapeTarget] }];
  if (options.metricsPath) job["metrics_path"] = options.metricsPath;
  config.scrape_configs = [job];
  return stringify(config);
}

/** Copies a rule file with every group's `interval` set to `interval`. */
function patchRuleFile(file: string, interval: string, dir: string): string {
  const doc = parse(readFileSync(file, "utf8")) as { groups?: Array<Record<string, unknown>> };
  for (const group of doc.groups ?? []) group["interval"] = interval;
  const out = join(dir, `rules-${basename(file)}`);
  writeFileSync(out, stringify(doc));
  return out;
}

/** Starts the real Prometheus on a free loopback port with a temp data dir and waits for /-/ready. */
export async function startPrometheus(options: StartPrometheusOptions): Promise<RunningPrometheus> {
  const binary = promBinary();
  if (!binary) throw new Error(`prometheus binary not found; ${INSTALL_HINT}`);
  const scrapeInterval = options.scrapeInterval ?? "1s";
  const dir = mkdtempSync(join(tmpdir(), "cco-prometheus-"));
  const ruleInterval = options.ruleInterval === undefined ? scrapeInterval : options.ruleInterval;
  const ruleFiles = (options.ruleFiles ?? []).map((f) => (ruleInterval === null ? resolve(f) : patchRuleFile(resolve(f), ruleInterval, dir)));
  const configFile = join(dir, "prometheus.yml");
  const renderOptions: Parameters<typeof renderPrometheusConfig>[0] = { scrapeTarget: options.scrapeTarget, ruleFiles, scrapeInterval };
  if (options.metricsPath !== undefined) renderOptions.metricsPath = options.metricsPath;
  writeFileSync(configFile, renderPrometheusConfig(renderOptions));
  const dataDir = join(dir, "data");

  // A port picked by freePort() can be taken before Prometheus binds it: retry.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let log = "";
    const child: ChildProcess = spawn(
      binary,
      [`--config.file=${configFile}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn", ...(options.extraFlags ?? [])],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child.stdout?.on("data", (b: Buffer) => void (log += b.toString()));
    child.stderr?.on("data", (b: Buffer) => void (log += b.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      await waitReady(url, exited, options.readyTimeoutMs ?? 30_000);
    } catch (err) {
      lastError = new Error(`${err instanceof Error ? err.message : String(err)}\n--- prometheus log ---\n${log}`);
      child.kill("SIGKILL");
      await exited;
      continue;
    }
    const stop = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    };
    return { url, configFile, dataDir, pid: child.pid, logs: () => log, stop };
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error("prometheus did not start");
}

async function waitReady(url: string, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error("prometheus exited before it was ready");
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`prometheus not ready after ${timeoutMs} ms`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface PromSample {
  metric: Record<string, string>;
  /** [unix seconds, value as text] */
  value: [number, string];
}
export interface PromSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}
export type PromResult =
  | { resultType: "vector"; result: PromSample[] }
  | { resultType: "matrix"; result: PromSeries[] }
  | { resultType: "scalar"; result: [number, string] }
  | { resultType: "string"; result: [number, string] };

interface PromResponse {
  status: "success" | "error";
  data?: PromResult;
  errorType?: string;
  error?: string;
  warnings?: string[];
}

/** Error from the Prometheus HTTP API (bad PromQL, timeouts...). */
export class PromQueryError extends Error {}

async function apiQuery(url: string, path: string, params: Record<string, string>): Promise<PromResult> {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let body: PromResponse;
  try {
    body = JSON.parse(text) as PromResponse;
  } catch {
    throw new PromQueryError(`HTTP ${res.status} from ${path}: ${text.slice(0, 300)}`);
  }
  if (body.status !== "success" || !body.data) {
    throw new PromQueryError(`${body.errorType ?? `HTTP ${res.status}`}: ${body.error ?? text.slice(0, 300)}`);
  }
  return body.data;
}

/** Instant query (`/api/v1/query`); `time` in unix seconds, default now. */
export async function queryInstant(url: string, promql: string, time?: number): Promise<PromResult> {
  const params: Record<string, string> = { query: promql };
  if (time !== undefined) params["time"] = String(time);
  return apiQuery(url, "/api/v1/query", params);
}

/** Range query (`/api/v1/query_range`), times in unix seconds, step in seconds. */
export async function queryRange(url: string, promql: string, start: number, end: number, step: number): Promise<PromResult> {
  return apiQuery(url, "/api/v1/query_range", { query: promql, start: String(start), end: String(end), step: String(step) });
}

/** The samples of an instant vector query ([] for scalars/strings). */
export async function queryVector(url: string, promql: string): Promise<PromSample[]> {
  const r = await queryInstant(url, promql);
  return r.resultType === "vector" ? r.result : [];
}

/** The sum of an instant vector query's sample values (0 when it returns none). */
export async function queryTotal(url: string, promql: string): Promise<number> {
  return (await queryVector(url, promql)).reduce((n, s) => n + Number(s.value[1]), 0);
}

/** Polls an instant query until it returns at least one sample (or `predicate` holds). */
export async function waitForQuery(url: string, promql: string, options: { timeoutMs?: number; predicate?: (samples: PromSample[]) => boolean } = {}): Promise<PromSample[]> {
  const predicate = options.predicate ?? ((s: PromSample[]) => s.length > 0);
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: PromSample[] = [];
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await queryVector(url, promql);
      if (predicate(last)) return last;
    } catch (err) {
      lastError = err;
    }
    await sleep(250);
  }
  const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : ` (last result: ${JSON.stringify(last)})`;
  throw new Error(`timed out waiting for ${promql}${detail}`);
}
