export type JsonObject = Record<string, unknown>;

/** JSON.parse that returns undefined instead of throwing: transcript and hook input are untrusted. */
export function parseJsonObject(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export function obj(value: unknown): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}

export function time(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** JSON.parse's reason without the snippet of the file some messages quote (it may hold a secret). */
export function jsonErrorReason(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
  // Node quotes the text around the error: `Unexpected token 'B', ..."ization":Basic c2Vj"... is not valid JSON`.
  return message.replace(/, (?:\.\.\.)?".*$/s, "").replace(/ in JSON at position \d+.*$/, "");
}

/** Where JSON.parse stopped, as ` (line L, column C)`, or "" when it does not say. */
export function jsonErrorPosition(error: unknown, text: string): string {
  const m = /position (\d+)/.exec(error instanceof Error ? error.message : "");
  if (m?.[1] === undefined) return "";
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split("\n").length;
  const column = pos - before.lastIndexOf("\n");
  return ` (line ${line}, column ${column})`;
}
