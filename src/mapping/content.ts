import { redactSecrets, truncate } from "../redact/redact.js";
import { CAPTURE_CONTENT_ENV } from "../semconv/names.js";

/** Content (prompts, tool inputs, messages) leaves the machine only on request, and always redacted. */
export interface ContentOptions {
  readonly captureContent: boolean;
  /** Characters kept per captured value (after redaction). */
  readonly maxContentLength: number;
}

export const DEFAULT_MAX_CONTENT_LENGTH = 4096;
/** Error messages are always exported (they are the point of a failed span), so keep them short. */
export const MAX_ERROR_MESSAGE_LENGTH = 1024;

export function captureContentFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env[CAPTURE_CONTENT_ENV] ?? "").trim().toLowerCase() === "true";
}

/** Redact first, then truncate: truncating first could cut a secret into an unrecognisable prefix. */
export function safeText(text: string, max: number): string {
  return truncate(redactSecrets(text), max);
}

export function safeJson(value: unknown, max: number): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? "";
  } catch {
    text = String(value);
  }
  return safeText(text, max);
}
