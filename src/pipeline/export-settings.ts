/**
 * What replay, watch and the hooks' flusher agree on besides the destination: the state folder,
 * the resource, content capture, the products' attributes and the session.id label. One
 * resolver, so that a history sent by any of them carries the same resource and attributes.
 */
import { resolveMetricSessionId } from "../config/metric-session-id.js";
import { SEMCONV_OPT_IN_CONFIG_KEY, resolveLegacyGenAiNames } from "../config/semconv-opt-in.js";
import { defaultStateDir } from "../config/state-dir.js";
import { captureContentFromEnv } from "../mapping/content.js";
import type { DestinationName, DestinationOptions } from "../mapping/destinations/index.js";
import { ALL_DESTINATIONS, destinationOptionsFromResource, resolveDestinations } from "../mapping/destinations/index.js";
import { packageVersion, resourceAttributes } from "../sdk/resource-attributes.js";
import type { JsonObject } from "../util/json.js";

export interface ExportSettings {
  /** The state folder every destination's state is under. */
  readonly stateDir: string;
  /**
   * The resource's attributes: OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES (else the config file's
   * `resourceAttributes`), our source. Plain data: the SDK's Resource is made only when something
   * is serialised (a replay with nothing new never loads @opentelemetry/resources).
   */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly captureContent: boolean;
  readonly products: readonly DestinationName[];
  readonly includeSessionId: boolean;
  /** The GenAI names of v1.41.0 beside the current ones (OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental/dup, else the config file's `semconvStabilityOptIn`). */
  readonly legacyGenAiNames: boolean;
  /** The span mapping's per-run options: user.id from the resource, our version, the products. */
  readonly destinations: DestinationOptions;
}

/** What a command's options say (replay and watch; the flusher has none). */
export interface SettingsChoices {
  /** `--state-dir` */
  readonly stateDir?: string | undefined;
  /** `--destinations` */
  readonly products?: string | undefined;
  /** `--metric-session-id` */
  readonly metricSessionId?: boolean | undefined;
}

/**
 * From the options, the environment and the parsed config file. A bad `destinations` or
 * `metricSessionId` value throws (DestinationsError, MetricSessionIdError), a `semconvStabilityOptIn`
 * that is not a string SemconvOptInError, unless `onInvalid`
 * takes the message: then the default stands (both products; no session.id).
 */
export function resolveExportSettings(env: NodeJS.ProcessEnv, config: JsonObject, choices: SettingsChoices = {}, onInvalid?: (message: string) => void): ExportSettings {
  const lenient = <T>(resolve: () => T, fallback: T, instead: string): T => {
    if (onInvalid === undefined) return resolve();
    try {
      return resolve();
    } catch (error) {
      onInvalid(`${error instanceof Error ? error.message : String(error)}; ${instead}`);
      return fallback;
    }
  };
  const products = lenient(() => resolveDestinations(choices.products, env, config["destinations"]), ALL_DESTINATIONS, "sending both products' attributes");
  const includeSessionId = lenient(() => resolveMetricSessionId(choices.metricSessionId, env, config["metricSessionId"]), false, "metric points without session.id");
  const legacyGenAiNames = lenient(() => resolveLegacyGenAiNames(env, config[SEMCONV_OPT_IN_CONFIG_KEY]), false, "the current GenAI names only");
  const configured = config["resourceAttributes"];
  const attributes = resourceAttributes(env, typeof configured === "string" ? configured : undefined);
  return {
    stateDir: choices.stateDir ?? defaultStateDir(env),
    resourceAttributes: attributes,
    captureContent: captureContentFromEnv(env),
    products,
    includeSessionId,
    legacyGenAiNames,
    destinations: destinationOptionsFromResource(attributes, packageVersion(), products),
  };
}
