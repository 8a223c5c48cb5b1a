import type { ConsoleTarget } from "../config/export-target.js";
import { ExportConfigError } from "../config/export-target.js";
import type { Destination } from "../delivery/destination.js";
import { resolveDestination } from "../delivery/destination.js";
import type { OptionSpec, Parsed } from "./args.js";
import { UsageError, boolOpt, stringOpt } from "./args.js";
import type { CliIO } from "./output.js";
import type { DestinationName } from "../mapping/destinations/select.js";
import { DestinationsError, resolveDestinations } from "../mapping/destinations/select.js";
import type { JsonObject } from "../util/json.js";
import { METRIC_SESSION_ID_WARNING, MetricSessionIdError, resolveMetricSessionId } from "../config/metric-session-id.js";

/** Where `replay` and `watch` send: shared options, documented in their help texts. */
export const EXPORT_OPTIONS: OptionSpec = {
  endpoint: { type: "string" },
  protocol: { type: "string" },
  "output-dir": { type: "string" },
  console: { type: "boolean" },
  "idle-minutes": { type: "string" },
  "state-dir": { type: "string" },
  destinations: { type: "string" },
  "metric-session-id": { type: "boolean" },
};

/** `--destinations`, CLAUDE_CODE_OTEL_DESTINATIONS, the config file's `destinations`, else both; a bad value is a usage error. */
export function resolveDestinationsOption(p: Parsed, io: CliIO, config: JsonObject): readonly DestinationName[] {
  try {
    return resolveDestinations(stringOpt(p, "destinations"), io.env, config["destinations"]);
  } catch (error) {
    if (error instanceof DestinationsError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * `--metric-session-id`, CLAUDE_CODE_OTEL_METRIC_SESSION_ID, the config file's `metricSessionId`,
 * else off; a bad value is a usage error. When on, the cardinality warning goes to stderr.
 */
export function resolveMetricSessionIdOption(p: Parsed, io: CliIO, config: JsonObject): boolean {
  let on: boolean;
  try {
    on = resolveMetricSessionId(boolOpt(p, "metric-session-id"), io.env, config["metricSessionId"]);
  } catch (error) {
    if (error instanceof MetricSessionIdError) throw new UsageError(error.message);
    throw error;
  }
  if (on) io.err(`note: ${METRIC_SESSION_ID_WARNING}\n`);
  return on;
}

/**
 * Where `replay` and `watch` send: an option, then the standard OTEL_EXPORTER_OTLP_* variables,
 * then the config file's `otlp` section (where the hooks send), then local files. A bad value is
 * a usage error.
 */
export function resolveDestinationOption(p: Parsed, io: CliIO, config: JsonObject): Destination | ConsoleTarget {
  try {
    return resolveDestination(
      { endpoint: stringOpt(p, "endpoint"), protocol: stringOpt(p, "protocol"), outputDir: stringOpt(p, "output-dir"), console: boolOpt(p, "console") },
      io.env,
      config,
    );
  } catch (error) {
    if (error instanceof ExportConfigError) throw new UsageError(error.message);
    throw error;
  }
}
