/**
 * The resource's attributes, without the SDK: a replay with nothing new and the span mapping need
 * them, and importing @opentelemetry/resources costs ~30 ms at start.
 */
import { packageVersion } from "../util/package-version.js";
import { DEFAULT_SERVICE_NAME, RESOURCE_ATTR, TELEMETRY_SOURCE } from "../semconv/names.js";

export { packageVersion };

/** `OTEL_RESOURCE_ATTRIBUTES`: comma-separated key=value, values percent-encoded. Bad entries are skipped. */
export function parseResourceAttributes(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === undefined) return out;
  for (const entry of text.split(",")) {
    const eq = entry.indexOf("=");
    if (eq <= 0) continue;
    const key = entry.slice(0, eq).trim();
    let value = entry.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      continue;
    }
    if (key !== "") out[key] = value;
  }
  return out;
}

/**
 * The resource every export carries. Deliberately no pid, host or random instance id: many
 * short-lived processes (hooks, replays) must look like one stable writer.
 * Precedence: `claude_code.telemetry.source` always ours; `OTEL_SERVICE_NAME` over
 * `OTEL_RESOURCE_ATTRIBUTES`' service.name over the default. `configured` (the config file's
 * `resourceAttributes`, same format) stands in for OTEL_RESOURCE_ATTRIBUTES when that is unset:
 * Claude Code strips OTEL_* from hook processes.
 */
export function resourceAttributes(env: NodeJS.ProcessEnv = process.env, configured?: string): Record<string, string> {
  const fromEnv = parseResourceAttributes(env["OTEL_RESOURCE_ATTRIBUTES"] || configured);
  const serviceName = env["OTEL_SERVICE_NAME"]?.trim();
  return {
    [RESOURCE_ATTR.serviceName]: DEFAULT_SERVICE_NAME,
    [RESOURCE_ATTR.serviceVersion]: packageVersion(),
    ...fromEnv,
    ...(serviceName ? { [RESOURCE_ATTR.serviceName]: serviceName } : {}),
    [RESOURCE_ATTR.telemetrySource]: TELEMETRY_SOURCE,
  };
}
