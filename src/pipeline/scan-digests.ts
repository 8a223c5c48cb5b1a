import type { PriceConfig } from "../config/price-overrides.js";
import type { Pricer } from "../model/pricer.js";
import { preparePrices } from "../cost/price-request.js";
import type { SessionDigest } from "../report/session-digest.js";
import type { CachedSession, ReportCache } from "./report-cache.js";
import type { SessionSource } from "../transcript/discover.js";
import { discoverSessionsSync, fileCount } from "../transcript/discover.js";
import { addParseStats, emptyParseStats } from "../transcript/line-types.js";
import type { DigestRead } from "./report-workers.js";
import { readDigest, readInParallel } from "./report-workers.js";
import type { ScanResult } from "./scan-sessions.js";
import type { SessionFilter } from "./session-filter.js";
import { matchesSession, matchesSource } from "./session-filter.js";

export interface DigestScanResult extends ScanResult {
  /** Sessions served from the report cache, their files unread. */
  readonly cachedSessions: number;
}

/** Worker threads that may read beside this one, and the prices they price with (the pricer's config). */
export interface ParallelRead {
  readonly workers: number;
  readonly prices: PriceConfig;
  /**
   * Fewer bytes to read than this, and this thread reads alone: a worker's start (~0.1 s of CPU
   * for its modules, and ~20–30 MB) would cost more than it saves. 32 MB by default.
   */
  readonly minBytes?: number;
}

const PARALLEL_MIN_BYTES = 32e6;

/**
 * scanSessions for the report: each session as the digest the report folds, taken from the cache
 * when the session's files are unchanged since it was made, else read, modelled, priced and
 * remembered. A session with an unreadable file is never cached (its warning must repeat).
 * With `parallel`, the sessions to read are read by this thread and worker threads side by side,
 * and still folded in discovery order (report-workers.ts).
 */
export async function scanDigests(
  projectsDir: string,
  filter: SessionFilter,
  pricer: Pricer,
  cache: ReportCache | undefined,
  onDigest: (digest: SessionDigest) => void,
  parallel?: ParallelRead,
): Promise<DigestScanResult> {
  const discovery = discoverSessionsSync(projectsDir, { fingerprints: true });
  cache?.retainOnly(discovery.sessions);
  const stats = emptyParseStats();
  const unreadable = [...discovery.unreadable];
  let files = 0;
  let skippedFiles = 0;
  let sessions = 0;
  let cachedSessions = 0;
  const fold = (source: SessionSource, entry: CachedSession, cached: boolean): void => {
    files += fileCount(source);
    addParseStats(stats, entry.stats);
    const digest = entry.digest;
    if (digest === null) {
      skippedFiles += fileCount(source);
      return;
    }
    if (cached) cachedSessions++;
    if (!matchesSession({ project: digest.summary.project, projectDir: digest.summary.projectDir, startTime: digest.startTime, endTime: digest.endTime }, filter)) return;
    sessions++;
    onDigest(digest);
  };
  const matched = discovery.sessions.filter((source) => matchesSource(source, filter));
  const toRead: number[] = [];
  const fresh = matched.map((source, i) => cache?.isFresh(source) === true || (toRead.push(i), false));
  const reads: (DigestRead | undefined)[] = [];
  let next = 0;
  /** Folds, in order, every session from the next one on whose figures are at hand. */
  const foldReady = (): void => {
    for (; next < matched.length; next++) {
      const source = matched[next] as SessionSource;
      const entry = fresh[next] === true ? cache?.lookup(source) : undefined;
      if (entry !== undefined) {
        fold(source, entry, true);
        continue;
      }
      // Not in the cache, or its line there turned out broken: read (here, for a broken line).
      const read = reads[next] ?? (fresh[next] === true ? readDigest(source, pricer) : undefined);
      if (read === undefined) return;
      reads[next] = undefined;
      const made: CachedSession = { fingerprint: source.fingerprint, stats: read.stats, digest: read.digest };
      for (const u of read.unreadable) unreadable.push(u);
      if (read.unreadable.length === 0) cache?.remember(source, made);
      fold(source, made, false);
    }
  };
  if (toRead.length > 0) await preparePrices();
  const bytes = toRead.reduce((sum, i) => sum + (matched[i] as SessionSource).bytes, 0);
  if (parallel !== undefined && parallel.workers > 0 && bytes >= (parallel.minBytes ?? PARALLEL_MIN_BYTES)) {
    const sources = toRead.map((i) => matched[i] as SessionSource);
    await readInParallel(sources, parallel.workers, parallel.prices, pricer, (k, read) => {
      reads[toRead[k] as number] = read;
      foldReady();
    });
  } else {
    for (const i of toRead) {
      foldReady();
      reads[i] = readDigest(matched[i] as SessionSource, pricer);
    }
  }
  foldReady();
  return { files, skippedFiles, sessions, stats, unreadable, cachedSessions };
}
