/**
 * A destination: where bytes go, resolved once for every command (hooks' flusher, replay, watch,
 * doctor) from options, then the standard OTEL_* variables, then the config file (Claude Code
 * strips OTEL_* from hook processes, so `install` writes the endpoint there), then local files.
 *
 * Every destination has its own state (destinationDir): ledgers of what it has received, its
 * outbox, its metric clock, its lock. "Already sent" is therefore per destination: a replay to
 * files never stops the same history from reaching a collector later.
 */
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import type { ConsoleTarget, ExportOverrides, FileTarget, OtlpTarget } from "../config/export-target.js";
import { ExportConfigError, resolveExportTarget } from "../config/export-target.js";
import { readOtlpSettings } from "../config/hook-config.js";
import { headerProblem } from "../config/http-headers.js";
import type { JsonObject } from "../util/json.js";
import { isObject } from "../util/json.js";
import { readRegularBytes } from "../util/private-fs.js";
import type { OtlpEncoding, OtlpSignal } from "../sdk/otlp-serialize.js";

/** The OpenTelemetry default for OTEL_EXPORTER_OTLP_TIMEOUT. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** An OTLP/HTTP receiver (a collector, Langfuse, LangSmith, a vendor), resolved: URLs, encodings, headers, timeouts per signal. */
export interface OtlpDestination {
  readonly kind: "otlp";
  /** Names its state folder: one per URL pair and encoding. */
  readonly key: string;
  /** For people and logs: URLs as shown (credentials masked), never header values. */
  readonly label: string;
  readonly url: Readonly<Record<OtlpSignal, string>>;
  readonly shownUrl: Readonly<Record<OtlpSignal, string>>;
  readonly encoding: Readonly<Record<OtlpSignal, OtlpEncoding>>;
  readonly headers: Readonly<Record<OtlpSignal, Readonly<Record<string, string>>>>;
  readonly timeoutMs: Readonly<Record<OtlpSignal, number>>;
  readonly gzip: Readonly<Record<OtlpSignal, boolean>>;
  readonly tls: Readonly<Record<OtlpSignal, { ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined>>;
  /** Send open parents provisionally ahead of their children (off for backends that must get each span once). */
  readonly provisionalSpans: boolean;
  /** LangSmith itself (its cloud hosts, or a self-hosted `/api/v1/otel`): spans go out as LangSmith is to get them. */
  readonly langsmith: boolean;
  readonly target: OtlpTarget;
}

/** OTLP JSON lines in a folder (`traces.jsonl`, `metrics.jsonl`). */
export interface FileDestination {
  readonly kind: "file";
  readonly key: string;
  readonly label: string;
  readonly dir: string;
  readonly provisionalSpans: boolean;
  readonly target: FileTarget;
}

/** Where telemetry goes, with a record of its own of what it has received (`resolveDestination`). */
export type Destination = OtlpDestination | FileDestination;

/** The folder of a destination's ledgers, outbox, clock and lock, under the state folder. */
export function destinationDir(stateDir: string, destination: Pick<Destination, "key">): string {
  return join(stateDir, "destinations", destination.key);
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

function slug(text: string): string {
  return text
    .replace(/[^A-Za-z0-9.-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
}

/** `OTEL_EXPORTER_OTLP_HEADERS` format: `k=v,k2=v2`, values percent-encoded. */
export function parseHeaderList(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of (text ?? "").split(",")) {
    const eq = entry.indexOf("=");
    if (eq <= 0) continue;
    const key = entry.slice(0, eq).trim();
    try {
      out[key] = decodeURIComponent(entry.slice(eq + 1).trim());
    } catch {
      // A malformed value is skipped, as the SDK does.
    }
  }
  return out;
}

const SIGNAL_ENV: Record<OtlpSignal, string> = { traces: "TRACES_", metrics: "METRICS_" };

/** The per-signal variable, else the general one: its name and value. */
function otlpEnvEntry(env: NodeJS.ProcessEnv, signal: OtlpSignal, name: string): readonly [string, string] | undefined {
  for (const key of [`OTEL_EXPORTER_OTLP_${SIGNAL_ENV[signal]}${name}`, `OTEL_EXPORTER_OTLP_${name}`]) {
    const v = env[key]?.trim();
    if (v !== undefined && v !== "") return [key, v];
  }
  return undefined;
}

function otlpEnv(env: NodeJS.ProcessEnv, signal: OtlpSignal, name: string): string | undefined {
  return otlpEnvEntry(env, signal, name)?.[1];
}

function positiveMs(entry: readonly [string, string] | undefined): number | undefined {
  if (entry === undefined) return undefined;
  const n = Number(entry[1]);
  if (!Number.isFinite(n) || n <= 0) throw new ExportConfigError(`${entry[0]} must be a positive number of milliseconds, got "${entry[1]}"`);
  return n;
}

/** A certificate or key file: a few KiB; a bundle of every CA a few hundred. */
const MAX_PEM_BYTES = 4 * 1024 * 1024;

function pem(path: string | undefined, source: string): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    // A FIFO or a device named as a certificate must not hang an export: regular files only, capped.
    return readRegularBytes(path, MAX_PEM_BYTES).bytes;
  } catch (error) {
    throw new ExportConfigError(`${source}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

function otelEnvPresent(env: NodeJS.ProcessEnv): boolean {
  return ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"].some((k) => (env[k]?.trim() ?? "") !== "");
}

/** Langfuse and LangSmith keep the first (LangSmith) or every (Langfuse) copy of a span id: never send them provisional spans. */
function singleCopyBackend(url: string): boolean {
  try {
    const u = new URL(url);
    return u.pathname.includes("/api/public/otel") || u.hostname.endsWith("smith.langchain.com") || u.pathname.includes("/api/v1/otel");
  } catch {
    return false;
  }
}

/** LangSmith's OTLP endpoint: `*.smith.langchain.com`, or a self-hosted LangSmith's `/api/v1/otel`. */
function langsmithBackend(url: string): boolean {
  try {
    const u = new URL(url);
    return u.hostname.endsWith("smith.langchain.com") || u.pathname.includes("/api/v1/otel");
  } catch {
    return false;
  }
}

function provisionalSetting(env: NodeJS.ProcessEnv, config: JsonObject, fallback: boolean): boolean {
  const fromEnv = env["CLAUDE_CODE_OTEL_PROVISIONAL_SPANS"]?.trim().toLowerCase();
  if (fromEnv === "true" || fromEnv === "1") return true;
  if (fromEnv === "false" || fromEnv === "0") return false;
  const otlp = config["otlp"];
  if (isObject(otlp) && typeof otlp["provisionalSpans"] === "boolean") return otlp["provisionalSpans"];
  return fallback;
}

function configTimeout(config: JsonObject): number | undefined {
  const otlp = config["otlp"];
  const v = isObject(otlp) ? otlp["timeoutMs"] : undefined;
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw new ExportConfigError('"otlp.timeoutMs" must be a positive number');
  return v;
}

function otlpDestination(target: OtlpTarget, env: NodeJS.ProcessEnv, config: JsonObject, configHeaders: Readonly<Record<string, string>> | undefined): OtlpDestination {
  const url = { traces: target.tracesUrlResolved, metrics: target.metricsUrlResolved };
  const enc = (p: string): OtlpEncoding => (p === "http/json" ? "json" : "pb");
  const headers = (signal: OtlpSignal): Record<string, string> => {
    if (configHeaders !== undefined) return { ...configHeaders };
    const general = parseHeaderList(env["OTEL_EXPORTER_OTLP_HEADERS"]);
    const perSignal = parseHeaderList(env[`OTEL_EXPORTER_OTLP_${SIGNAL_ENV[signal]}HEADERS`]);
    // Node refuses such a header only when it sends (ERR_INVALID_CHAR): refuse it here, before anything is written.
    for (const [variable, list] of [
      [`OTEL_EXPORTER_OTLP_${SIGNAL_ENV[signal]}HEADERS`, perSignal],
      ["OTEL_EXPORTER_OTLP_HEADERS", general],
    ] as const) {
      for (const [name, value] of Object.entries(list)) {
        const problem = headerProblem(name, value);
        if (problem !== undefined) throw new ExportConfigError(`${variable}: ${problem}`);
      }
    }
    return { ...general, ...perSignal, ...target.headers };
  };
  const timeout = (signal: OtlpSignal): number => target.timeoutMillis ?? positiveMs(otlpEnvEntry(env, signal, "TIMEOUT")) ?? configTimeout(config) ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const gzip = (signal: OtlpSignal): boolean => otlpEnv(env, signal, "COMPRESSION")?.toLowerCase() === "gzip";
  const tls = (signal: OtlpSignal): OtlpDestination["tls"]["traces"] => {
    if (!url[signal].startsWith("https:")) return undefined;
    const ca = pem(otlpEnv(env, signal, "CERTIFICATE"), "OTEL_EXPORTER_OTLP_CERTIFICATE");
    const cert = pem(otlpEnv(env, signal, "CLIENT_CERTIFICATE"), "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE");
    const key = pem(otlpEnv(env, signal, "CLIENT_KEY"), "OTEL_EXPORTER_OTLP_CLIENT_KEY");
    return ca === undefined && cert === undefined && key === undefined ? undefined : { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  };
  let host = "endpoint";
  try {
    const u = new URL(url.traces);
    host = `${u.hostname}-${u.port || (u.protocol === "https:" ? "443" : "80")}`;
  } catch {
    // Keyed by the hash alone.
  }
  return {
    kind: "otlp",
    key: `otlp-${slug(host)}-${shortHash(`otlp\n${url.traces}\n${url.metrics}`)}`,
    label: `OTLP ${target.tracesProtocol} to ${target.tracesUrlShown} and ${target.metricsUrlShown}`,
    url,
    shownUrl: { traces: target.tracesUrlShown, metrics: target.metricsUrlShown },
    encoding: { traces: enc(target.tracesProtocol), metrics: enc(target.metricsProtocol) },
    headers: { traces: headers("traces"), metrics: headers("metrics") },
    timeoutMs: { traces: timeout("traces"), metrics: timeout("metrics") },
    gzip: { traces: gzip("traces"), metrics: gzip("metrics") },
    tls: { traces: tls("traces"), metrics: tls("metrics") },
    provisionalSpans: provisionalSetting(env, config, !singleCopyBackend(url.traces)),
    langsmith: langsmithBackend(url.traces),
    target,
  };
}

function fileDestination(target: FileTarget, env: NodeJS.ProcessEnv, config: JsonObject): FileDestination {
  const dir = resolve(target.dir);
  return {
    kind: "file",
    key: `file-${shortHash(`file\n${dir}`)}`,
    label: `OTLP JSON files in ${dir} (traces.jsonl, metrics.jsonl)`,
    dir,
    provisionalSpans: provisionalSetting(env, config, true),
    target,
  };
}

/** A destination from a resolved target (not the console, which records nothing). */
export function destinationOf(target: OtlpTarget | FileTarget, env: NodeJS.ProcessEnv, config: JsonObject = {}): Destination {
  return target.kind === "otlp" ? otlpDestination(target, env, config, undefined) : fileDestination(target, env, config);
}

/**
 * Where to send: `overrides` (an endpoint, an output folder, the console), else the
 * OTEL_EXPORTER_OTLP_* variables of `env`, else the `otlp` section of `config` (the parsed
 * `~/.claude/otel/config.json`, where `install` writes the hooks' endpoint; none by default), else
 * OTLP JSON files in `~/.claude/otel`. Throws an Error on a broken protocol, URL or variable.
 */
export function resolveDestination(overrides: ExportOverrides = {}, env: NodeJS.ProcessEnv = process.env, config: JsonObject = {}): Destination | ConsoleTarget {
  const explicit = overrides.console === true || overrides.endpoint !== undefined || overrides.outputDir !== undefined || otelEnvPresent(env);
  if (explicit) {
    const target = resolveExportTarget(overrides, env);
    return target.kind === "console" ? target : destinationOf(target, env, config);
  }
  const otlp = readOtlpSettings(config).value;
  // Options a command left unset arrive as `undefined`: they must not unset the config's values.
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as ExportOverrides;
  const target = resolveExportTarget({ endpoint: otlp.endpoint, protocol: otlp.protocol, headers: otlp.headers, ...given }, env);
  if (target.kind === "console") return target;
  return target.kind === "otlp" ? otlpDestination(target, env, config, otlp.headers) : fileDestination(target, env, config);
}

/**
 * Where the hooks send: the config file's `otlp` section, else local files; never OTEL_*
 * variables, which Claude Code strips from hook processes (a user's shell may have them).
 */
export function hooksDestination(env: NodeJS.ProcessEnv, config: JsonObject): Destination {
  const stripped: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!k.startsWith("OTEL_EXPORTER_OTLP_")) stripped[k] = v;
  const d = resolveDestination({}, stripped, config);
  if (d.kind === "console") throw new Error("unreachable: hooks never print");
  return d;
}
