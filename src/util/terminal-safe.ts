/**
 * Transcript content is untrusted: an escape sequence in a tool's output must not move the
 * cursor, recolour or retitle the user's terminal. Control characters become visible escapes.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

export function terminalSafe(text: string): string {
  return text.replace(CONTROL, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** One line for a table cell: newlines and tabs as spaces, controls escaped. */
export function oneLine(text: string): string {
  return terminalSafe(text.replace(/[\r\n\t]+/g, " "));
}
