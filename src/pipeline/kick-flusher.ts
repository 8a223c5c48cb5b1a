import { otelHome } from "../config/config-file.js";
import { hooksDestination } from "../delivery/destination.js";
import { claimSpawn, flusherRunning } from "../hook/flush-lock.js";
import { spawnDetachedFlusher } from "../hook/hook-main.js";
import { readSpool } from "../hook/spool.js";
import type { JsonObject } from "../util/json.js";

/**
 * After a replay or watch pass on the destination the hooks send to: hook triggers that a
 * flusher left in the spool because the pass held the destination get a flusher now, as a hook
 * would start one (one at most, whoever else tries).
 */
export function kickFlusher(env: NodeJS.ProcessEnv, destinationKey: string, config: JsonObject): void {
  const home = otelHome(env);
  if (hooksDestination(env, config).key !== destinationKey || readSpool(home).triggers.length === 0 || flusherRunning(home) || !claimSpawn(home)) return;
  spawnDetachedFlusher(home, env);
}
