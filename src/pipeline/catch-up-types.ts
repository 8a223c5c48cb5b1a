/** What a catch-up (catch-up.ts) works with, and what it reports per session. */
import type { PlanOptions } from "../mapping/plan-export.js";
import type { Pricer } from "../model/pricer.js";
import type { Session } from "../model/types.js";
import type { TelemetrySink } from "../delivery/sink.js";
import type { IndexEntry } from "../state/replay-index.js";
import type { LockOptions } from "../util/file-lock.js";
import type { ExportSessionResult } from "./export-session.js";
import type { SessionFilter } from "./session-filter.js";

export interface CatchUpContext {
  /** The destination's ledgers, replay index and metric clock. */
  readonly stateDir: string;
  /** The state folder every destination shares: measured tool durations, SessionEnd times. */
  readonly factsDir: string;
  readonly pricer: Pricer;
  readonly filter: SessionFilter;
  readonly sink: TelemetrySink;
  /** A session idle this long (by its own timestamps) is over. */
  readonly idleMs: number;
  readonly plan: Omit<PlanOptions, "final">;
  readonly full?: boolean;
  readonly dryRun?: boolean;
  /** False for the console: print every complete unit, record nothing. */
  readonly record?: boolean;
  readonly now?: () => number;
  readonly lock?: LockOptions;
  /** Aborted: read no further session (catchUpSessions drops its planned batch uncommitted). */
  readonly signal?: AbortSignal;
}

export type NotExported =
  | { readonly kind: "unchanged"; readonly files: number; readonly warnings: string[] }
  | { readonly kind: "filtered"; readonly sessionId: string; readonly files: number; readonly bytes: number; readonly warnings: string[] }
  /** `readAll`: every file was read, so they hold no activity (not a file that could not be read this time). */
  | { readonly kind: "empty"; readonly sessionId: string; readonly files: number; readonly bytes: number; readonly warnings: string[]; readonly readAll: boolean };

export type CatchUpOutcome =
  | NotExported
  | {
      readonly kind: "exported";
      readonly session: Session;
      readonly result: ExportSessionResult;
      readonly finished: boolean;
      readonly files: number;
      readonly bytes: number;
      readonly warnings: string[];
    };

/**
 * What a replay did with one session: skipped as unchanged, empty, filtered out, or exported (its
 * counts). As CatchUpOutcome, without the session model (a batch must not keep models alive).
 */
export type BatchedOutcome =
  | NotExported
  | {
      readonly kind: "exported";
      readonly sessionId: string;
      readonly project: string;
      readonly result: ExportSessionResult;
      readonly finished: boolean;
      readonly files: number;
      readonly bytes: number;
      readonly warnings: string[];
      /** The replay index's entry for the state file just saved (none if it was not saved). */
      readonly index?: IndexEntry;
    };
