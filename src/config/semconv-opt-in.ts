/**
 * OTEL_SEMCONV_STABILITY_OPT_IN for the GenAI names (semconv/stability.ts says what it selects).
 * Claude Code does not pass OTEL_* variables to hooks, so the config file can say it too:
 * `"semconvStabilityOptIn": "gen_ai_latest_experimental/dup"` in ~/.claude/otel/config.json.
 * The variable, when set, wins; else the config file; else the current names only.
 */
import { SEMCONV_OPT_IN_ENV, legacyGenAiRequested } from "../semconv/stability.js";

export const SEMCONV_OPT_IN_CONFIG_KEY = "semconvStabilityOptIn";

export class SemconvOptInError extends Error {}

/** Whether the v1.41.0 GenAI names go out beside the current ones. Throws SemconvOptInError on a config value that is not a string. */
export function resolveLegacyGenAiNames(env: NodeJS.ProcessEnv, configValue: unknown): boolean {
  const fromEnv = env[SEMCONV_OPT_IN_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== "") return legacyGenAiRequested(fromEnv);
  if (configValue === undefined || configValue === null) return false;
  if (typeof configValue !== "string") throw new SemconvOptInError(`${SEMCONV_OPT_IN_CONFIG_KEY} in the config file must be a string such as "gen_ai_latest_experimental/dup"`);
  return legacyGenAiRequested(configValue);
}
