/**
 * The config file's `otlp` and `alerts` sections. Claude Code strips `OTEL_*` variables from hook
 * processes, so the hook learns where to send telemetry from here; `install` writes them.
 *
 * ```json
 * { "otlp":   { "endpoint": "http://localhost:4318", "protocol": "http/protobuf", "headers": { "Authorization": "Basic ..." } },
 *   "alerts": { "sessionUsd": [5, 20], "slackWebhookUrl": "https://hooks.slack.com/services/..." } }
 * ```
 * Header values, the endpoint's userinfo and query values, and the Slack URL are secrets: shown
 * only through `maskedConfig`.
 */
import type { OtlpProtocol } from "./export-target.js";
import type { JsonObject } from "../util/json.js";
import { isObject } from "../util/json.js";
import { MASK, maskUrl, maskUrlPath } from "../util/mask-url.js";
import { headerProblem } from "./http-headers.js";

export interface OtlpSettings {
  /** Base URL; `/v1/traces` and `/v1/metrics` are appended. */
  readonly endpoint: string | undefined;
  readonly protocol: OtlpProtocol | undefined;
  readonly headers: Readonly<Record<string, string>>;
}

export interface AlertSettings {
  /** Per-session cost thresholds in USD, ascending; empty means alerts are off. */
  readonly sessionUsd: readonly number[];
  readonly slackWebhookUrl: string | undefined;
}

export interface Section<T> {
  readonly value: T;
  readonly errors: string[];
}

export function isProtocol(value: unknown): value is OtlpProtocol {
  return value === "http/protobuf" || value === "http/json";
}

