/**
 * doctor's endpoint and collector checks: an empty OTLP export to `<endpoint>/v1/traces`, as the
 * hooks would send it (same headers, userinfo as Basic auth, no redirect followed), and advice
 * specific to the answer: refused credentials and a wrong path are different mistakes.
 */
import type { OtlpProtocol } from "../config/export-target.js";
import type { OtlpSettings } from "../config/hook-config.js";
import { signalPathIn, signalUrl, withoutSignalPath } from "../config/export-target.js";
import { basicAuthorization } from "../config/http-headers.js";
import { maskUrl } from "../util/mask-url.js";
import type { Check } from "./doctor-check.js";

export const PROBE_TIMEOUT_MS = 2_000;

export type ProbeResult = { readonly reachable: true; readonly status: number; readonly location: string | undefined } | { readonly reachable: false; readonly reason: string };

/**
 * fetch() refuses a URL with userinfo; node:http (what the flusher and the SDK post with) sends it
 * as Basic authorization. The probe does the same, so it tests what the hooks will send.
 */
function splitUserinfo(url: string): { url: string; auth: Record<string, string> } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url, auth: {} };
  }
  if (u.username === "" && u.password === "") return { url, auth: {} };
  const authorization = basicAuthorization(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`);
  u.username = "";
  u.password = "";
  return { url: u.toString(), auth: { authorization } };
}

/**
 * Sends an empty ExportTraceServiceRequest (zero bytes is a valid empty protobuf message) to
 * `<endpoint>/v1/traces`. Any HTTP answer means something listens there; 2xx means it accepts.
 * Redirects are not followed: the hooks' sender does not follow them either.
 */
export async function probeOtlp(endpoint: string, protocol: OtlpProtocol, headers: Readonly<Record<string, string>>, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  const { url, auth } = splitUserinfo(signalUrl(endpoint, "v1/traces"));
  const json = protocol === "http/json";
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { ...auth, ...headers, "content-type": json ? "application/json" : "application/x-protobuf" },
      body: json ? JSON.stringify({ resourceSpans: [] }) : new Uint8Array(0),
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    return { reachable: true, status: res.status, location: res.headers.get("location") ?? undefined };
  } catch (error) {
    const e = error as { name?: string; cause?: { code?: string; message?: string } };
    if (e.name === "TimeoutError" || e.name === "AbortError") return { reachable: false, reason: `no answer within ${timeoutMs / 1000} s` };
    const code = e.cause?.code;
    if (code === "ECONNREFUSED") return { reachable: false, reason: "connection refused" };
    return { reachable: false, reason: code ?? e.cause?.message ?? e.name ?? "request failed" };
  }
}

export const CREDENTIALS_FIX =
  "set the credentials the backend expects: claude-code-otel install --header-basic <public-key>:<secret-key> (Langfuse, basic auth), or --header Authorization=… / --header x-api-key=…";

/** The collector check for a probe's answer. */
function collectorCheck(shown: string, otlp: OtlpSettings, probe: ProbeResult): Check {
  const name = "collector";
  if (!probe.reachable) {
    return {
      name,
      status: "fail",
      message: `${shown} not reachable: ${probe.reason}`,
      fix: "start the collector, or fix the endpoint with claude-code-otel install --endpoint <url> (the outbox keeps data meanwhile)",
    };
  }
  const s = probe.status;
  const answered = { name, httpStatus: s };
  if (s >= 200 && s < 300) return { ...answered, status: "ok", message: `${shown} answered ${s}` };
  if (s === 401 || s === 403) {
    const none = Object.keys(otlp.headers).length === 0 && !/\/\/[^/?#]*@/.test(otlp.endpoint ?? "");
    return {
      ...answered,
      status: "fail",
      message: `${shown} refused the credentials (HTTP ${s})${none ? ": no header is configured" : ""}; nothing will be accepted`,
      fix: CREDENTIALS_FIX,
    };
  }
  if (s === 404 || s === 405) {
    return {
      ...answered,
      status: "fail",
      message: `${shown} answered ${s}: no OTLP receiver at this path; the hooks' data stays in the outbox`,
      fix: "give the base URL, /v1/traces is appended (a collector: http://host:4318; Langfuse: https://<host>/api/public/otel): claude-code-otel install --endpoint <url>",
    };
  }
  if (s >= 300 && s < 400) {
    return {
      ...answered,
      status: "fail",
      message: `${shown} redirects (HTTP ${s}${probe.location === undefined ? "" : ` to ${maskUrl(probe.location)}`}); the hooks do not follow redirects`,
      fix: "install --endpoint with the URL it redirects to (often https instead of http)",
    };
  }
  if (s === 400 || s === 415) {
    return {
      ...answered,
      status: "fail",
      message: `${shown} answered ${s} to an empty export: it does not take this protocol`,
      fix: "try the other protocol: claude-code-otel install --protocol http/json (or http/protobuf)",
    };
  }
  if (s === 408 || s === 429)
    return { ...answered, status: "warn", message: `${shown} is reachable but busy (HTTP ${s}); the outbox retries`, fix: "if it lasts, look at the backend's rate limits" };
  if (s >= 500) return { ...answered, status: "fail", message: `${shown} answered ${s}`, fix: "look at the collector's logs" };
  return { ...answered, status: "warn", message: `${shown} reachable, answered ${s}`, fix: "check the endpoint path and protocol" };
}

/** The endpoint check, and the collector check unless the endpoint is wrong on its face. */
export async function endpointChecks(otlp: OtlpSettings, env: NodeJS.ProcessEnv): Promise<Check[]> {
  if (otlp.endpoint === undefined) {
    const shell = env["OTEL_EXPORTER_OTLP_ENDPOINT"];
    return [
      {
        name: "endpoint",
        status: "warn",
        message:
          shell !== undefined && shell !== ""
            ? `no endpoint in the config file; OTEL_EXPORTER_OTLP_ENDPOINT is set in this shell, but Claude Code strips OTEL_* variables from hooks`
            : "no endpoint configured: the hook writes OTLP files locally",
        fix: "run claude-code-otel install --endpoint <url>",
      },
    ];
  }
  const protocol = otlp.protocol ?? "http/protobuf";
  const tracesShown = maskUrl(signalUrl(otlp.endpoint, "v1/traces"));
  const doubled = signalPathIn(otlp.endpoint);
  const endpoint: Check =
    doubled === undefined
      ? { name: "endpoint", status: "ok", message: `${maskUrl(otlp.endpoint)} (${protocol})` }
      : {
          name: "endpoint",
          status: "fail",
          message: `${maskUrl(otlp.endpoint)} already ends in ${doubled}: the hooks would post to ${tracesShown}`,
          fix: `give the base URL: claude-code-otel install --endpoint ${maskUrl(withoutSignalPath(otlp.endpoint))}`,
        };
  return [endpoint, collectorCheck(tracesShown, otlp, await probeOtlp(otlp.endpoint, protocol, otlp.headers))];
}
