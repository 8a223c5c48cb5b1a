/**
 * One session from its files to the model: the step every reader of sessions shares (report's
 * scans, replay and watch, the hooks' flusher, cost alerts).
 */
import type { SessionSource } from "../transcript/discover.js";
import type { ParseStats } from "../transcript/line-types.js";
import { loadSessionSync } from "../transcript/load-session.js";
import { isEmptyInput } from "../transcript/session-input.js";
import { buildSession } from "./build-session.js";
import type { Pricer } from "./pricer.js";
import type { Session } from "./types.js";

export interface ReadSession {
  /** Undefined when the files hold no activity (a 0-byte or summary-only file): nothing to model. */
  readonly session: Session | undefined;
  readonly stats: ParseStats;
  readonly unreadable: { path: string; reason: string }[];
}

/** Reads a session's files (synchronously: they come from the page cache one at a time) and models it. */
export function readSessionSync(source: SessionSource, pricer: Pricer): ReadSession {
  const loaded = loadSessionSync(source);
  const session = isEmptyInput(loaded.input) ? undefined : buildSession(loaded.input, pricer);
  return { session, stats: loaded.stats, unreadable: loaded.unreadable };
}
