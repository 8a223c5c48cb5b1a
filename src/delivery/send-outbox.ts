/**
 * Sends a destination's outbox in order, each request byte for byte as written, and deletes it
 * once the destination took it. Stops at the first request that cannot go now (the rest keep
 * their order: metric windows must arrive in sequence) or at a pending entry (its units are not
 * recorded yet). A request too large for the destination is split in two in place; one it will
 * never take is set aside in `rejected/`; refused credentials or a wrong URL stop everything and
 * say so, with nothing dropped.
 */
import { readdirSync, renameSync, unlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { readJsonFileSync, writeJsonAtomicSync } from "../state/atomic-file.js";
import { ensureRealDir } from "../util/private-tree.js";
import { countOtlpItems, splitOtlpRequest } from "./otlp-split.js";
import type { OtlpEncoding, OtlpSignal } from "../sdk/otlp-serialize.js";
import { listOutbox, readEntry, removeEntry, splitEntry } from "./outbox.js";
import type { PostResult } from "./otlp-post.js";

/** How a destination receives one request. */
export interface Transport {
  readonly label: string;
  send(signal: OtlpSignal, encoding: OtlpEncoding, body: Uint8Array): Promise<PostResult>;
}

export type FailureKind = "auth" | "endpoint" | "unreachable" | "budget";

export interface DeliveryFailure {
  readonly kind: FailureKind;
  readonly message: string;
}

export interface SendResult {
  readonly sent: number;
  readonly split: number;
  readonly rejected: number;
  /** Entries still in the outbox. */
  readonly remaining: number;
  /** Why sending stopped before the end, unless it only met an entry not yet recorded. */
  readonly failure: DeliveryFailure | undefined;
}

export interface SendOptions {
  /** The whole pass spends at most this long. */
  readonly budgetMs: number;
  readonly onRejected?: (name: string, error: string) => void;
  /** Between requests (keeps a lock fresh). */
  readonly onProgress?: () => void;
  readonly now?: () => number;
}

/** Rejected requests kept for inspection, newest first. */
const REJECTED_KEPT = 20;

function setAside(path: string, name: string): void {
  const dir = join(dirname(path), "..", "rejected");
  try {
    // A real folder of ours: old entries are deleted there, never in a folder a planted link points at.
    ensureRealDir(dir);
    renameSync(path, join(dir, `${Date.now()}-${name}`));
    const kept = readdirSync(dir).sort();
    for (const old of kept.slice(0, Math.max(0, kept.length - REJECTED_KEPT))) unlinkSync(join(dir, old));
  } catch {
    try {
      unlinkSync(path);
    } catch {
      // Gone already.
    }
  }
}

/** What went wrong, as the destination's state records it for `doctor` and the next command. */
export interface DeliveryStatus {
  readonly lastAttemptMs: number;
  readonly lastSuccessMs: number | undefined;
  readonly failure: (DeliveryFailure & { readonly atMs: number }) | undefined;
}

export function statusPath(outboxDir: string): string {
  return join(dirname(outboxDir), "status.json");
}

/** Has this destination ever accepted a request (in this pass, or as its status records)? */
function acceptedBefore(dir: string, lastOk: number | undefined): boolean {
  return lastOk !== undefined || readStatus(dir)?.lastSuccessMs !== undefined;
}

function failureOf(result: Exclude<PostResult, { kind: "ok" | "too-large" | "rejected" }>): DeliveryFailure {
  if (result.kind === "auth") return { kind: "auth", message: result.error };
  if (result.kind === "endpoint") return { kind: "endpoint", message: result.error };
  return { kind: "unreachable", message: result.error };
}

export async function sendOutbox(dir: string, transport: Transport, options: SendOptions): Promise<SendResult> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.budgetMs;
  let sent = 0;
  let split = 0;
  let rejected = 0;
  let failure: DeliveryFailure | undefined;
  let attempted = false;
  let lastOk: number | undefined;
  outer: for (;;) {
    const entries = listOutbox(dir);
    for (const entry of entries) {
      if (!entry.ready) break outer;
      if (now() >= deadline) {
        failure = { kind: "budget", message: `stopped after ${options.budgetMs} ms; the rest goes next time` };
        break outer;
      }
      let header, body;
      try {
        ({ header, body } = readEntry(entry));
      } catch {
        // Unreadable (a torn file from a crash in an older version): it can never be sent.
        setAside(entry.path, entry.name);
        rejected++;
        options.onRejected?.(entry.name, "unreadable outbox entry");
        continue;
      }
      attempted = true;
      const result = await transport.send(header.signal, header.encoding, body);
      options.onProgress?.();
      if (result.kind === "ok") {
        removeEntry(entry);
        sent++;
        lastOk = now();
        continue;
      }
      if (result.kind === "too-large") {
        const halves = splitOtlpRequest(body, header.signal, header.encoding);
        if (halves === undefined) {
          setAside(entry.path, entry.name);
          rejected++;
          options.onRejected?.(entry.name, `HTTP 413 for a request of one ${header.signal === "traces" ? "span" : "data point"}`);
          continue;
        }
        splitEntry(entry, header, [
          [halves[0], countOtlpItems(halves[0], header.signal, header.encoding)],
          [halves[1], countOtlpItems(halves[1], header.signal, header.encoding)],
        ]);
        split++;
        continue outer;
      }
      if (result.kind === "rejected" && !acceptedBefore(dir, lastOk)) {
        // A destination that never took anything and refuses this: most likely no OTLP receiver
        // (a wrong URL), not a bad request. Keep everything rather than set the history aside.
        failure = { kind: "endpoint", message: `${result.error}: it has accepted nothing yet; is this an OTLP/HTTP receiver?` };
        break outer;
      }
      if (result.kind === "rejected") {
        setAside(entry.path, entry.name);
        rejected++;
        options.onRejected?.(entry.name, result.error);
        continue;
      }
      failure = failureOf(result);
      break outer;
    }
    break;
  }
  const remaining = listOutbox(dir).length;
  if (attempted) recordStatus(dir, now(), lastOk, failure);
  return { sent, split, rejected, remaining, failure };
}

function recordStatus(dir: string, atMs: number, lastOk: number | undefined, failure: DeliveryFailure | undefined): void {
  let previous: DeliveryStatus | undefined;
  try {
    previous = readStatus(dir);
  } catch {
    previous = undefined;
  }
  const status: DeliveryStatus = {
    lastAttemptMs: atMs,
    lastSuccessMs: lastOk ?? previous?.lastSuccessMs,
    failure: failure !== undefined && failure.kind !== "budget" ? { ...failure, atMs } : undefined,
  };
  try {
    writeJsonAtomicSync(statusPath(dir), status);
  } catch {
    // A status that cannot be written (a full disk) only costs doctor its detail.
  }
}

function isStatus(v: unknown): v is DeliveryStatus {
  return typeof v === "object" && v !== null && typeof (v as DeliveryStatus).lastAttemptMs === "number";
}

/** The destination's delivery status as the last send recorded it (outboxDir: its outbox). */
export function readStatus(outboxDir: string): DeliveryStatus | undefined {
  const r = readJsonFileSync(statusPath(outboxDir), isStatus);
  return r.kind === "ok" ? r.value : undefined;
}
