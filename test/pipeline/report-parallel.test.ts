import { cpSync, mkdtempSync, readdirSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createPricer } from "../../src/cost/price-request.js";
import { ReportCache } from "../../src/pipeline/report-cache.js";
import type { DigestScanResult } from "../../src/pipeline/scan-digests.js";
import { scanDigests } from "../../src/pipeline/scan-digests.js";
import { ReportBuilder } from "../../src/report/report-data.js";
import type { ReportData } from "../../src/report/report-data.js";
import { FIXTURES_DIR } from "../support/recorded-fixtures.js";

/**
 * Every recorded release's sessions (24 with activity; 42 transcript files with the subagents') in
 * one private projects folder; with `models`, the cost corpus too (models the library lacks or misprices).
 */
function projects(models = false): string {
  const dir = join(mkdtempSync(join(tmpdir(), "cco-report-parallel-")), "projects");
  for (const release of readdirSync(FIXTURES_DIR).filter((n) => n.startsWith("claude-code-") || (models && n.startsWith("models-")))) {
    cpSync(join(FIXTURES_DIR, release, "projects"), join(dir, release), { recursive: true });
  }
  return dir;
}

/** What `report` reads in parallel with: our own prices only, none learned from the ledgers read before (report-command.ts). */
const COMPUTED = { overrides: [], mode: "computed" as const };
const filter = { timeZone: "UTC" };

/** The report's data from scanDigests with `workers` worker threads beside this one (0: this thread alone). */
async function reportOf(dir: string, workers: number, cache?: ReportCache): Promise<{ data: ReportData; scan: DigestScanResult; order: string[] }> {
  const builder = new ReportBuilder("UTC");
  const order: string[] = [];
  const scan = await scanDigests(
    dir,
    filter,
    createPricer(COMPUTED),
    cache,
    (d) => {
      order.push(d.summary.sessionId);
      builder.addDigest(d);
    },
    { workers, prices: COMPUTED, minBytes: 0 },
  );
  const data = builder.finish({ ...scan.stats, files: scan.files, skippedFiles: scan.skippedFiles, unreadable: scan.unreadable, cachedSessions: scan.cachedSessions });
  return { data, scan, order };
}

describe("report with worker threads: the same report as one thread, to the last bit", () => {
  it("one and two worker threads beside this one fold every session in discovery order, with the same sums", async () => {
    const dir = projects();
    const alone = await reportOf(dir, 0);
    expect(alone.data.totals.sessions).toBe(24);
    expect(alone.scan.files).toBe(42);
    for (const workers of [1, 2]) {
      const side = await reportOf(dir, workers);
      expect(side.order).toEqual(alone.order);
      // toStrictEqual compares numbers with Object.is: costs and ratios are the same doubles.
      expect(side.data).toStrictEqual(alone.data);
      expect(JSON.stringify(side.data)).toBe(JSON.stringify(alone.data));
    }
  });

  it("the cost corpus (models the price library lacks or misprices) too", async () => {
    const dir = projects(true);
    const alone = await reportOf(dir, 0);
    expect(alone.data.totals.sessions).toBeGreaterThan(24);
    const side = await reportOf(dir, 2);
    expect(side.order).toEqual(alone.order);
    expect(side.data).toStrictEqual(alone.data);
  });

  it("with a warm report cache and some sessions changed, workers read only the changed ones and the report is unchanged", async () => {
    const dir = projects();
    const home = mkdtempSync(join(tmpdir(), "cco-report-parallel-home-"));
    const key = "test";
    const path = join(home, "report.jsonl");
    const first = ReportCache.open(path, key);
    const alone = await reportOf(dir, 0, first);
    expect(first.save()).toBeUndefined();
    // Three session files touched: their sessions are read again, the others come from the cache.
    const release = join(dir, "claude-code-2.1.330");
    const touched = readdirSync(release, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith(".jsonl") && !e.name.startsWith("agent-") && !e.parentPath.endsWith("subagents"))
      .slice(0, 3);
    expect(touched).toHaveLength(3);
    const later = new Date(Date.now() + 60_000);
    for (const e of touched) utimesSync(join(e.parentPath, e.name), later, later);
    const side = await reportOf(dir, 2, ReportCache.open(path, key));
    expect(side.scan.cachedSessions).toBe(24 - 3);
    expect(side.order).toEqual(alone.order);
    const withoutCached = (d: ReportData): unknown => {
      const { cachedSessions: _, ...parse } = d.parse;
      return { ...d, parse };
    };
    expect(side.data.parse.cachedSessions).toBe(21);
    expect(withoutCached(side.data)).toStrictEqual(withoutCached(alone.data));
  });
});
