/**
 * A destination's outbox: serialized OTLP export requests waiting to be delivered, one file per
 * request in `<destination state>/outbox/`, sent strictly in sequence order. Every path that
 * delivers (hooks' flusher, replay, watch) writes here first; this is where "exactly once" holds.
 *
 * An entry is one immutable file: a header line (JSON: signal, encoding, item count, and the
 * units of work it carries per session) and the request body. Its life:
 *   `<seq>-<signal>.pending`  written (temp file, then linked under a fresh sequence number);
 *                             its units may not be in the session ledgers yet: never sent
 *   `<seq>-<signal>.req`      its units are in the ledgers: sendable, byte for byte, until the
 *                             destination accepts it (then deleted)
 * A pending entry left by a crash is completed by the next pass (fold-outbox.ts) before anything
 * else is planned, so a unit is never planned twice and never sent before it is recorded.
 *
 * Sequence numbers only grow while entries exist: a new entry takes one more than the highest in
 * the folder (link(2) fails on a number taken meanwhile: try the next). Metric entries take theirs
 * under the metric clock's lock, so their windows and their order agree.
 */
import { closeSync, linkSync, lstatSync, mkdirSync, readdirSync, readSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { OtlpEncoding, OtlpSignal } from "../sdk/otlp-serialize.js";
import { openRegularFile, readRegularBytes, tempPathFor, writeFileAtomic } from "../util/private-fs.js";

/** Unit keys per signal that an entry carries for one session. */
export interface CarriedUnits {
  readonly spans?: readonly string[];
  readonly metrics?: readonly string[];
}

export interface EntryHeader {
  readonly v: 1;
  readonly signal: OtlpSignal;
  readonly encoding: OtlpEncoding;
  /** Spans or data points in the body. */
  readonly items: number;
  /** Per session id. */
  readonly units: Readonly<Record<string, CarriedUnits>>;
  /** A half of a split request: it carries some of these units, which ones is not known. */
  readonly split?: true;
}

export interface OutboxEntry {
  readonly path: string;
  readonly name: string;
  /** `[seq]`, or `[seq, part, part...]` for the halves of a split request. */
  readonly seq: readonly number[];
  readonly signal: OtlpSignal;
  readonly ready: boolean;
  readonly bytes: number;
}

export const OUTBOX_DIR = "outbox";
export const MAX_OUTBOX_FILES = 10_000;
export const MAX_OUTBOX_BYTES = 50 * 1024 * 1024;

const NAME = /^(\d{12}(?:\.\d+)*)-(traces|metrics)\.(pending|req)$/;

export function outboxDir(destinationDir: string): string {
  return join(destinationDir, OUTBOX_DIR);
}

function compareSeq(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

function seqText(seq: readonly number[]): string {
  return [String(seq[0] ?? 0).padStart(12, "0"), ...seq.slice(1).map(String)].join(".");
}

/** The outbox's entries, oldest first; `[]` when there is none. */
export function listOutbox(dir: string): OutboxEntry[] {
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
    let bytes: number;
    try {
      // Not followed: only a regular file is an entry (a planted link or FIFO is no request of ours).
      const s = lstatSync(path);
      if (!s.isFile()) continue;
      bytes = s.size;
    } catch {
      continue; // Sent or dropped meanwhile.
    }
    out.push({ path, name, seq: (m[1] as string).split(".").map(Number), signal: m[2] as OtlpSignal, ready: m[3] === "req", bytes });
  }
  return out.sort((a, b) => compareSeq(a.seq, b.seq));
}

function encodeEntry(header: EntryHeader, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), body]);
}

/**
 * Writes a pending entry under the next free sequence number. Throws on I/O errors (a full disk),
 * leaving nothing behind.
 */
export function writePendingEntry(dir: string, header: EntryHeader, body: Uint8Array): OutboxEntry {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const content = encodeEntry(header, body);
  const tmp = tempPathFor(join(dir, `entry-${header.signal}`));
  writeFileSync(tmp, content, { mode: 0o600, flag: "wx" });
  try {
    for (let attempt = 0; ; attempt++) {
      const top = listOutbox(dir).at(-1)?.seq[0] ?? 0;
      const seq = [top + 1 + attempt];
      const name = `${seqText(seq)}-${header.signal}.pending`;
      const path = join(dir, name);
      try {
        linkSync(tmp, path);
        return { path, name, seq, signal: header.signal, ready: false, bytes: content.byteLength };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 1_000) throw error;
      }
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // Already gone.
    }
  }
}

