import { availableParallelism } from "node:os";
import { otelHome } from "../config/config-file.js";
import { priceLibraryVersion } from "../cost/price-request.js";
import { scanDigests } from "../pipeline/scan-digests.js";
import { ReportCache, reportCachePath } from "../pipeline/report-cache.js";
import { codeStamp, packageVersion } from "../util/package-version.js";
import { ReportBuilder } from "../report/report-data.js";
import { renderReport } from "../report/render-report.js";
import { makeStyle } from "../report/table.js";
import { oneLine } from "../util/terminal-safe.js";
import { SOURCE_OPTIONS, boolOpt, numberOpt, parseOptions } from "./args.js";
import type { CliIO } from "./output.js";
import { EXIT } from "./output.js";
import { resolveSourceOptions } from "./source-options.js";

export const REPORT_HELP = `Usage: claude-code-otel report [options]

A dashboard of your Claude Code sessions: cost, tokens, tools, failures, compactions.

Options:
  --json                 print the report as JSON
  --daily                add a per-day summary
  --since <YYYY-MM-DD>   only sessions active on or after this day
  --until <YYYY-MM-DD>   only sessions active on or before this day
  --project <name>       only this project (cwd name or projects folder)
  --session <id>         only this session (id or unique prefix)
  --projects-dir <dir>   transcripts folder (default: $CLAUDE_CONFIG_DIR/projects or ~/.claude/projects)
  --timezone <tz>        time zone for days and times (default: TZ or the system's)
  --config <file>        config file with price overrides (default: ~/.claude/otel/config.json)
  --cost-source <s>      auto (default): Claude Code's ledger, but your own prices for models you priced;
                         ledger: the ledger wherever there is one; computed: the price library and
                         your prices only; both: auto, with the computed cost beside it
  --no-cache             read every transcript, neither using nor updating the report cache
                         (per session, what the report takes from it, reused while the session's
                         files are unchanged; in $CLAUDE_CODE_OTEL_HOME/cache, else
                         $CLAUDE_CONFIG_DIR/otel/cache, else ~/.claude/otel/cache; --verbose
                         prints the file; where it cannot be written, the cache is off)
  --jobs <n>             with --cost-source computed: threads reading transcripts side by
                         side, 1 to 8 (default: one per core, up to 4; each worker thread adds
                         ~30 MB of memory); otherwise one thread reads (prices learned from one
                         session's ledger apply to the next, in order)
  -v, --verbose          line statistics: parsed, skipped, invalid, unknown types
`;

/** Each worker thread holds its own heap and modules (~20–30 MB): a bound on what --jobs may ask. */
const MAX_JOBS = 8;
const AUTO_JOBS = 4;

export async function reportCommand(argv: string[], io: CliIO): Promise<number> {
  const p = parseOptions(argv, {
    ...SOURCE_OPTIONS,
    json: { type: "boolean" },
    daily: { type: "boolean" },
    "no-cache": { type: "boolean" },
    jobs: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (boolOpt(p, "help")) {
    io.out(REPORT_HELP);
    return EXIT.ok;
  }
  // Threads reading side by side: --jobs, else one per core (up to AUTO_JOBS).
  const jobs = numberOpt(p, "jobs", { min: 1, max: MAX_JOBS, integer: true }) ?? Math.min(availableParallelism(), AUTO_JOBS);
  const source = await resolveSourceOptions(p, io, { lazyPrices: true });
  const builder = new ReportBuilder(source.timeZone);
  const cachePath = reportCachePath(otelHome(io.env), source.projectsDir);
  const cache = boolOpt(p, "no-cache")
    ? undefined
    : ReportCache.open(
        cachePath,
        `${packageVersion()} ${codeStamp()}|genai-prices ${priceLibraryVersion()}|${JSON.stringify(source.prices.overrides)}|cost ${source.prices.mode ?? "auto"}`,
      );
  if (cache !== undefined && source.verbose) io.err(`claude-code-otel: report cache: ${oneLine(cachePath)}\n`);
  if (cache?.discarded !== undefined && source.verbose) io.err(`claude-code-otel: report cache ${cache.discarded}: rebuilding it\n`);
  // Worker threads only where a session's price cannot depend on the sessions read before it:
  // otherwise the pricer learns rates from each session's ledger for the next ones, in read order.
  const parallel = source.prices.mode === "computed" ? { workers: jobs - 1, prices: source.prices } : undefined;
  const scan = await scanDigests(source.projectsDir, source.filter, source.pricer, cache, (digest) => builder.addDigest(digest), parallel);
  const cacheError = cache?.save();
  if (cacheError !== undefined) io.err(`claude-code-otel: report cache off: ${oneLine(cacheError)} (the report is complete; --no-cache skips the cache and this line)\n`);
  const data = builder.finish({ ...scan.stats, files: scan.files, skippedFiles: scan.skippedFiles, unreadable: scan.unreadable, cachedSessions: scan.cachedSessions });
  for (const u of scan.unreadable) io.err(`claude-code-otel: warning: cannot read ${oneLine(u.path)}: ${u.reason}\n`);
  for (const w of data.warnings) io.err(`claude-code-otel: warning: ${oneLine(w)}\n`);
  if (boolOpt(p, "json")) {
    io.out(JSON.stringify(data, null, 2) + "\n");
  } else if (data.sessions.length === 0) {
    io.err(
      `claude-code-otel: no Claude Code sessions found in ${oneLine(source.projectsDir)}${source.filter.session || source.filter.project || source.filter.since || source.filter.until ? " matching the filters" : ""}\n`,
    );
  } else {
    io.out(renderReport(data, { style: makeStyle(io.color), timeZone: source.timeZone, daily: boolOpt(p, "daily"), verbose: source.verbose, width: io.columns }));
  }
  return data.sessions.length === 0 ? EXIT.noInput : EXIT.ok;
}
