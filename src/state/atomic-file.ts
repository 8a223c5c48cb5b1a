import { renameSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { open, rename, unlink } from "node:fs/promises";
import { readRegularFile, tempPathFor, writeFileAtomic } from "../util/private-fs.js";
import type { FileStat } from "./cursor.js";

export type ReadResult<T> = { readonly kind: "ok"; readonly value: T } | { readonly kind: "missing" } | { readonly kind: "corrupt"; readonly reason: string };

/*
 * State files are small JSON documents read and written with synchronous calls: each is a
 * handful of syscalls that cost microseconds inline, but a thread-pool round trip (and an idle
 * event loop) each when made through fs/promises; replay touches thousands of them. The
 * exception is a batch's commit (writeJsonAtomic): creating a file costs up to a millisecond on
 * ext4, so a batch's states are written on the thread pool while the next batch is read.
 *
 * Durability: writes are atomic (temp file + rename in the same directory) but NOT fsynced.
 * A crash of the process leaves the old or the new file, never a mix. A power failure or kernel
 * crash may lose the last writes, or (on some file systems) leave an empty or partial file; that
 * file fails to parse or to shape-check, is set aside as `.corrupt-<ms>` and rebuilt, with a
 * warning. A lost or rebuilt ledger means units are sent again (span ids are deterministic, so
 * backends that upsert see no change; metric counters count them twice), never that a unit is
 * silently lost. An fsync per state file would cost a disk flush per session for a guarantee
 * only a power failure needs (measured in docs/performance.md).
 */

/** A state file past this size is not one of ours: set aside as corrupt rather than read whole. */
export const MAX_STATE_FILE_BYTES = 256 * 1024 * 1024;

/**
 * Reads and shape-checks a JSON state file. A corrupt file is reported, never thrown; so is
 * anything but a regular file (a FIFO would block, a link to /dev/zero never end).
 */
export function readJsonFileSync<T>(path: string, check: (v: unknown) => v is T): ReadResult<T> {
  let text: string;
  try {
    text = readRegularFile(path, MAX_STATE_FILE_BYTES).text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    return { kind: "corrupt", reason: (error as Error).message };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: "corrupt", reason: `not JSON: ${(error as Error).message}` };
  }
  return check(value) ? { kind: "ok", value } : { kind: "corrupt", reason: "unexpected shape" };
}

/** Atomic and private (0600): readers see the old file or the new, never half of one. */
export function writeJsonAtomicSync(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value), 0o600);
}

/**
 * writeJsonAtomicSync on the thread pool (creating a file costs up to a millisecond here, and a
 * replay batch commits its sessions while its thread reads the next ones). Returns the file's
 * size, mtime and inode as written: taken from the temp file before the rename, which keeps all
 * three, so they are of this content whoever writes the path afterwards.
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<FileStat> {
  const tmp = tempPathFor(path);
  let file: FileHandle | undefined;
  try {
    file = await open(tmp, "wx", 0o600);
    await file.writeFile(JSON.stringify(value));
    const s = await file.stat();
    await file.close();
    file = undefined;
    await rename(tmp, path);
    return { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
  } catch (error) {
    await file?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

/** Keeps a corrupt file for inspection instead of silently overwriting it. */
export function setAsideSync(path: string): void {
  try {
    renameSync(path, `${path}.corrupt-${Date.now()}`);
  } catch {
    // Gone meanwhile.
  }
}
