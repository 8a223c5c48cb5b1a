import type { MessagePort } from "node:worker_threads";
import type { PriceConfig } from "../config/price-overrides.js";
import type { SessionDigest } from "../report/session-digest.js";
import type { SessionSource } from "../transcript/discover.js";
import type { ParseStats } from "../transcript/line-types.js";

/** What a report worker starts with. */
export interface ReportWorkerData {
  /** The sessions to read, in the order the report folds them. */
  readonly sources: readonly SessionSource[];
  /** One Int32 on a SharedArrayBuffer: the next index of `sources` to claim (Atomics.add). */
  readonly claims: SharedArrayBuffer;
  readonly prices: PriceConfig;
  /** Where the worker posts its ReportWorkerMessages: the main thread polls it while it reads. */
  readonly port: MessagePort;
}

/** One session read, at its index in `sources`; the run's end; or why the worker stopped. */
export type ReportWorkerMessage =
  | {
      readonly type: "read";
      readonly index: number;
      readonly stats: ParseStats;
      readonly digest: SessionDigest | null;
      readonly unreadable: { path: string; reason: string }[];
    }
  | { readonly type: "done" }
  | { readonly type: "error"; readonly message: string };
