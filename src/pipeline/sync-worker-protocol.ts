import type { PriceConfig } from "../cost/price-config.js";
import type { ExportTarget } from "../otel/export-config.js";
import type { SessionSource } from "../transcript/discover.js";
import type { BatchedOutcome, SyncContext } from "./sync-session.js";

/**
 * What a sync worker (sync-worker.ts) is given: plain data only (it crosses a thread), from
 * which it builds its own pricer and sink.
 */
export interface WorkerSettings extends Pick<SyncContext, "stateDir" | "filter" | "idleMs" | "plan" | "full" | "dryRun"> {
  readonly target: ExportTarget;
  readonly prices: PriceConfig;
}

export interface WorkerData {
  readonly sources: readonly SessionSource[];
  readonly settings: WorkerSettings;
}

/** Worker → main. */
export type WorkerMessage =
  | { readonly type: "outcome"; readonly outcome: BatchedOutcome }
  | { readonly type: "done"; readonly failure: string | undefined }
  | { readonly type: "error"; readonly message: string; readonly code: string | undefined; readonly lockBusy: boolean };

/** Main → worker: another shard failed; stop reading sessions. */
export interface StopMessage {
  readonly type: "stop";
}
