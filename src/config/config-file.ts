import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { PriceConfig } from "./price-overrides.js";
import { COST_MODES, parseCostMode, parsePriceOverrides } from "./price-overrides.js";
import { isObject, jsonErrorPosition, jsonErrorReason } from "../util/json.js";
import type { JsonObject } from "../util/json.js";

/**
 * Our home: config, state, spool, outbox, hook log and local OTLP files. `$CLAUDE_CODE_OTEL_HOME`,
 * else `otel/` inside Claude Code's own config folder (`$CLAUDE_CONFIG_DIR`, else `~/.claude`).
 */
export function otelHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env["CLAUDE_CODE_OTEL_HOME"];
  if (home !== undefined && home !== "") return home;
  const configDir = env["CLAUDE_CONFIG_DIR"];
  return join(configDir !== undefined && configDir !== "" ? configDir : join(homedir(), ".claude"), "otel");
}

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env["CLAUDE_CODE_OTEL_CONFIG"];
  return explicit !== undefined && explicit !== "" ? explicit : join(otelHome(env), "config.json");
}

export interface LoadedConfig {
  readonly path: string;
  readonly exists: boolean;
  readonly raw: JsonObject;
  readonly prices: PriceConfig;
  readonly errors: string[];
}

/** Reads the config file; a missing file is an empty config, a broken one a list of errors. */
export function loadConfig(path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    return { path, exists: !missing, raw: {}, prices: { overrides: [] }, errors: missing ? [] : [`cannot read ${path}: ${(error as Error).message}`] };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { path, exists: true, raw: {}, prices: { overrides: [] }, errors: [`${path} is not valid JSON${jsonErrorPosition(error, text)}: ${jsonErrorReason(error)}`] };
  }
  if (!isObject(raw)) return { path, exists: true, raw: {}, prices: { overrides: [] }, errors: [`${path} must hold a JSON object`] };
  const prices = parsePriceOverrides(raw["prices"]);
  const errors = prices.errors.map((e) => `${path}: ${e}`);
  const costSource = raw["costSource"];
  const mode = typeof costSource === "string" ? parseCostMode(costSource) : undefined;
  if (costSource !== undefined && mode === undefined) errors.push(`${path}: "costSource" must be one of ${COST_MODES.join(", ")}`);
  return { path, exists: true, raw, prices: { overrides: prices.overrides, ...(mode === undefined ? {} : { mode }) }, errors };
}
