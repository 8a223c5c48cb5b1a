/**
 * Where the flusher delivers. Claude Code strips OTEL_* variables from hook processes, so the
 * config file's `otlp` section (written by `install`) is the hook's source; when OTEL_* variables
 * are present (a user running `claude-code-otel flush`) they win, as everywhere else. With neither,
 * telemetry goes to local OTLP JSON files, as `replay` does.
 */
import { readOtlpSettings } from "../config/hook-config.js";
import type { JsonObject } from "../util/json.js";
import type { ExportTarget, FileTarget } from "../config/export-target.js";
import { resolveExportTarget } from "../config/export-target.js";
import type { Encoding, Signal } from "./outbox.js";

export interface OtlpDelivery {
  readonly kind: "otlp";
  readonly target: ExportTarget & { kind: "otlp" };
  readonly url: Readonly<Record<Signal, string>>;
  readonly encoding: Readonly<Record<Signal, Encoding>>;
  readonly headers: Readonly<Record<Signal, Readonly<Record<string, string>>>>;
  /** For the log: URLs only, never header values. */
  readonly description: string;
}

export type Delivery = OtlpDelivery | FileTarget;

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

function otelEnvPresent(env: NodeJS.ProcessEnv): boolean {
  return ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"].some((k) => (env[k]?.trim() ?? "") !== "");
}

/** Throws ExportConfigError on a broken protocol or URL. */
export function resolveDelivery(env: NodeJS.ProcessEnv, config: JsonObject): Delivery {
  const fromEnv = otelEnvPresent(env);
  const otlp = readOtlpSettings(config).value;
  const target = fromEnv ? resolveExportTarget({}, env) : resolveExportTarget({ endpoint: otlp.endpoint, protocol: otlp.protocol, headers: otlp.headers }, env);
  if (target.kind === "file") return target;
  if (target.kind === "console") throw new Error("unreachable: the flusher never prints");
  const common = fromEnv ? parseHeaderList(env["OTEL_EXPORTER_OTLP_HEADERS"]) : { ...otlp.headers };
  const enc = (p: string): Encoding => (p === "http/json" ? "json" : "pb");
  return {
    kind: "otlp",
    target,
    url: { traces: target.tracesUrl ?? target.tracesUrlShown, metrics: target.metricsUrl ?? target.metricsUrlShown },
    encoding: { traces: enc(target.tracesProtocol), metrics: enc(target.metricsProtocol) },
    headers: {
      traces: fromEnv ? { ...common, ...parseHeaderList(env["OTEL_EXPORTER_OTLP_TRACES_HEADERS"]) } : common,
      metrics: fromEnv ? { ...common, ...parseHeaderList(env["OTEL_EXPORTER_OTLP_METRICS_HEADERS"]) } : common,
    },
    description: `OTLP ${target.tracesProtocol} to ${target.tracesUrlShown} and ${target.metricsUrlShown}`,
  };
}
