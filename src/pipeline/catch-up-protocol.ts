import type { Attributes } from "@opentelemetry/api";
import type { PriceConfig } from "../config/price-overrides.js";
import type { OtlpEncoding, OtlpSignal } from "../sdk/otlp-serialize.js";
import type { SessionSource } from "../transcript/discover.js";
import type { BatchedOutcome, CatchUpContext } from "./catch-up.js";

/**
 * What a catch-up worker (catch-up-worker.ts) is given: plain data only (it crosses a thread), from
 * which it builds its own pricer and the writer of the destination's outbox (the main thread,
 * holding the destination's pass, sends what the workers write).
 */
export interface WorkerSettings extends Pick<CatchUpContext, "stateDir" | "factsDir" | "filter" | "idleMs" | "plan" | "full" | "dryRun"> {
  /** The destination's outbox folder, the encodings it holds, its label, and the resource its requests carry. */
  readonly outbox: {
    readonly dir: string;
    readonly encoding: Readonly<Record<OtlpSignal, OtlpEncoding>>;
    readonly label: string;
    readonly resource: Readonly<Attributes>;
  };
  readonly prices: PriceConfig;
}

export interface WorkerData {
  readonly settings: WorkerSettings;
}

/** Worker → main. */
export type WorkerMessage =
  /** Its sessions are running out: the next chunk, please (answered with "sessions" or "end"). */
  | { readonly type: "more" }
  | { readonly type: "outcome"; readonly outcome: BatchedOutcome }
  | { readonly type: "done"; readonly failure: string | undefined }
  | { readonly type: "error"; readonly message: string; readonly code: string | undefined; readonly lockBusy: boolean };

/**
 * Main → worker: sessions to catch up; no more sessions will come; or another worker failed, so read
 * no further session (the batch in flight is settled, the one being planned is dropped).
 */
export type MainMessage = { readonly type: "sessions"; readonly sources: readonly SessionSource[] } | { readonly type: "end" } | { readonly type: "stop" };
