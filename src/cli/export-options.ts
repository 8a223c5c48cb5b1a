import type { ConsoleTarget } from "../config/export-target.js";
import { ExportConfigError } from "../config/export-target.js";
import type { Destination } from "../delivery/destination.js";
import { resolveDestination } from "../delivery/destination.js";
import type { OptionSpec, Parsed } from "./args.js";
import { UsageError, boolOpt, stringOpt } from "./args.js";
import type { CliIO } from "./output.js";
import { DestinationsError } from "../mapping/destinations/select.js";
import type { ExportSettings } from "../pipeline/export-settings.js";
import { resolveExportSettings } from "../pipeline/export-settings.js";
import type { JsonObject } from "../util/json.js";
import { METRIC_SESSION_ID_WARNING, MetricSessionIdError } from "../config/metric-session-id.js";
import { SemconvOptInError } from "../config/semconv-opt-in.js";

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

/**
 * `--state-dir`, `--destinations`, `--metric-session-id` over the environment and the config file
 * (pipeline/export-settings.ts, as the hooks' flusher resolves them); a bad value is a usage
 * error. With session.id on metrics, the cardinality warning goes to stderr.
 */
export function resolveSettingsOption(p: Parsed, io: CliIO, config: JsonObject): ExportSettings {
  let settings: ExportSettings;
  try {
    settings = resolveExportSettings(io.env, config, {
      stateDir: stringOpt(p, "state-dir"),
      products: stringOpt(p, "destinations"),
      metricSessionId: boolOpt(p, "metric-session-id"),
    });
  } catch (error) {
    if (error instanceof DestinationsError || error instanceof MetricSessionIdError || error instanceof SemconvOptInError) throw new UsageError(error.message);
    throw error;
  }
  if (settings.includeSessionId) io.err(`note: ${METRIC_SESSION_ID_WARNING}\n`);
  return settings;
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
