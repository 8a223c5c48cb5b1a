import { defaultConfigPath, loadConfig, otelHome } from "../config/config-file.js";
import { acquireFlushLock } from "../hook/flush-lock.js";
import { resolveDelivery } from "./resolve-delivery.js";
import { listOutbox } from "./outbox.js";
import type { ExportTarget } from "../config/export-target.js";

export type DrainResult =
  | { readonly kind: "empty" | "sent" | "elsewhere"; readonly sent: number }
  /** Requests for our own destination are still queued: exporting now would put newer metric windows ahead of them. */
  | { readonly kind: "blocked"; readonly remaining: number; readonly error: string };

/**
 * Before `replay` or `watch` export, the hooks' outbox goes first. Its metric batches were
 * stamped earlier by the same clock; the collector's delta_to_cumulative drops a window older
 * than one it already has, so sending ours ahead of them would lose those points.
 */
export async function drainOutboxFirst(target: ExportTarget, env: NodeJS.ProcessEnv): Promise<DrainResult> {
  const home = otelHome(env);
  if (listOutbox(home).length === 0) return { kind: "empty", sent: 0 };
  const delivery = resolveDelivery(env, loadConfig(defaultConfigPath(env)).raw);
  if (delivery.kind !== "otlp") return { kind: "elsewhere", sent: 0 };
  const sameMetrics = target.kind === "otlp" && delivery.url.metrics === target.metricsUrlShown;
  // A running flusher is already sending them, in order; it holds the single-writer lock.
  const lock = acquireFlushLock(home);
  if (lock === undefined) {
    return sameMetrics ? { kind: "blocked", remaining: listOutbox(home).length, error: "a hook flusher is sending queued requests" } : { kind: "elsewhere", sent: 0 };
  }
  try {
    // Loaded only with something to send: node:http and node:https cost a replay with nothing new ~10 ms.
    const { sendOutbox } = await import("./send-outbox.js");
    const result = await sendOutbox(home, delivery, { onProgress: () => lock.touch() });
    if (result.error !== undefined && sameMetrics) return { kind: "blocked", remaining: result.remaining, error: result.error };
    return { kind: result.error === undefined ? "sent" : "elsewhere", sent: result.sent };
  } finally {
    lock.release();
  }
}
