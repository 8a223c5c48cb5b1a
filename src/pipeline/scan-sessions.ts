import type { Pricer } from "../model/pricer.js";
import { readSessionSync } from "../model/read-session.js";
import type { Session } from "../model/types.js";
import type { SessionSource } from "../transcript/discover.js";
import { discoverSessionsSync, fileCount } from "../transcript/discover.js";
import type { ParseStats } from "../transcript/line-types.js";
import { addParseStats, emptyParseStats } from "../transcript/line-types.js";
import type { SessionFilter } from "./session-filter.js";
import { matchesSession, matchesSource } from "./session-filter.js";

/** What `scanSessions` read: files, sessions handed out, parse counts, unreadable files. */
export interface ScanResult {
  readonly files: number;
  /** Of `files`, those of sessions with no activity (summary-only files, stray JSONL): skipped. */
  readonly skippedFiles: number;
  readonly sessions: number;
  readonly stats: ParseStats;
  readonly unreadable: { path: string; reason: string }[];
}

/**
 * Discovers, reads and models sessions one at a time, handing each to `onSession`:
 * memory stays bounded by the largest session, not by the history.
 */
export async function scanSessions(
  projectsDir: string,
  filter: SessionFilter,
  pricer: Pricer,
  onSession: (session: Session, source: SessionSource) => void | Promise<void>,
): Promise<ScanResult> {
  const discovery = discoverSessionsSync(projectsDir);
  const stats = emptyParseStats();
  const unreadable = [...discovery.unreadable];
  let files = 0;
  let skippedFiles = 0;
  let sessions = 0;
  for (const source of discovery.sessions) {
    if (!matchesSource(source, filter)) continue;
    const read = readSessionSync(source, pricer);
    files += fileCount(source);
    addParseStats(stats, read.stats);
    unreadable.push(...read.unreadable);
    const session = read.session;
    if (session === undefined) skippedFiles += fileCount(source);
    if (session === undefined || !matchesSession(session, filter)) continue;
    sessions++;
    const done = onSession(session, source);
    if (done !== undefined) await done;
  }
  return { files, skippedFiles, sessions, stats, unreadable };
}
