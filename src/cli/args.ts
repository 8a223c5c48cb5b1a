import { parseArgs } from "node:util";

export type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

export class UsageError extends Error {}

export interface Parsed {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

/** Strict option parsing: an unknown flag is a usage error with a one-line message, never a stack. */
export function parseOptions(argv: string[], options: OptionSpec): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Parsed["values"], positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? (error.message.split("\n")[0] ?? String(error)) : String(error));
  }
}

export function stringOpt(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === "string" ? v : undefined;
}

export function boolOpt(p: Parsed, name: string): boolean {
  return p.values[name] === true;
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
  verbose: { type: "boolean", short: "v" },
};
