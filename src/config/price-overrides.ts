/**
 * User price overrides, per million tokens, as in genai-prices' own units.
 * `model` matches exactly, or as a prefix when it ends with `*`.
 */
export interface PriceOverride {
  readonly model: string;
  readonly input_mtok: number;
  readonly output_mtok: number;
  readonly cache_read_mtok?: number;
  readonly cache_write_mtok?: number;
  readonly cache_write_1h_mtok?: number;
}

/**
 * Which figure is a session's cost (`--cost-source`, the config's `costSource`):
 * - `auto` (default): Claude Code's ledger where it has one, except for models the user priced;
 * - `ledger`: the ledger wherever there is one, the user's prices only elsewhere;
 * - `computed`: our own prices (library and overrides) everywhere, the ledger only shown beside;
 * - `both`: as `auto`, with the computed figure alongside in the report and on spans.
 */
export type CostMode = "auto" | "ledger" | "computed" | "both";

export const COST_MODES: readonly CostMode[] = ["auto", "ledger", "computed", "both"];

/** ccusage's names for the same choices (`--cost-source` of its statusline, `--mode` of its reports). */
const COST_MODE_ALIASES: Readonly<Record<string, CostMode>> = { cc: "ledger", display: "ledger", ccusage: "computed", calculate: "computed" };

/** A `--cost-source` / `costSource` value, or undefined when it is none of them. */
export function parseCostMode(value: string): CostMode | undefined {
  const v = value.trim().toLowerCase();
  return (COST_MODES as readonly string[]).includes(v) ? (v as CostMode) : COST_MODE_ALIASES[v];
}

/** The user's price overrides (the config file's `prices` section). */
export interface PriceConfig {
  readonly overrides: readonly PriceOverride[];
  /** Default `auto`. */
  readonly mode?: CostMode;
}

export const NO_OVERRIDES: PriceConfig = { overrides: [] };

/** Validates the `prices` section of a config file; returns errors rather than throwing. */
export function parsePriceOverrides(value: unknown): { overrides: PriceOverride[]; errors: string[] } {
  const overrides: PriceOverride[] = [];
  const errors: string[] = [];
  if (value === undefined) return { overrides, errors };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { overrides, errors: ['"prices" must be an object keyed by model id'] };
  }
  for (const [model, raw] of Object.entries(value as Record<string, unknown>)) {
    if (typeof raw !== "object" || raw === null) {
      errors.push(`prices.${model}: must be an object`);
      continue;
    }
    const r = raw as Record<string, unknown>;
    const field = (key: string): number | undefined => {
      const v = r[key];
      if (v === undefined) return undefined;
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
        errors.push(`prices.${model}.${key}: must be a non-negative number`);
        return undefined;
      }
      return v;
    };
    const input = field("input_mtok");
    const output = field("output_mtok");
    if (input === undefined || output === undefined) {
      errors.push(`prices.${model}: input_mtok and output_mtok are required`);
      continue;
    }
    const cacheRead = field("cache_read_mtok");
    const cacheWrite = field("cache_write_mtok");
    const cacheWrite1h = field("cache_write_1h_mtok");
    overrides.push({
      model,
      input_mtok: input,
      output_mtok: output,
      ...(cacheRead !== undefined ? { cache_read_mtok: cacheRead } : {}),
      ...(cacheWrite !== undefined ? { cache_write_mtok: cacheWrite } : {}),
      ...(cacheWrite1h !== undefined ? { cache_write_1h_mtok: cacheWrite1h } : {}),
    });
  }
  return { overrides, errors };
}
