/**
 * Where telemetry goes: option, then the standard OTEL_* variables, then the default, which is
 * local OTLP JSON files (`~/.claude/otel/`), so nothing is lost before a collector exists.
 */
import { appendUrlPath, maskUrl } from "../util/mask-url.js";
import { otelHome } from "./config-file.js";

export type OtlpProtocol = "http/protobuf" | "http/json";

export interface OtlpTarget {
  readonly kind: "otlp";
  readonly tracesProtocol: OtlpProtocol;
  readonly metricsProtocol: OtlpProtocol;
  /** Explicit URLs (from an option or config file); undefined lets the SDK read OTEL_EXPORTER_OTLP_*. */
  readonly tracesUrl: string | undefined;
  readonly metricsUrl: string | undefined;
  /** What the URLs resolve to (as the SDK resolves them): where requests go. Never printed: they may hold credentials. */
  readonly tracesUrlResolved: string;
  readonly metricsUrlResolved: string;
  /** The resolved URLs with userinfo and query values masked (`maskUrl`): the only form messages and logs show. */
  readonly tracesUrlShown: string;
  readonly metricsUrlShown: string;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly timeoutMillis: number | undefined;
}

export interface FileTarget {
  readonly kind: "file";
  readonly dir: string;
}

/** Printing instead of a destination: records nothing. */
export interface ConsoleTarget {
  readonly kind: "console";
}

export type ExportTarget = OtlpTarget | FileTarget | ConsoleTarget;

/** What to send to, as the options `--endpoint`, `--protocol`, `--output-dir`, `--console` say it; each wins over the environment. */
export interface ExportOverrides {
  /** OTLP base URL (`/v1/traces`, `/v1/metrics` are appended). */
  readonly endpoint?: string | undefined;
  readonly protocol?: string | undefined;
  readonly outputDir?: string | undefined;
  readonly console?: boolean | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly timeoutMillis?: number | undefined;
}

export class ExportConfigError extends Error {}

export function defaultOutputDir(env: NodeJS.ProcessEnv = process.env): string {
  return otelHome(env);
}

function protocolOf(value: string | undefined, source: string): OtlpProtocol | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const v = value.trim();
  if (v === "http/protobuf" || v === "http/json") return v;
  throw new ExportConfigError(`${source}: unsupported OTLP protocol "${v}" (use http/protobuf or http/json; grpc is not supported)`);
}

/** `<base>/v1/traces`: the signal's path goes at the end of the base's path, before any query. */
export function signalUrl(base: string, path: "v1/traces" | "v1/metrics"): string {
  return appendUrlPath(base, path);
}

const DEFAULT_BASE = "http://localhost:4318";

/**
 * The signal path an endpoint already ends in (`/v1/traces`), which is a mistake: the endpoint is
 * a base URL and the signal path is appended, so requests would go to `…/v1/traces/v1/traces`.
 */
export function signalPathIn(endpoint: string): string | undefined {
  let path: string;
  try {
    path = new URL(endpoint).pathname;
  } catch {
    path = endpoint.replace(/[?#].*$/s, "");
  }
  return /(\/v1\/(?:traces|metrics|logs))\/*$/.exec(path)?.[1];
}

/** The endpoint without that signal path (its query kept): what the user meant. */
export function withoutSignalPath(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    u.pathname = u.pathname.replace(/\/v1\/(?:traces|metrics|logs)\/*$/, "");
    return u.toString().replace(/\/(?=\?|$)/, "");
  } catch {
    return endpoint.replace(/\/v1\/(?:traces|metrics|logs)\/*$/, "");
  }
}

export function resolveExportTarget(overrides: ExportOverrides, env: NodeJS.ProcessEnv = process.env): ExportTarget {
  if (overrides.console === true) return { kind: "console" };
  const envBase = env["OTEL_EXPORTER_OTLP_ENDPOINT"]?.trim() || undefined;
  const envTraces = env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]?.trim() || undefined;
  const envMetrics = env["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"]?.trim() || undefined;
  const endpoint = overrides.endpoint?.trim() || undefined;
  if (endpoint === undefined && envBase === undefined && envTraces === undefined && envMetrics === undefined) {
    return { kind: "file", dir: overrides.outputDir ?? defaultOutputDir(env) };
  }
  if (endpoint !== undefined && !/^https?:\/\//.test(endpoint)) throw new ExportConfigError(`--endpoint must be an http(s) URL, got "${maskUrl(endpoint)}"`);
  for (const [name, value] of [
    ["OTEL_EXPORTER_OTLP_ENDPOINT", envBase],
    ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", envTraces],
    ["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", envMetrics],
  ] as const) {
    if (value !== undefined && !/^https?:\/\//i.test(value)) throw new ExportConfigError(`${name} must be an http(s) URL, got "${maskUrl(value)}"`);
  }
  const forced = protocolOf(overrides.protocol, "--protocol");
  const general = protocolOf(env["OTEL_EXPORTER_OTLP_PROTOCOL"], "OTEL_EXPORTER_OTLP_PROTOCOL");
  const tracesProtocol = forced ?? protocolOf(env["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"], "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ?? general ?? "http/protobuf";
  const metricsProtocol = forced ?? protocolOf(env["OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"], "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL") ?? general ?? "http/protobuf";
  const tracesUrl = endpoint !== undefined ? signalUrl(endpoint, "v1/traces") : undefined;
  const metricsUrl = endpoint !== undefined ? signalUrl(endpoint, "v1/metrics") : undefined;
  // The SDK applies the same precedence: per-signal URL as is, else the base plus the signal path.
  const tracesUrlResolved = tracesUrl ?? envTraces ?? signalUrl(envBase ?? DEFAULT_BASE, "v1/traces");
  const metricsUrlResolved = metricsUrl ?? envMetrics ?? signalUrl(envBase ?? DEFAULT_BASE, "v1/metrics");
  // The SDK appends the signal path to the whole string, query included: a base with a query gets explicit URLs.
  const queried = envBase?.includes("?") === true;
  return {
    kind: "otlp",
    tracesProtocol,
    metricsProtocol,
    tracesUrl: tracesUrl ?? (queried && envTraces === undefined ? tracesUrlResolved : undefined),
    metricsUrl: metricsUrl ?? (queried && envMetrics === undefined ? metricsUrlResolved : undefined),
    tracesUrlResolved,
    metricsUrlResolved,
    tracesUrlShown: maskUrl(tracesUrlResolved),
    metricsUrlShown: maskUrl(metricsUrlResolved),
    headers: overrides.headers,
    timeoutMillis: overrides.timeoutMillis,
  };
}