/** Pending → sendable, once the entry's units are in the ledgers. */
export function markReady(entry: OutboxEntry): OutboxEntry {
  if (entry.ready) return entry;
  const name = entry.name.replace(/\.pending$/, ".req");
  const path = join(entry.path, "..", name);
  renameSync(entry.path, path);
  return { ...entry, name, path, ready: true };
}

/** Reads just the header line (folding pending entries needs no body). */
export function readEntryHeader(entry: OutboxEntry): EntryHeader {
  const { fd } = openRegularFile(entry.path, { noFollow: true });
  try {
    const chunks: Buffer[] = [];
    const buf = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const nl = buf.subarray(0, n).indexOf(10);
      if (nl >= 0) {
        chunks.push(Buffer.from(buf.subarray(0, nl)));
        break;
      }
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    return parseHeader(Buffer.concat(chunks), entry);
  } finally {
    closeSync(fd);
  }
}

function parseHeader(line: Buffer, entry: OutboxEntry): EntryHeader {
  const h = JSON.parse(line.toString("utf8")) as Partial<EntryHeader>;
  if (h.v !== 1 || (h.signal !== "traces" && h.signal !== "metrics") || (h.encoding !== "pb" && h.encoding !== "json") || typeof h.units !== "object" || h.units === null) {
    throw new Error(`outbox entry ${entry.name} has an unreadable header`);
  }
  return h as EntryHeader;
}

export function readEntry(entry: OutboxEntry): { header: EntryHeader; body: Buffer } {
  const content = readRegularBytes(entry.path, MAX_OUTBOX_BYTES, { noFollow: true }).bytes;
  const nl = content.indexOf(10);
  if (nl < 0) throw new Error(`outbox entry ${entry.name} has no header line`);
  return { header: parseHeader(content.subarray(0, nl), entry), body: content.subarray(nl + 1) };
}

export function removeEntry(entry: OutboxEntry): void {
  try {
    unlinkSync(entry.path);
  } catch {
    // Already gone.
  }
}

/**
 * Replaces a sendable entry by its two halves (same place in the order: `[seq, 1]`, `[seq, 2]`
 * sort right after `[seq]`), for a destination that refused its size. The halves are in place
 * before the original goes: after a crash between, the original is sent first, refused again and
 * split again into the same halves, so nothing is lost and nothing sent twice.
 */
export function splitEntry(entry: OutboxEntry, header: EntryHeader, halves: readonly (readonly [Uint8Array, number])[]): OutboxEntry[] {
  const dir = join(entry.path, "..");
  const parts = halves.map(([body, items], i) => {
    const seq = [...entry.seq, i + 1];
    const name = `${seqText(seq)}-${entry.signal}.req`;
    const content = encodeEntry({ ...header, split: true, items }, body);
    const path = join(dir, name);
    writeFileAtomic(path, content, 0o600);
    return { path, name, seq, signal: entry.signal, ready: true, bytes: content.byteLength } satisfies OutboxEntry;
  });
  removeEntry(entry);
  return parts;
}

/** Drops the oldest sendable entries beyond the bounds; returns them (their headers say which units never left). */
export function dropBeyondBounds(dir: string, maxFiles = MAX_OUTBOX_FILES, maxBytes = MAX_OUTBOX_BYTES): { entry: OutboxEntry; header: EntryHeader | undefined }[] {
  const entries = listOutbox(dir);
  let total = entries.reduce((n, e) => n + e.bytes, 0);
  let count = entries.length;
  const dropped: { entry: OutboxEntry; header: EntryHeader | undefined }[] = [];
  for (const e of entries) {
    if (count <= maxFiles && total <= maxBytes) break;
    if (!e.ready) continue;
    let header: EntryHeader | undefined;
    try {
      header = readEntryHeader(e);
    } catch {
      header = undefined;
    }
    removeEntry(e);
    count--;
    total -= e.bytes;
    dropped.push({ entry: e, header });
  }
  return dropped;
}
