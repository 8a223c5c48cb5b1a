import type { Session } from "../model/types.js";
import type { SessionSource } from "../transcript/discover.js";
import { dayOf } from "../util/day-of.js";

/** The --session, --project, --since and --until selection, shared by every command that reads sessions. */
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
