import type { Pricer } from "../cost/price-request.js";
import { buildSession } from "../model/build-session.js";
import type { Session } from "../model/types.js";
import { dayOf } from "../report/report-data.js";
import type { SessionSource } from "../transcript/discover.js";
import { discoverSessionsSync } from "../transcript/discover.js";
import type { ParseStats } from "../transcript/line-types.js";
import { addParseStats, emptyParseStats } from "../transcript/line-types.js";
import { loadSessionSync } from "../transcript/load-session.js";
import { isEmptyInput } from "../model/session-input.js";

export interface SessionFilter {
  /** Exact session id, or a unique prefix of one. */
  readonly session?: string | undefined;
  /** Project name (the cwd's last segment) or part of the projects folder name. */
  readonly project?: string | undefined;
  /** Inclusive calendar days, YYYY-MM-DD, in `timeZone`. */
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly timeZone: string;
}

export interface ScanResult {
  readonly files: number;
  readonly sessions: number;
  readonly stats: ParseStats;
  readonly unreadable: { path: string; reason: string }[];
}

export function matchesSource(source: SessionSource, filter: SessionFilter): boolean {
  if (filter.session !== undefined && !source.sessionId.startsWith(filter.session)) return false;
  // A file last written before `since` cannot hold activity on or after it.
  if (filter.since !== undefined && source.mtimeMs > 0 && dayOf(source.mtimeMs, filter.timeZone) < filter.since) return false;
  return true;
}

/** What the project and day filters look at: a Session, or a cached report digest's figures. */
export type SessionPlace = Pick<Session, "project" | "projectDir" | "startTime" | "endTime">;

export function matchesSession(session: SessionPlace, filter: SessionFilter): boolean {
  if (filter.project !== undefined && session.project !== filter.project && !session.projectDir.includes(filter.project)) return false;
  if (filter.since !== undefined && dayOf(session.endTime, filter.timeZone) < filter.since) return false;
  if (filter.until !== undefined && dayOf(session.startTime, filter.timeZone) > filter.until) return false;
  return true;
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
  let sessions = 0;
  for (const source of discovery.sessions) {
    if (!matchesSource(source, filter)) continue;
    const loaded = loadSessionSync(source);
    files += (source.mainFile === undefined ? 0 : 1) + source.agentFiles.length;
    addParseStats(stats, loaded.stats);
    unreadable.push(...loaded.unreadable);
    if (isEmptyInput(loaded.input)) continue;
    const session = buildSession(loaded.input, pricer);
    if (!matchesSession(session, filter)) continue;
    sessions++;
    const done = onSession(session, source);
    if (done !== undefined) await done;
  }
  return { files, sessions, stats, unreadable };
}
