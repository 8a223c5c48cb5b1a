/**
 * `install`'s options as config changes: endpoint, protocol, headers (validated: a value Node
 * would refuse to send fails here, not at the first export), alert thresholds, Slack webhook.
 * Messages never quote a header value or a URL's credentials.
 */
import type { OtlpProtocol } from "../config/export-target.js";
import type { ConfigChanges } from "../config/hook-config.js";
import { isProtocol } from "../config/hook-config.js";
import { basicAuthorization, headerProblem } from "../config/http-headers.js";
import { maskUrl } from "../util/mask-url.js";
import type { Parsed } from "./args.js";
import { UsageError, stringOpt } from "./args.js";

function parseHeaders(values: readonly string[], basic: string | undefined): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq <= 0) throw new UsageError("--header must be name=value");
    const name = v.slice(0, eq).trim();
    // Surrounding blanks (and a trailing newline from $(...)) are never part of a value.
    const value = v.slice(eq + 1).trim();
    const problem = headerProblem(name, value);
    if (problem !== undefined) throw new UsageError(`--header: ${problem}`);
    headers[name] = value;
  }
  if (basic !== undefined) {
    if (!basic.includes(":")) throw new UsageError("--header-basic must be user:secret (for Langfuse, public-key:secret-key)");
    if (Object.keys(headers).some((k) => k.toLowerCase() === "authorization"))
      throw new UsageError("--header-basic and --header Authorization=… both set the Authorization header: give one");
    const value = basicAuthorization(basic);
    const problem = headerProblem("Authorization", value);
    if (problem !== undefined) throw new UsageError(`--header-basic: ${problem}`);
    headers["Authorization"] = value;
  }
  return values.length === 0 && basic === undefined ? undefined : headers;
}

function parseThresholds(values: readonly string[]): number[] {
  if (values.length === 1 && values[0] === "off") return [];
  return values.map((v) => {
    const n = Number(v.replace(/^\$/, ""));
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--alert-usd must be a positive amount in USD (or "off"), got "${v}"`);
    return n;
  });
}

export function configChanges(p: Parsed): ConfigChanges {
  const endpoint = stringOpt(p, "endpoint");
  if (endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(endpoint)) throw new UsageError(`--endpoint must be an http(s) URL, got "${maskUrl(endpoint)}"`);
  const protocol = stringOpt(p, "protocol");
  if (protocol !== undefined && !isProtocol(protocol)) throw new UsageError(`--protocol must be http/protobuf or http/json, got "${protocol}"`);
  const slack = stringOpt(p, "slack-webhook");
  if (slack !== undefined && !/^https?:\/\/[^\s]+$/.test(slack)) throw new UsageError("--slack-webhook must be an http(s) URL");
  const headerValues = p.values["header"];
  const alertValues = p.values["alert-usd"];
  return {
    endpoint: endpoint?.replace(/\/+$/, ""),
    protocol: protocol as OtlpProtocol | undefined,
    headers: parseHeaders(Array.isArray(headerValues) ? headerValues : [], stringOpt(p, "header-basic")),
    sessionUsd: Array.isArray(alertValues) ? parseThresholds(alertValues) : undefined,
    slackWebhookUrl: slack,
  };
}
