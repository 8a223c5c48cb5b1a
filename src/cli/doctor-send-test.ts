/**
 * `doctor --send-test`: a real write to every destination this machine sends to (the hooks', from
 * the config file; and the one this shell's OTEL_EXPORTER_OTLP_* variables give replay and watch,
 * when it differs): a test span and a test point, and per signal whether the receiver took it.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { OtlpDestination } from "../delivery/destination.js";
import { hooksDestination, resolveDestination } from "../delivery/destination.js";
import type { SendTestAnswer } from "../delivery/send-test.js";
import { sendTest } from "../delivery/send-test.js";
import { resolveExportSettings } from "../pipeline/export-settings.js";
import { redactSecrets } from "../redact/redact.js";
import type { JsonObject } from "../util/json.js";
import type { Check, SendTestOrigin } from "./doctor-check.js";
import { CREDENTIALS_FIX } from "./doctor-probe.js";

const NAME = "send-test";
const WHAT = { traces: "the test span", metrics: "the test point" } as const;
const WRONG_PATH_FIX =
  "give the base URL, /v1/traces and /v1/metrics are appended (a collector: http://host:4318; Langfuse: https://<host>/api/public/otel): claude-code-otel install --endpoint <url>";

const OTEL_ENDPOINT_VARIABLES = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"];

/** Secrets redacted around the URL (already masked, and left as it is shown everywhere else). */
function redactAround(text: string, url: string): string {
  return text
    .split(url)
    .map((part) => redactSecrets(part))
    .join(url);
}

/** The check for one signal's answer. Receivers' texts are redacted: a gateway may echo a header. */
export function sendTestCheck(origin: SendTestOrigin, answer: SendTestAnswer, traceId: string): Check {
  const { signal, url, status, result } = answer;
  const base = { name: NAME, ...(status === undefined ? {} : { httpStatus: status }) };
  const detail = (accepted: boolean, rejected?: number): Check["sendTest"] => ({
    destination: origin,
    signal,
    url,
    accepted,
    ...(rejected === undefined ? {} : { rejected }),
    ...(signal === "traces" ? { traceId } : {}),
  });
  const said = answer.message === undefined ? "" : `: ${redactSecrets(answer.message).slice(0, 200)}`;
  if (result.kind === "ok") {
    if (answer.rejected > 0) {
      return {
        ...base,
        status: "fail",
        message: `${origin}: ${url} answered ${result.status} but rejected ${WHAT[signal]} (${answer.rejected} ${signal === "traces" ? "span" : "point"})${said}`,
        fix: "look at the receiver's logs: it drops the hooks' data the same way",
        sendTest: detail(false, answer.rejected),
      };
    }
    const trace = signal === "traces" ? `; trace ${traceId}` : "";
    if (said !== "")
      return { ...base, status: "warn", message: `${origin}: ${url} accepted ${WHAT[signal]} with a warning (HTTP ${result.status}${trace})${said}`, sendTest: detail(true, 0) };
    return { ...base, status: "ok", message: `${origin}: ${url} accepted ${WHAT[signal]} (HTTP ${result.status}${trace})`, sendTest: detail(true, 0) };
  }
  const failed = (message: string, fix: string, status: Check["status"] = "fail"): Check => ({
    ...base,
    status,
    message: `${origin}: ${redactAround(message, url)}`,
    fix,
    sendTest: detail(false),
  });
  switch (result.kind) {
    case "auth":
      return failed(result.error, CREDENTIALS_FIX);
    case "endpoint":
      return failed(result.error, WRONG_PATH_FIX);
    case "too-large":
      return failed(`${url} answered ${result.status} to a one-${signal === "traces" ? "span" : "point"} request: it takes nothing`, "look at the receiver's body size limit");
    case "rejected":
      return failed(`${result.error}: ${WHAT[signal]} was refused`, "try the other protocol: claude-code-otel install --protocol http/json (or http/protobuf)");
    case "retry":
      if (status === undefined)
        return failed(
          `${result.error}: nothing answered`,
          "start the collector, or fix the endpoint with claude-code-otel install --endpoint <url> (the outbox keeps data meanwhile)",
        );
      if (status === 408 || status === 429) return failed(`${result.error}: busy, not accepted`, "try again; if it lasts, look at the backend's rate limits", "warn");
      return failed(result.error, status >= 300 && status < 400 ? "install --endpoint with the URL it redirects to (often https instead of http)" : "look at the receiver's logs");
  }
}

/** The destinations to test: the hooks' and, when it differs, this shell's (OTEL_EXPORTER_OTLP_*). */
function destinationsToTest(env: NodeJS.ProcessEnv, config: JsonObject): { origin: SendTestOrigin; destination: OtlpDestination }[] | Check {
  const out: { origin: SendTestOrigin; destination: OtlpDestination }[] = [];
  const hooks = hooksDestination(env, config);
  if (hooks.kind === "otlp") out.push({ origin: "hooks", destination: hooks });
  if (OTEL_ENDPOINT_VARIABLES.some((k) => (env[k]?.trim() ?? "") !== "")) {
    const shell = resolveDestination({}, env, config);
    if (shell.kind === "otlp" && shell.key !== hooks.key) out.push({ origin: "environment", destination: shell });
  }
  if (out.length > 0) return out;
  return {
    name: NAME,
    status: "warn",
    message: `no OTLP endpoint configured: the hooks write OTLP files in ${hooks.kind === "file" ? hooks.dir : "a folder"}; nothing to send a test to`,
    fix: "run claude-code-otel install --endpoint <url>",
  };
}

function withoutOtel(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith("OTEL_")));
}

/** Sends to every destination at once; one check per destination and signal, traces first. */
export async function sendTestChecks(env: NodeJS.ProcessEnv, config: JsonObject, nowMs: number = Date.now()): Promise<Check[]> {
  let targets: ReturnType<typeof destinationsToTest>;
  try {
    targets = destinationsToTest(env, config);
  } catch (error) {
    return [
      {
        name: NAME,
        status: "fail",
        message: `cannot resolve where to send: ${redactSecrets(error instanceof Error ? error.message : String(error))}`,
        fix: "fix the endpoint or the OTEL_EXPORTER_OTLP_* variable named",
      },
    ];
  }
  if (!Array.isArray(targets)) return [targets];
  const results = await Promise.all(
    targets.map(async ({ origin: from, destination }) => {
      // The hooks' resource as the hooks make it: Claude Code gives them no OTEL_* variable (no OTEL_RESOURCE_ATTRIBUTES).
      const attributes = resolveExportSettings(from === "hooks" ? withoutOtel(env) : env, config, {}, () => undefined).resourceAttributes;
      const origin = { host: hostname(), user: attributes["user.id"], timeMs: nowMs };
      const ids = { traceId: randomBytes(16).toString("hex"), spanId: randomBytes(8).toString("hex") };
      const answers = await sendTest(destination, resourceFromAttributes(attributes), origin, ids);
      return answers.map((a) => sendTestCheck(from, a, ids.traceId));
    }),
  );
  return results.flat();
}
