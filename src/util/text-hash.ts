/**
 * A short fingerprint of a text (its length and 32-bit FNV-1a over its UTF-16 code units), to tell
 * "the same text" without keeping the text: the hook notes the final answer of a turn this way
 * (Stop's `last_assistant_message`), never the answer itself. Not node:crypto: loading it costs
 * every hook ~4 ms, and this needs no secrecy.
 */
export function textHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${text.length.toString(36)}-${h.toString(16).padStart(8, "0")}`;
}
