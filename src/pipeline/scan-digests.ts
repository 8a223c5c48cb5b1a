import type { Pricer } from "../model/pricer.js";
import { loadPriceLibrary } from "../cost/price-request.js";
import type { SessionDigest } from "../report/session-digest.js";
import { digestSession } from "../report/session-digest.js";
import type { CachedSession, ReportCache } from "./report-cache.js";
import { discoverSessionsSync, fileCount } from "../transcript/discover.js";
import { addParseStats, emptyParseStats } from "../transcript/line-types.js";
import type { ScanResult } from "./scan-sessions.js";
import { readSessionSync } from "../model/read-session.js";
import type { SessionFilter } from "./session-filter.js";
import { matchesSession, matchesSource } from "./session-filter.js";

export interface DigestScanResult extends ScanResult {
  /** Sessions served from the report cache, their files unread. */
  readonly cachedSessions: number;
}

/**
 * scanSessions for the report: each session as the digest the report folds, taken from the cache
 * when the session's files are unchanged since it was made, else read, modelled, priced and
 * remembered. A session with an unreadable file is never cached (its warning must repeat).
 */
export async function scanDigests(
  projectsDir: string,
  filter: SessionFilter,
  pricer: Pricer,
  cache: ReportCache | undefined,
  onDigest: (digest: SessionDigest) => void,
): Promise<DigestScanResult> {
  const discovery = discoverSessionsSync(projectsDir, { fingerprints: true });
  cache?.retainOnly(discovery.sessions);
  const stats = emptyParseStats();
  const unreadable = [...discovery.unreadable];
  let files = 0;
  let skippedFiles = 0;
  let sessions = 0;
  let cachedSessions = 0;
  for (const source of discovery.sessions) {
    if (!matchesSource(source, filter)) continue;
    let entry: CachedSession | undefined = cache?.lookup(source);
    const cached = entry !== undefined;
    if (entry === undefined) {
      await loadPriceLibrary();
      const read = readSessionSync(source, pricer);
      entry = { fingerprint: source.fingerprint, stats: read.stats, digest: read.session === undefined ? null : digestSession(read.session) };
      unreadable.push(...read.unreadable);
      if (read.unreadable.length === 0) cache?.remember(source, entry);
    }
    files += fileCount(source);
    addParseStats(stats, entry.stats);
    const digest = entry.digest;
    if (digest === null) {
      skippedFiles += fileCount(source);
      continue;
    }
    if (cached) cachedSessions++;
    if (!matchesSession({ project: digest.summary.project, projectDir: digest.summary.projectDir, startTime: digest.startTime, endTime: digest.endTime }, filter)) continue;
    sessions++;
    onDigest(digest);
  }
  return { files, skippedFiles, sessions, stats, unreadable, cachedSessions };
}
