import type { ApiRequestLine } from "./line-types.js";

/**
 * Decides from the first bytes of a line whether it can carry anything we use.
 * Most bytes of a modern transcript are `attachment` (prompt snapshots) and
 * `api-request-shape`/`-blob` lines; recognising them here saves decoding and JSON.parse.
 */

/** Line types we know and never need. */
const IGNORED_TYPES = new Set([
  "attachment",
  "api-request-shape",
  "api-request-blob",
  "queue-operation",
  "atis-latch",
  "last-prompt",
  "tools-used",
  "mode",
  "permission-mode",
  "file-history-snapshot",
  "progress",
  "custom-title",
  "agent-name",
  "tag",
  "pr-link",
]);

export function isIgnoredType(type: string): boolean {
  return IGNORED_TYPES.has(type);
}

const TYPE_PREFIX = Buffer.from('{"type":"');
const HEAD_BYTES = 200;
/**
 * An attachment line's head (2.1.x): top-level keys with plain values, then `"attachment":{`.
 * Every key before it is matched whole (string values without quote or backslash), so the
 * match is a top-level key, never one nested in an object or inside a string.
 */
const ATTACHMENT_HEAD = /^\{"parentUuid":(?:null|"[^"\\]*"),"isSidechain":(?:true|false),(?:"[A-Za-z]+":"[^"\\]*",)*"attachment":\{(?:"type":"([a-z_]+)")?/;
/**
 * Attachment types that carry something we use: files put into the context (after a compaction,
 * or mentioned) and hooks that failed. They are few and small (a restored file at most), so they
 * are parsed; every other attachment is skipped.
 */
const USED_ATTACHMENTS = new Set([
  "file",
  "compact_file_reference",
  "async_hook_response",
  "hook_non_blocking_error",
  "hook_blocking_error",
  "hook_error_during_execution",
  "hook_cancelled",
]);

/**
 * Returns the ignored line type when the head proves the line is one we skip, else undefined
 * (the line must be parsed). Never skips a line it is not sure about.
 */
export function skippableType(buf: Buffer, start: number, end: number): string | undefined {
  if (end - start > TYPE_PREFIX.length && buf.compare(TYPE_PREFIX, 0, TYPE_PREFIX.length, start, start + TYPE_PREFIX.length) === 0) {
    const typeStart = start + TYPE_PREFIX.length;
    const quote = buf.indexOf(0x22, typeStart);
    if (quote > typeStart && quote < end && quote - typeStart < 64) {
      const type = buf.toString("latin1", typeStart, quote);
      return IGNORED_TYPES.has(type) ? type : undefined;
    }
    return undefined;
  }
  if (buf[start + 2] !== 0x70 || end - start < 40) return undefined; // {"parentUuid"...
  const head = ATTACHMENT_HEAD.exec(buf.toString("latin1", start, Math.min(end, start + HEAD_BYTES)));
  if (head === null) return undefined;
  // No type in the head (a key order we have not seen, or a head longer than HEAD_BYTES): skipped, as every attachment was.
  return head[1] !== undefined && USED_ATTACHMENTS.has(head[1]) ? undefined : "attachment";
}

const API_REQUEST_PREFIX = Buffer.from('{"type":"api-request",');
/** Top-level plain string keys up to `id` and `timestamp`: the id matched is the line's own. */
const API_REQUEST_HEAD = /^\{"type":"api-request",(?:"[A-Za-z]+":"[^"\\]*",)*"id":"([^"\\]+)","timestamp":"([^"\\]+)"/;

/**
 * `api-request` lines (2.1.x) repeat the request parameters; we need only their id and
 * timestamp, which come first. Undefined when the head does not have the expected shape.
 */
export function apiRequestFromHead(buf: Buffer, start: number, end: number): ApiRequestLine | undefined {
  if (end - start < API_REQUEST_PREFIX.length || buf.compare(API_REQUEST_PREFIX, 0, API_REQUEST_PREFIX.length, start, start + API_REQUEST_PREFIX.length) !== 0) {
    return undefined;
  }
  const m = API_REQUEST_HEAD.exec(buf.toString("latin1", start, Math.min(end, start + HEAD_BYTES)));
  if (m?.[1] === undefined || m[2] === undefined) return undefined;
  const timestamp = Date.parse(m[2]);
  return { kind: "api-request", id: m[1], timestamp: Number.isNaN(timestamp) ? undefined : timestamp };
}
