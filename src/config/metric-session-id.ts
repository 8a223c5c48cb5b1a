/**
 * The opt-in `session.id` label on metrics. Off by default: it makes one series per session for
 * every metric and label set, so a Prometheus keeps (and a dashboard scans) as many series as
 * there are sessions in its retention. Worth it for a small team or a short retention, to list
 * individual sessions from metrics; traces carry the session id in any case.
 *
 * Sources, first set wins: `--metric-session-id` (replay, watch), CLAUDE_CODE_OTEL_METRIC_SESSION_ID
 * (reaches the hooks, unlike OTEL_*), `"metricSessionId": true` in ~/.claude/otel/config.json.
 */

export const METRIC_SESSION_ID_ENV = "CLAUDE_CODE_OTEL_METRIC_SESSION_ID";

export const METRIC_SESSION_ID_WARNING =
  "session.id is on every metric point (opt-in): one series per session for every metric and label set, so Prometheus's series count grows with the number of sessions it retains; keep it for small teams or short retention";

export class MetricSessionIdError extends Error {}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off"]);

function parse(value: unknown, source: string): boolean | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const word = value.trim().toLowerCase();
    if (TRUE.has(word)) return true;
    if (FALSE.has(word)) return false;
  }
  throw new MetricSessionIdError(`${source}: expected true or false, got ${JSON.stringify(value)}`);
}

/** The flag (only when given), then the variable, then the config file's `metricSessionId`, else off. Throws MetricSessionIdError on a bad value. */
export function resolveMetricSessionId(flag: boolean | undefined, env: NodeJS.ProcessEnv, configValue: unknown): boolean {
  if (flag === true) return true;
  return parse(env[METRIC_SESSION_ID_ENV], METRIC_SESSION_ID_ENV) ?? parse(configValue, "metricSessionId in the config file") ?? false;
}
