/**
 * The outbox: serialized OTLP export requests waiting to be delivered, one file per request in
 * `<state home>/outbox/`, named `<seq>-<traces|metrics>.<pb|json>` and sent strictly in order.
 *
 * A request enters the outbox in the same step as its units enter the session ledger, so what is
 * in the ledger is on disk. Metric requests carry their delta window from the moment they are
 * written (the global metric clock), so a retry re-sends identical bytes, which the collector's
 * delta→cumulative conversion drops as a duplicate; in-order delivery keeps the windows
 * contiguous.
 *
 * Bounds: at most MAX_OUTBOX_FILES files and MAX_OUTBOX_BYTES bytes; beyond either, the oldest
 * files are dropped (with a count in the log). A collector unreachable for days loses the oldest
 * data, never the machine's disk.
 */
import { mkdirSync, readdirSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/private-fs.js";

export const OUTBOX_DIR = "outbox";
export const MAX_OUTBOX_FILES = 10_000;
export const MAX_OUTBOX_BYTES = 50 * 1024 * 1024;

export type Signal = "traces" | "metrics";
export type Encoding = "pb" | "json";

export interface OutboxEntry {
  readonly path: string;
  readonly name: string;
  readonly seq: number;
  readonly signal: Signal;
  readonly encoding: Encoding;
  readonly bytes: number;
}

const NAME = /^(\d{12})-(traces|metrics)\.(pb|json)$/;

export function outboxDir(stateHome: string): string {
  return join(stateHome, OUTBOX_DIR);
}

/** The outbox's requests, oldest first. */
export function listOutbox(stateHome: string): OutboxEntry[] {
  const dir = outboxDir(stateHome);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: OutboxEntry[] = [];
  for (const name of names) {
    const m = NAME.exec(name);
    if (m === null) continue;
    const path = join(dir, name);
    let bytes = 0;
    try {
      bytes = statSync(path).size;
    } catch {
      continue;
    }
    out.push({ path, name, seq: Number(m[1]), signal: m[2] as Signal, encoding: m[3] as Encoding, bytes });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

export interface OutboxWriter {
  /** Appends one request; throws on I/O errors (the caller then commits nothing). */
  write(signal: Signal, encoding: Encoding, body: Uint8Array): OutboxEntry;
}

/** Only the flusher (holding the flush lock) writes: sequence numbers continue from the newest file. */
export function openOutbox(stateHome: string): OutboxWriter {
  const dir = outboxDir(stateHome);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let seq = listOutbox(stateHome).reduce((max, e) => Math.max(max, e.seq), 0);
  return {
    write(signal, encoding, body) {
      seq++;
      const name = `${String(seq).padStart(12, "0")}-${signal}.${encoding}`;
      const path = join(dir, name);
      writeFileAtomic(path, body, 0o600);
      return { path, name, seq, signal, encoding, bytes: body.byteLength };
    },
  };
}

/** Drops the oldest requests beyond the bounds; returns how many were dropped. */
export function enforceOutboxBounds(stateHome: string, maxFiles = MAX_OUTBOX_FILES, maxBytes = MAX_OUTBOX_BYTES): { dropped: number; droppedBytes: number } {
  const entries = listOutbox(stateHome);
  let total = entries.reduce((n, e) => n + e.bytes, 0);
  let count = entries.length;
  let dropped = 0;
  let droppedBytes = 0;
  for (const e of entries) {
    if (count <= maxFiles && total <= maxBytes) break;
    try {
      unlinkSync(e.path);
    } catch {
      // Sent meanwhile.
    }
    count--;
    total -= e.bytes;
    dropped++;
    droppedBytes += e.bytes;
  }
  return { dropped, droppedBytes };
}
