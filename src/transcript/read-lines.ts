import { closeSync, readSync } from "node:fs";
import { openRegularFile } from "../util/private-fs.js";
import { apiRequestFromHead, isIgnoredType, skippableType } from "./line-head.js";
import { parseTranscriptLine } from "./parse-line.js";
import type { ParseStats, TranscriptLine } from "./line-types.js";
import { emptyParseStats } from "./line-types.js";

const CHUNK_BYTES = 1 << 20;

export interface ReadOptions {
  /** Byte offset to start at (a cursor); must be the start of a line. */
  readonly fromOffset?: number;
  /**
   * Parse a last line that has no newline yet. Right for reports of finished files;
   * wrong for live tails, where the writer may be half-way through the line.
   */
  readonly includeUnterminatedTail?: boolean;
}

export interface ReadResult {
  readonly stats: ParseStats;
  /** Offset just past the last newline-terminated line read: a safe cursor. */
  readonly committedOffset: number;
  readonly size: number;
}

/** One read buffer for the process: transcripts are read one at a time, and reuse spares the GC. */
let shared = Buffer.allocUnsafe(CHUNK_BYTES);

/**
 * Streams a JSONL transcript in large chunks, in memory bounded by the longest line.
 * Lines whose head shows they carry nothing we use are never decoded.
 * Reads are synchronous: one file at a time from the page cache, a thread-pool hop per chunk
 * cost more than the read itself.
 */
export function readTranscriptLinesSync(path: string, onLine: (line: TranscriptLine, offset: number) => void, options: ReadOptions = {}): ReadResult {
  const stats = emptyParseStats();
  // A FIFO or a device named *.jsonl is refused at once (ENOTREG), never read: it would block or never end.
  const { fd } = openRegularFile(path);
  try {
    let buf = shared;
    let filled = 0;
    let position = options.fromOffset ?? 0;
    /** File offset of buf[0]. */
    let bufOffset = position;
    let committedOffset = position;
    for (;;) {
      if (filled === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const bytesRead = readSync(fd, buf, filled, buf.length - filled, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      filled += bytesRead;
      let start = 0;
      for (;;) {
        const newline = buf.indexOf(0x0a, start);
        if (newline === -1 || newline >= filled) break;
        handleLine(buf, start, newline, bufOffset + start, stats, onLine);
        start = newline + 1;
      }
      committedOffset = bufOffset + start;
      if (start > 0) {
        buf.copy(buf, 0, start, filled);
        filled -= start;
        bufOffset += start;
      }
    }
    if (filled > 0 && options.includeUnterminatedTail === true) {
      handleLine(buf, 0, filled, bufOffset, stats, onLine);
    }
    // Keep a grown buffer only up to a bound, so one huge line does not pin memory forever.
    if (buf.length <= 8 * CHUNK_BYTES) shared = buf;
    stats.bytes += committedOffset - (options.fromOffset ?? 0);
    return { stats, committedOffset, size: position };
  } finally {
    closeSync(fd);
  }
}

function handleLine(buf: Buffer, start: number, end: number, offset: number, stats: ParseStats, onLine: (line: TranscriptLine, offset: number) => void): void {
  let lineEnd = end;
  if (lineEnd > start && buf[lineEnd - 1] === 0x0d) lineEnd--;
  if (lineEnd === start) return; // blank lines are not data, not errors
  stats.lines++;
  if (skippableType(buf, start, lineEnd) !== undefined) {
    stats.skipped++;
    return;
  }
  const line = apiRequestFromHead(buf, start, lineEnd) ?? parseTranscriptLine(buf.toString("utf8", start, lineEnd));
  if (line === undefined) {
    stats.invalid++;
    return;
  }
  stats.parsed++;
  if (line.kind === "other" && !line.type.startsWith("system:") && !isIgnoredType(line.type)) {
    stats.unknownTypes[line.type] = (stats.unknownTypes[line.type] ?? 0) + 1;
  }
  onLine(line, offset);
}