export function readOtlpSettings(raw: JsonObject): Section<OtlpSettings> {
  const errors: string[] = [];
  const section = raw["otlp"];
  if (section === undefined) return { value: { endpoint: undefined, protocol: undefined, headers: {} }, errors };
  if (!isObject(section)) return { value: { endpoint: undefined, protocol: undefined, headers: {} }, errors: ['"otlp" must be an object'] };
  let endpoint: string | undefined;
  if (typeof section["endpoint"] === "string" && section["endpoint"].trim() !== "") {
    endpoint = section["endpoint"].trim();
    if (!/^https?:\/\//.test(endpoint)) errors.push(`"otlp.endpoint" must be an http(s) URL`);
  } else if (section["endpoint"] !== undefined) errors.push('"otlp.endpoint" must be a string');
  let protocol: OtlpProtocol | undefined;
  if (isProtocol(section["protocol"])) protocol = section["protocol"];
  else if (section["protocol"] !== undefined) errors.push('"otlp.protocol" must be "http/protobuf" or "http/json"');
  const headers: Record<string, string> = {};
  if (isObject(section["headers"])) {
    for (const [k, v] of Object.entries(section["headers"])) {
      if (typeof v !== "string") errors.push(`"otlp.headers.${k}" must be a string`);
      else {
        // A value Node refuses to send would fail every export: said here, and left out.
        const problem = headerProblem(k, v);
        if (problem === undefined) headers[k] = v;
        else errors.push(`"otlp.headers": ${problem}`);
      }
    }
  } else if (section["headers"] !== undefined) errors.push('"otlp.headers" must be an object of strings');
  return { value: { endpoint, protocol, headers }, errors };
}

export function readAlertSettings(raw: JsonObject): Section<AlertSettings> {
  const errors: string[] = [];
  const section = raw["alerts"];
  if (section === undefined) return { value: { sessionUsd: [], slackWebhookUrl: undefined }, errors };
  if (!isObject(section)) return { value: { sessionUsd: [], slackWebhookUrl: undefined }, errors: ['"alerts" must be an object'] };
  const thresholds: number[] = [];
  const list = section["sessionUsd"];
  if (Array.isArray(list)) {
    for (const v of list) {
      if (typeof v === "number" && Number.isFinite(v) && v > 0) thresholds.push(v);
      else errors.push(`"alerts.sessionUsd" holds ${JSON.stringify(v)}: thresholds must be positive numbers`);
    }
  } else if (list !== undefined) errors.push('"alerts.sessionUsd" must be an array of numbers');
  let slackWebhookUrl: string | undefined;
  const slack = section["slackWebhookUrl"];
  if (typeof slack === "string" && slack !== "") {
    if (/^https?:\/\//.test(slack)) slackWebhookUrl = slack;
    else errors.push('"alerts.slackWebhookUrl" must be an http(s) URL');
  } else if (slack !== undefined) errors.push('"alerts.slackWebhookUrl" must be a string');
  return { value: { sessionUsd: normaliseThresholds(thresholds), slackWebhookUrl }, errors };
}

export function normaliseThresholds(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/** The config object with header values and the Slack URL replaced, for printing and diffs. */
export function maskedConfig(raw: JsonObject): JsonObject {
  const out: JsonObject = { ...raw };
  const otlp = raw["otlp"];
  if (isObject(otlp)) {
    const masked: JsonObject = { ...otlp };
    if (isObject(otlp["headers"])) masked["headers"] = Object.fromEntries(Object.keys(otlp["headers"]).map((k) => [k, MASK]));
    if (typeof otlp["endpoint"] === "string") masked["endpoint"] = maskUrl(otlp["endpoint"]);
    out["otlp"] = masked;
  }
  const alerts = raw["alerts"];
  if (isObject(alerts) && typeof alerts["slackWebhookUrl"] === "string") {
    out["alerts"] = { ...alerts, slackWebhookUrl: maskUrlPath(alerts["slackWebhookUrl"]) };
  }
  return out;
}

/** True when the config holds something that must not be readable by others. */
export function holdsSecrets(raw: JsonObject): boolean {
  const otlp = readOtlpSettings(raw).value;
  // maskUrl masks only userinfo and query values: anything masked may be a credential.
  const endpointCredentials = otlp.endpoint !== undefined && maskUrl(otlp.endpoint).includes(MASK);
  return Object.keys(otlp.headers).length > 0 || endpointCredentials || readAlertSettings(raw).value.slackWebhookUrl !== undefined;
}

export interface ConfigChanges {
  readonly endpoint?: string | undefined;
  readonly protocol?: OtlpProtocol | undefined;
  /** Merged into the existing headers (a key given again replaces its value). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Replaces the thresholds; `[]` turns alerts off. */
  readonly sessionUsd?: readonly number[] | undefined;
  readonly slackWebhookUrl?: string | undefined;
}

/** Applies install's options to the config object; keys it does not own (prices...) stay as they are. */
export function applyConfigChanges(raw: JsonObject, changes: ConfigChanges): JsonObject {
  const out: JsonObject = { ...raw };
  if (changes.endpoint !== undefined || changes.protocol !== undefined || changes.headers !== undefined) {
    const otlp: JsonObject = isObject(raw["otlp"]) ? { ...raw["otlp"] } : {};
    if (changes.endpoint !== undefined) otlp["endpoint"] = changes.endpoint;
    if (changes.protocol !== undefined) otlp["protocol"] = changes.protocol;
    if (changes.headers !== undefined && Object.keys(changes.headers).length > 0) {
      otlp["headers"] = { ...(isObject(otlp["headers"]) ? otlp["headers"] : {}), ...changes.headers };
    }
    out["otlp"] = otlp;
  }
  if (changes.sessionUsd !== undefined || changes.slackWebhookUrl !== undefined) {
    const alerts: JsonObject = isObject(raw["alerts"]) ? { ...raw["alerts"] } : {};
    if (changes.sessionUsd !== undefined) alerts["sessionUsd"] = normaliseThresholds(changes.sessionUsd);
    if (changes.slackWebhookUrl !== undefined) alerts["slackWebhookUrl"] = changes.slackWebhookUrl;
    out["alerts"] = alerts;
  }
  return out;
}
