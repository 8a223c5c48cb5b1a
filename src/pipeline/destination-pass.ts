/**
 * A pass over one destination: the only way anything is planned for it, written to its outbox
 * or sent to it. The pass holds the destination's lock (one process at a time: the hooks'
 * flusher, a replay, a watch pass), first records what a crash or a full disk left pending
 * (fold-outbox.ts), then lets its holder plan and write (through `sink`), bound and send.
 */
import type { Attributes } from "@opentelemetry/api";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { sessionsDir } from "../config/state-dir.js";
import type { Destination } from "../delivery/destination.js";
import { destinationDir } from "../delivery/destination.js";
import { dropBeyondBounds, listOutbox, outboxDir } from "../delivery/outbox.js";
import type { OutboxSink } from "../delivery/outbox-sink.js";
import { createOutboxSink } from "../delivery/outbox-sink.js";
import type { SendResult } from "../delivery/send-outbox.js";
import { sendOutbox } from "../delivery/send-outbox.js";
import { encodingsOf, transportFor } from "../delivery/transports.js";
import type { HeldLock } from "../util/file-lock.js";
import { acquireLock } from "../util/file-lock.js";
import { readJsonFileSync, writeJsonAtomicSync } from "../state/atomic-file.js";
import { UnsafeFileError } from "../util/private-fs.js";
import { ensureRealDir, realDirProblem } from "../util/private-tree.js";
import { foldPendingEntries, unrecordDropped } from "./fold-outbox.js";

/** A pass that stops moving for this long is presumed dead and its lock taken over. */
const PASS_STALE_MS = 5 * 60_000;

export interface DestinationPass {
  readonly destination: Destination;
  /** The destination's state: ledgers, replay index, metric clock (the `stateDir` of the catch-up). */
  readonly ledgerDir: string;
  readonly outbox: string;
  /** Writes planned batches into the outbox (pending until their ledgers are saved). */
  readonly sink: OutboxSink;
  /** Entries recorded on opening that a crash or a full disk had left pending. */
  readonly recovered: number;
  /** Drops the oldest requests beyond the outbox's bounds; their units are planned again later. */
  bound(): Promise<{ dropped: number; droppedBytes: number; lost: number }>;
  /** Sends what is ready, in order, within `budgetMs`. */
  send(options: { readonly budgetMs: number; readonly onRejected?: (name: string, error: string) => void }): Promise<SendResult>;
  /** Requests in the outbox now. */
  queued(): number;
  /** Keeps the lock fresh during long work. */
  touch(): void;
  release(): void;
}

export interface PassOptions {
  /** The attributes of the resource its requests carry. */
  readonly resource: Readonly<Attributes>;
  /** How long to wait for another process's pass on the same destination (LockBusyError after). */
  readonly waitMs: number;
}

/**
 * Opens a pass: the destination's lock, then pending entries recorded. Throws LockBusyError,
 * UnsafeFileError when one of its folders is not a real folder of ours, or when a ledger cannot be written.
 */
export async function openDestinationPass(stateDir: string, destination: Destination, options: PassOptions): Promise<DestinationPass> {
  const ledgerDir = destinationDir(stateDir, destination);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  // Every folder below the state folder is a real one of ours: a link planted in place of one
  // would send the ledgers and requests elsewhere, and the pruning of old ones with them.
  for (const dir of [join(stateDir, "destinations"), ledgerDir, sessionsDir(ledgerDir), outboxDir(ledgerDir)]) ensureRealDir(dir);
  const rejected = realDirProblem(join(ledgerDir, "rejected"));
  if (rejected !== undefined) throw new UnsafeFileError("EUNSAFE", rejected);
  // What the folder is for, for people and for doctor (labels mask credentials).
  if (!existsSync(join(ledgerDir, "destination.json")))
    writeJsonAtomicSync(join(ledgerDir, "destination.json"), { key: destination.key, kind: destination.kind, label: destination.label });
  const lock: HeldLock = await acquireLock(join(ledgerDir, "pass.lock"), { waitMs: options.waitMs, staleMs: PASS_STALE_MS });
  let recovered: number;
  try {
    recovered = await foldPendingEntries(ledgerDir);
  } catch (error) {
    lock.release();
    throw error;
  }
  const outbox = outboxDir(ledgerDir);
  const transport = transportFor(destination);
  return {
    destination,
    ledgerDir,
    outbox,
    sink: createOutboxSink(outbox, encodingsOf(destination), options.resource, destination.label),
    recovered,
    async bound() {
      const dropped = dropBeyondBounds(outbox);
      if (dropped.length === 0) return { dropped: 0, droppedBytes: 0, lost: 0 };
      const lost = await unrecordDropped(
        ledgerDir,
        dropped.map((d) => d.header),
      );
      return { dropped: dropped.length, droppedBytes: dropped.reduce((n, d) => n + d.entry.bytes, 0), lost };
    },
    send: (o) => sendOutbox(outbox, transport, { budgetMs: o.budgetMs, onProgress: () => lock.touch(), ...(o.onRejected !== undefined ? { onRejected: o.onRejected } : {}) }),
    queued: () => listOutbox(outbox).length,
    touch: () => lock.touch(),
    release: () => lock.release(),
  };
}

export interface KnownDestination {
  readonly key: string;
  readonly kind: string;
  readonly label: string;
}

/** Every destination this state folder has state for (as its `destination.json` describes it). */
export function knownDestinations(stateDir: string): KnownDestination[] {
  let names: string[];
  try {
    names = readdirSync(join(stateDir, "destinations"));
  } catch {
    return [];
  }
  const isKnown = (v: unknown): v is KnownDestination => typeof v === "object" && v !== null && typeof (v as KnownDestination).label === "string";
  return names.flatMap((n) => {
    const r = readJsonFileSync(join(stateDir, "destinations", n, "destination.json"), isKnown);
    return r.kind === "ok" ? [r.value] : [];
  });
}
