import type * as Crypto from "node:crypto";
import { createRequire } from "node:module";
import { closeSync, readSync, statSync } from "node:fs";
import { openRegularFile } from "../util/private-fs.js";

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

/** What the skip checks compare: a file's size, mtime and inode. */
export interface FileStat {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
}

/** Size, mtime and inode, or undefined when the file is missing: cheap enough for every file on every run. */
export function quickStatSync(path: string): FileStat | undefined {
  try {
    const s = statSync(path);
    return { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
  } catch {
    return undefined;
  }
}

let loadedCrypto: typeof Crypto | undefined;
/**
 * node:crypto on first use: loading it takes ~4.5 ms, which a replay with nothing new (~0.2 s)
 * never needs, though it imports this module for quickStatSync.
 */
function crypto(): typeof Crypto {
  loadedCrypto ??= createRequire(import.meta.url)("node:crypto") as typeof Crypto;
  return loadedCrypto;
}

/** One scratch block for every cursor: a replay takes one per transcript file, thousands in a row. */
const scratch = Buffer.allocUnsafe(HEAD_BYTES);

/**
 * Synchronous: two 4 KiB reads, cheaper inline than as thread-pool round trips. The last
 * complete line's end is searched backwards a block at a time, at most TAIL_BYTES deep (a
 * transcript ends with a newline unless a line is being written, so one block almost always).
 */
export function readCursorSync(path: string): FileCursor | undefined {
  let fd: number | undefined;
  try {
    const opened = openRegularFile(path);
    fd = opened.fd;
    const s = opened.stat;
    const headLength = readSync(fd, scratch, 0, Math.min(HEAD_BYTES, s.size), 0);
    const headHash = crypto().hash("sha256", scratch.subarray(0, headLength), "hex");
    return { size: s.size, mtimeMs: s.mtimeMs, headHash, offset: lastLineEnd(fd, s.size) };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function lastLineEnd(fd: number, size: number): number {
  const floor = Math.max(0, size - TAIL_BYTES);
  for (let end = size; end > floor;) {
    const start = Math.max(floor, end - scratch.length);
    const n = readSync(fd, scratch, 0, end - start, start);
    const newline = scratch.subarray(0, n).lastIndexOf(0x0a);
    if (newline !== -1) return start + newline + 1;
    end = start;
  }
  return floor;
}
