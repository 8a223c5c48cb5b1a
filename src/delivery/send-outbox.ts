/**
 * Sends the outbox in order: each request with a hard per-request deadline, the whole pass within
 * a total budget, deleting each file once the collector took it and stopping at the first
 * failure (order keeps metric windows contiguous; what stays is sent by the next flush).
 */
import { readFileSync, unlinkSync } from "node:fs";
import type { OtlpDelivery } from "./resolve-delivery.js";
import { listOutbox } from "./outbox.js";
import { postOtlp } from "./otlp-post.js";

/** Connect + upload + response of one request. */
export const REQUEST_TIMEOUT_MS = 2_000;
/** One flush pass never spends more than this on the network. */
export const SEND_BUDGET_MS = 10_000;

export interface SendResult {
  readonly sent: number;
  readonly rejected: number;
  readonly remaining: number;
  /** Why sending stopped early, if it did. */
  readonly error: string | undefined;
}

export interface SendOptions {
  readonly requestTimeoutMs?: number;
  readonly budgetMs?: number;
  readonly onRejected?: (name: string, error: string) => void;
  /** Called between requests (keeps the flush lock fresh). */
  readonly onProgress?: () => void;
}

export async function sendOutbox(stateHome: string, delivery: OtlpDelivery, options: SendOptions = {}): Promise<SendResult> {
  const requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const deadline = Date.now() + (options.budgetMs ?? SEND_BUDGET_MS);
  const entries = listOutbox(stateHome);
  let sent = 0;
  let rejected = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as (typeof entries)[number];
    const left = deadline - Date.now();
    if (left <= 0) return { sent, rejected, remaining: entries.length - i, error: `send budget of ${options.budgetMs ?? SEND_BUDGET_MS} ms used up` };
    let body: Buffer;
    try {
      body = readFileSync(entry.path);
    } catch {
      continue; // Dropped by the bounds meanwhile.
    }
    const result = await postOtlp(delivery.url[entry.signal], body, entry.encoding, delivery.headers[entry.signal], Math.min(requestTimeoutMs, left));
    options.onProgress?.();
    if (result.kind === "retry") return { sent, rejected, remaining: entries.length - i, error: `${entry.signal} to ${delivery.url[entry.signal]}: ${result.error}` };
    if (result.kind === "rejected") {
      rejected++;
      options.onRejected?.(entry.name, result.error);
    } else sent++;
    try {
      unlinkSync(entry.path);
    } catch {
      // Already gone.
    }
  }
  return { sent, rejected, remaining: 0, error: undefined };
}
