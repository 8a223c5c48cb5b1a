import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";

/**
 * Where a transcript file was when it was last fully exported. An unchanged file (same size and
 * mtime) is skipped without reading; any other change (appended or rewritten) re-reads the whole
 * session, and the ledger of units, not the cursor, keeps that from sending anything twice. The
 * head hash and offset are recorded in the state files but nothing decides on them.
 */
export interface FileCursor {
  readonly size: number;
  readonly mtimeMs: number;
  /** SHA-256 (hex) of the first 4 KiB. */
  readonly headHash: string;
  /** Byte offset just after the last complete line: where a tail reader resumes. */
  readonly offset: number;
}

const HEAD_BYTES = 4096;
const TAIL_BYTES = 64 * 1024;

export function isFileCursor(v: unknown): v is FileCursor {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o["size"] === "number" && typeof o["mtimeMs"] === "number" && typeof o["headHash"] === "string" && typeof o["offset"] === "number";
}

/** Only size and mtime: cheap enough to call for every file on every run. */
export function quickStatSync(path: string): { size: number; mtimeMs: number } | undefined {
  try {
    const s = statSync(path);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return undefined;
  }
}

export function unchanged(cursor: FileCursor | undefined, now: { size: number; mtimeMs: number } | undefined): boolean {
  return cursor !== undefined && now !== undefined && cursor.size === now.size && cursor.mtimeMs === now.mtimeMs;
}

/** Synchronous: three small reads, cheaper inline than as thread-pool round trips. */
export function readCursorSync(path: string): FileCursor | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const s = fstatSync(fd);
    const head = Buffer.alloc(Math.min(HEAD_BYTES, s.size));
    readSync(fd, head, 0, head.length, 0);
    const tailStart = Math.max(0, s.size - TAIL_BYTES);
    const tail = Buffer.alloc(s.size - tailStart);
    readSync(fd, tail, 0, tail.length, tailStart);
    const lastNewline = tail.lastIndexOf(0x0a);
    return {
      size: s.size,
      mtimeMs: s.mtimeMs,
      headHash: createHash("sha256").update(head).digest("hex"),
      offset: lastNewline === -1 ? (tailStart === 0 ? 0 : tailStart) : tailStart + lastNewline + 1,
    };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
