/**
 * How long a spawned flusher stays warm after its work (flusher/linger.ts). Read by hooks too
 * (they start a flusher ahead of a turn's first tool call only when it will wait for it).
 */
import { num } from "../util/json.js";
import type { JsonObject } from "../util/json.js";

export const DEFAULT_LINGER_MS = 15_000;
/** A lingering flusher starts no new work after this age: it hands over to a fresh process. */
export const LINGER_MAX_AGE_MS = 20_000;
/** Ceiling of the setting: a longer wait would outlive a spawned flusher's hard limit. */
const MAX_LINGER_MS = 40_000;

/** CLAUDE_CODE_OTEL_FLUSHER_LINGER_MS, else the config file's "flusherLingerMs", else the default; 0 = exit at once. */
export function resolveLingerMs(env: NodeJS.ProcessEnv, config: JsonObject): number {
  const fromEnv = env["CLAUDE_CODE_OTEL_FLUSHER_LINGER_MS"];
  const raw = fromEnv !== undefined && fromEnv.trim() !== "" ? Number(fromEnv) : num(config["flusherLingerMs"]);
  if (raw === undefined || !Number.isFinite(raw) || raw < 0) return DEFAULT_LINGER_MS;
  return Math.min(Math.floor(raw), MAX_LINGER_MS);
}
