/**
 * Which products' attributes spans carry. Both by default (the collector overlays route to
 * either); a user whose traces go elsewhere (Jaeger, Tempo, a vendor) can drop them: on the
 * 401 MB benchmark history they are two thirds of the bytes on the wire (93.6 → 32.1 MB).
 *
 * Sources, first set wins: `--destinations`, CLAUDE_CODE_OTEL_DESTINATIONS (reaches the hooks,
 * unlike OTEL_*), `destinations` in ~/.claude/otel/config.json. Values: a comma-separated list
 * (or a JSON array in the config) of `langfuse`, `langsmith`; `all`; `none`.
 */
export type DestinationName = "langfuse" | "langsmith";

export const ALL_DESTINATIONS: readonly DestinationName[] = ["langfuse", "langsmith"];

export class DestinationsError extends Error {}

/** Parses one source's value; undefined when the source is not set. Throws DestinationsError on a bad value. */
export function parseDestinations(value: unknown, source: string): readonly DestinationName[] | undefined {
  if (value === undefined || value === null) return undefined;
  const words = typeof value === "string" ? value.split(",") : Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : undefined;
  if (words === undefined) throw new DestinationsError(`${source}: expected a list of langfuse, langsmith, all or none`);
  const names = new Set<DestinationName>();
  for (const raw of words) {
    const w = raw.trim().toLowerCase();
    if (w === "" || w === "none") continue;
    if (w === "all") ALL_DESTINATIONS.forEach((d) => names.add(d));
    else if (w === "langfuse" || w === "langsmith") names.add(w);
    else throw new DestinationsError(`${source}: unknown destination "${raw.trim()}" (langfuse, langsmith, all or none)`);
  }
  return ALL_DESTINATIONS.filter((d) => names.has(d));
}

/** The flag, then the variable, then the config file, then both. */
export function resolveDestinations(flag: string | undefined, env: NodeJS.ProcessEnv, configValue: unknown): readonly DestinationName[] {
  return (
    parseDestinations(flag, "--destinations") ??
    parseDestinations(env["CLAUDE_CODE_OTEL_DESTINATIONS"] === "" ? undefined : env["CLAUDE_CODE_OTEL_DESTINATIONS"], "CLAUDE_CODE_OTEL_DESTINATIONS") ??
    parseDestinations(configValue, "destinations in the config file") ??
    ALL_DESTINATIONS
  );
}
