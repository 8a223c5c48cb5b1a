import { homedir } from "node:os";
import { join } from "node:path";
import type { PriceConfig } from "./price-overrides.js";
import { COST_MODES, parseCostMode, parsePriceOverrides } from "./price-overrides.js";
import { isObject, jsonErrorPosition, jsonErrorReason } from "../util/json.js";
import type { JsonObject } from "../util/json.js";
import { readRegularFile } from "../util/private-fs.js";

/** A config file is a few hundred bytes; anything past this is not one (and must not be read whole). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

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

/**
 * Reads the config file; a missing file is an empty config, a broken one a list of errors. It
 * says where telemetry and its credentials go, so it is read only from a regular file of ours
 * (or root's) that no one else can write, and of at most MAX_CONFIG_BYTES: anything else is
 * refused with an error and an empty config (a FIFO or /dev/zero would hang every hook).
 */
export function loadConfig(path: string): LoadedConfig {
  let text: string;
  try {
    text = readRegularFile(path, MAX_CONFIG_BYTES, { trusted: true }).text;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { path, exists: false, raw: {}, prices: { overrides: [] }, errors: [] };
    const refused = code === "ENOTREG" || code === "EFBIG" || code === "EUNSAFE";
    const message = refused
      ? `config ignored: ${(error as Error).message} (it must be a regular file of yours, at most ${MAX_CONFIG_BYTES >> 20} MiB, writable only by you)`
      : `cannot read ${path}: ${(error as Error).message}`;
    return { path, exists: true, raw: {}, prices: { overrides: [] }, errors: [message] };
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
