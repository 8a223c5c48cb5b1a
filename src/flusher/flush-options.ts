/** What a flush is asked to do, and what it reports. */
import type { LoadedConfig } from "../config/config-file.js";
import type { DeliveryFailure } from "../delivery/send-outbox.js";
import type { HookLog } from "../hook/hook-log.js";

export interface FlushOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly log: HookLog;
  /** The config file as the caller already loaded it (its errors are logged here); read from disk when absent. */
  readonly config?: LoadedConfig;
  /** Wait this long for another flusher, or for a replay or watch pass on the same destination. */
  readonly lockWaitMs?: number;
  readonly transcriptWaitMs?: number;
  readonly sendBudgetMs?: number;
  readonly now?: () => number;
  /** Stay warm for more triggers (the spawned flusher); absent: one drain, then exit. */
  readonly linger?: LingerPolicy;
}

export interface FlushReport {
  /** Another flusher (or a replay/watch pass on this destination) held the lock: it does the work. */
  readonly busy: boolean;
  readonly sessions: number;
  readonly spans: number;
  readonly points: number;
  readonly queued: number;
  readonly sent: number;
  readonly rejected: number;
  readonly remaining: number;
  readonly dropped: number;
  readonly destination: string;
  /** The first processing error, for the exit code and message. */
  readonly error: string | undefined;
  /** Why delivery stopped, if it did (auth and endpoint failures need a person). */
  readonly failure: DeliveryFailure | undefined;
}

/** Lingering (spawned flushers only): stay warm for more triggers, within the process's limits. */
export interface LingerPolicy {
  /** Wait this long for more work after the last cycle. */
  readonly idleMs: number;
  /** No cycle starts after this time (ms since epoch): a fresh flusher takes over. */
  readonly lastCycleStartMs: number;
  /** Every network wait ends before this (ms since epoch): the process's hard limit comes after it. */
  readonly hardDeadlineMs: number;
  /**
   * A successor flusher, for triggers this process may not take: `claim` (a hook's spawn token,
   * taken while the lock is still held, so no hook starts one meanwhile), then `start`.
   */
  readonly successor: { readonly claim: () => boolean; readonly start: () => void };
}
