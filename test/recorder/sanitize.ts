/**
 * Makes recorded Claude Code output safe to commit: machine paths become neutral ones, and
 * every string longer than {@link LONG_STRING} characters (system prompts, tool descriptions,
 * listings, reminders: Anthropic's prose) becomes `x` filler of the same length, so structure
 * and sizes stay real while no prose is copied.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/** Strings longer than this are replaced by filler. */
export const LONG_STRING = 300;

/** Literal replacements, applied in order to every string (longest, most specific first). */
export type PathReplacements = [from: string, to: string][];

/** Claude Code's project folder name for a cwd: every non-alphanumeric character becomes `-`. */
export function projectDirName(cwd: string): string {
  return cwd.replace(/[^A-Za-z0-9]/g, "-");
}

/** Sanitizes one JSON value (recursively). Keys are kept; only string values change. */
export function sanitizeValue(value: unknown, replacements: PathReplacements): unknown {
  if (typeof value === "string") return sanitizeString(value, replacements);
  if (Array.isArray(value)) return value.map((item) => sanitizeValue(item, replacements));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[sanitizeString(key, replacements)] = sanitizeValue(item, replacements);
    return out;
  }
  return value;
}

function sanitizeString(text: string, replacements: PathReplacements): string {
  let out = text;
  for (const [from, to] of replacements) out = out.split(from).join(to);
  return out.length > LONG_STRING ? "x".repeat(out.length) : out;
}

/**
 * Sanitizes a JSONL text line by line. A line that is not JSON is kept only as a JSON string
 * wrapper (never silently dropped), so a reader sees it was there.
 */
export function sanitizeJsonl(text: string, replacements: PathReplacements): string {
  const lines: string[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = { unparsedLine: line };
    }
    lines.push(JSON.stringify(sanitizeValue(parsed, replacements)));
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/**
 * Copies a `projects` tree (`<project>/<session>.jsonl`, `<project>/<session>/subagents/...`),
 * sanitizing every `.jsonl` and `.json` file and renaming path components through the
 * replacements. Returns the written files (relative to `to`).
 */
export function sanitizeTree(from: string, to: string, replacements: PathReplacements): string[] {
  const written: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      if (!name.endsWith(".jsonl") && !name.endsWith(".json")) continue;
      const rel = relative(from, path)
        .split("/")
        .map((part) => replacements.reduce((acc, [a, b]) => acc.split(a).join(b), part))
        .join("/");
      const target = join(to, rel);
      mkdirSync(dirname(target), { recursive: true });
      const text = readFileSync(path, "utf8");
      const out = name.endsWith(".jsonl") ? sanitizeJsonl(text, replacements) : sanitizeJson(text, replacements);
      writeFileSync(target, out);
      written.push(rel);
    }
  };
  walk(from);
  return written;
}

/** Sanitizes a JSON document, keeping it compact or indented as it was. */
function sanitizeJson(text: string, replacements: PathReplacements): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `${JSON.stringify({ unparsedFile: sanitizeString(text, replacements) })}\n`;
  }
  const indented = text.trimEnd().includes("\n");
  const out = JSON.stringify(sanitizeValue(parsed, replacements), null, indented ? 2 : undefined);
  return text.endsWith("\n") ? `${out}\n` : out;
}
