import { redactSecrets, truncate } from "../redact/redact.js";
import { CAPTURE_CONTENT_ENV } from "../semconv/names.js";

/** Content (prompts, tool inputs, messages) leaves the machine only on request, and always redacted. */
export interface ContentOptions {
  readonly captureContent: boolean;
  /** Characters kept per captured value (after redaction). */
  readonly maxContentLength: number;
}

export const DEFAULT_MAX_CONTENT_LENGTH = 4096;
/** With content capture on: a failed tool call's error text, redacted, up to this length. */
export const MAX_ERROR_MESSAGE_LENGTH = 1024;
/** With content capture off: the error's head only, redacted, at most this many lines and characters. */
export const ERROR_HEAD_LINES = 3;
export const ERROR_HEAD_LENGTH = 300;
/**
 * Redaction reads this far past what is kept: a secret that starts inside the kept part is then
 * whole in what is redacted (a key block longer than that is still cut, and its rule redacts a
 * block cut off at the end of the text).
 */
const REDACTION_MARGIN = 8192;

export function captureContentFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env[CAPTURE_CONTENT_ENV] ?? "").trim().toLowerCase() === "true";
}

/**
 * Redact first, then truncate: truncating first could cut a secret into an unrecognisable prefix.
 * Only `max` plus a margin is redacted: a captured value may be a megabyte of file content.
 */
export function safeText(text: string, max: number): string {
  if (text.length <= max + REDACTION_MARGIN) return truncate(redactSecrets(text), max);
  return `${redactSecrets(text.slice(0, max + REDACTION_MARGIN)).slice(0, max)}… [${text.length - max} more characters]`;
}

/** Claude Code adds these to tool results; they are not the tool's error. */
const SYSTEM_REMINDER = /<system-reminder>[\s\S]*?(?:<\/system-reminder>|$)/g;

/**
 * What a failed tool call's error text exports: the point of a failed span, so always something.
 * With content capture on, the text (redacted, up to MAX_ERROR_MESSAGE_LENGTH). With it off, only
 * its head: Claude Code's own line (`Exit code 2`, `<tool_use_error>File has not been read yet…`)
 * and the first lines of the tool's output, at most ERROR_HEAD_LINES non-empty lines and
 * ERROR_HEAD_LENGTH characters, redacted, then `… [cut: content capture is off]` if anything was
 * left out: enough to tell failures apart, not a dump of what a command printed.
 */
export function errorMessage(errorText: string | undefined, content: Pick<ContentOptions, "captureContent">): string {
  if (errorText === undefined || errorText.trim() === "") return "tool error";
  if (content.captureContent) return safeText(errorText, MAX_ERROR_MESSAGE_LENGTH);
  const text = errorText.replace(SYSTEM_REMINDER, "").trim();
  // Only the head is kept, so only the head plus the margin is redacted: a failed command can print
  // megabytes, and this runs for every failed tool call.
  const scanned = text.length > ERROR_HEAD_LENGTH + REDACTION_MARGIN ? text.slice(0, ERROR_HEAD_LENGTH + REDACTION_MARGIN) : text;
  const lines = redactSecrets(scanned)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  let head = lines.slice(0, ERROR_HEAD_LINES).join("\n");
  let cut = lines.length > ERROR_HEAD_LINES || scanned.length < text.length;
  if (head.length > ERROR_HEAD_LENGTH) {
    head = head.slice(0, ERROR_HEAD_LENGTH);
    cut = true;
  }
  if (head === "") return "tool error";
  return cut ? `${head} … [cut: content capture is off]` : head;
}

/**
 * A tool input as JSON, redacted twice: each string in it as it is (a file's content with its real
 * newlines and quotes, where the rules recognise it; JSON-escaped, `\n` and `\"` would hide a
 * secret from them), then the JSON text (where a key names what the next value is: `"password": "…"`).
 */
export function safeJson(value: unknown, max: number): string {
  let text: string;
  try {
    text =
      JSON.stringify(value, (_key, v: unknown) => (typeof v === "string" ? redactSecrets(v.length > max + REDACTION_MARGIN ? v.slice(0, max + REDACTION_MARGIN) : v) : v)) ?? "";
  } catch {
    text = String(value);
  }
  return safeText(text, max);
}
