import { parseArgs } from "node:util";

export type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

/** A mistake in the command line: one line on stderr and exit code 2. */
export class UsageError extends Error {
  /** Point at `<command> --help` (unknown or malformed options). */
  readonly seeHelp: boolean;

  constructor(message: string, options: { seeHelp?: boolean } = {}) {
    super(message);
    this.seeHelp = options.seeHelp === true;
  }
}

/** Nothing to work on (a missing projects folder, no transcripts, an unknown session): exit code 3. */
export class NoInputError extends Error {}

export interface Parsed {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

/** A value that starts with a dash but is a number (`--alert-usd -5`): an option's value, not an option. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * Strict option parsing: an unknown option, a missing value or one positional argument too many is
 * a UsageError with one line of our own, never Node's multi-line message. `positionals`: how many
 * the command takes (default none).
 */
export function parseOptions(argv: string[], options: OptionSpec, limits: { positionals?: number } = {}): Parsed {
  const args = joinNegativeValues(argv, options);
  let parsed: Parsed;
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    parsed = { values: values as Parsed["values"], positionals };
  } catch (error) {
    throw new UsageError(describeParseError(error, options), { seeHelp: true });
  }
  const extra = parsed.positionals[limits.positionals ?? 0];
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`, { seeHelp: true });
  return parsed;
}

/** `--name -5` → `--name=-5` for string options, so a negative number reaches the command's own check. */
function joinNegativeValues(argv: readonly string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    if (arg === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (arg.startsWith("--") && !arg.includes("=") && options[arg.slice(2)]?.type === "string" && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** Node's parseArgs messages, said in one line of ours (the codes are stable, the texts are not). */
function describeParseError(error: unknown, options: OptionSpec): string {
  const e = error as NodeJS.ErrnoException;
  const message = e.message ?? String(error);
  const option = /'(-[^' ]+)/.exec(message)?.[1] ?? "";
  const firstLine = message.split("\n")[0] ?? message;
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const near = nearestOption(option, options);
    return `unknown option ${option}${near === undefined ? "" : `; did you mean --${near}?`}`;
  }
  if (e.code !== "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") return firstLine;
  if (message.includes("argument missing")) return `${option} needs a value`;
  if (message.includes("does not take an argument")) return `${option} takes no value`;
  if (message.includes("ambiguous")) return `${option} needs a value, not an option; for a value starting with "-" write ${option}=<value>`;
  return firstLine;
}

/** The option a typo most likely meant: at most two edits away, or a unique prefix. */
function nearestOption(option: string, options: OptionSpec): string | undefined {
  const typed = option.replace(/^-+/, "");
  if (typed.length < 2) return undefined;
  const names = Object.keys(options);
  const prefixed = names.filter((n) => n.startsWith(typed));
  if (prefixed.length === 1) return prefixed[0];
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(typed, name);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

export function stringOpt(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === "string" ? v : undefined;
}

export function boolOpt(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

/**
 * A numeric option within bounds, else a UsageError naming them: `--prometheus-port 99999` is a
 * usage mistake (exit 2), found before any work starts, not a failure of the work (exit 1).
 */
export function numberOpt(p: Parsed, name: string, bounds: { min: number; max?: number; integer?: boolean; what?: string }): number | undefined {
  const text = stringOpt(p, name);
  if (text === undefined) return undefined;
  const n = text.trim() === "" ? Number.NaN : Number(text);
  const { min, max = Number.POSITIVE_INFINITY, integer = false } = bounds;
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    const what = bounds.what ?? (integer ? "a whole number" : "a number");
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`--${name} must be ${what} ${range}, got "${text}"`);
  }
  return n;
}

/** A TCP port: 0 (any free port) to 65535. */
export function portOpt(p: Parsed, name: string): number | undefined {
  return numberOpt(p, name, { min: 0, max: 65535, integer: true, what: "a port number" });
}

const DAY = /^(\d{4})-?(\d{2})-?(\d{2})$/;

/** Accepts YYYY-MM-DD or YYYYMMDD; returns YYYY-MM-DD. */
export function dayOpt(p: Parsed, name: string): string | undefined {
  const v = stringOpt(p, name);
  if (v === undefined) return undefined;
  const m = DAY.exec(v);
  if (m === null) throw new UsageError(`--${name} must be a date (YYYY-MM-DD), got "${v}"`);
  const day = `${m[1]}-${m[2]}-${m[3]}`;
  if (Number.isNaN(Date.parse(`${day}T00:00:00Z`))) throw new UsageError(`--${name} is not a valid date: "${v}"`);
  return day;
}

/** Options shared by every command that reads transcripts. */
export const SOURCE_OPTIONS: OptionSpec = {
  "projects-dir": { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
  project: { type: "string" },
  session: { type: "string" },
  timezone: { type: "string" },
  config: { type: "string" },
  "cost-source": { type: "string" },
  verbose: { type: "boolean", short: "v" },
};
