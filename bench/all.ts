/**
 * Every benchmark, one table: `report` against ccusage 20 (warm cache, no cache, first run, 1 %
 * changed), `replay` full and with nothing new against `report --no-cache`, the hooks against a
 * bare `node -e 0`, and live spans (PostToolUse to the receiver). Each figure says what it is
 * compared with; the header says the machine, its load and the corpus. Printed, not asserted.
 *
 *   npm run bench -- [--only report,replay,hooks,live] [--corpus <projects dir>] [--runs 5]
 *                    [--replay-runs 3] [--hook-runs 40] [--live-runs 1] [--no-build]
 *
 * Each part is its own script (bench/report.ts, replay.ts, hook-latency.ts, live-latency.ts),
 * run one after the other so they do not compete for the cores; their own output goes to
 * stderr, the table to stdout. The corpus (bench/make-corpus.ts, 400 MB) is built when absent.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../test/support/shared-fixtures.js";
import { corpusLine, loadLine, machineLine, median } from "./machine.js";

const PARTS = ["report", "replay", "hooks", "live"] as const;
type Part = (typeof PARTS)[number];

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    corpus: { type: "string" },
    runs: { type: "string", default: "5" },
    "replay-runs": { type: "string", default: "3" },
    "hook-runs": { type: "string", default: "40" },
    "live-runs": { type: "string", default: "1" },
    "no-build": { type: "boolean", default: false },
  },
});
const only = new Set((values.only ?? PARTS.join(",")).split(",").map((p) => p.trim()));
for (const p of only) if (!(PARTS as readonly string[]).includes(p)) throw new Error(`--only: unknown part "${p}" (parts: ${PARTS.join(", ")})`);
const corpus = resolve(values.corpus ?? join(REPO_ROOT, "bench", ".corpus", "projects"));
const out = mkdtempSync(join(tmpdir(), "cco-bench-all-"));

if (values["no-build"] !== true) {
  const built = spawnSync("npm", ["run", "build"], { cwd: REPO_ROOT, stdio: ["ignore", 2, 2] });
  if (built.status !== 0) throw new Error("npm run build failed");
}
if ((only.has("report") || only.has("replay")) && !existsSync(corpus)) {
  const made = spawnSync(process.execPath, ["--import", "tsx", join(REPO_ROOT, "bench", "make-corpus.ts"), corpus, "400"], { cwd: REPO_ROOT, stdio: ["ignore", 2, 2] });
  if (made.status !== 0) throw new Error("make-corpus failed");
}

/** Runs one part's script with `--result`, its output on stderr; its figures, or undefined if it failed. */
function part<T>(name: Part, script: string, args: string[]): T | undefined {
  if (!only.has(name)) return undefined;
  const result = join(out, `${name}.json`);
  process.stderr.write(`\n== ${name}: bench/${script} ${args.join(" ")}\n`);
  const r = spawnSync(process.execPath, ["--import", "tsx", join(REPO_ROOT, "bench", script), ...args, "--result", result], { cwd: REPO_ROOT, stdio: ["ignore", 2, 2] });
  if (r.status !== 0 || !existsSync(result)) {
    process.stderr.write(`== ${name} failed (exit ${r.status})\n`);
    return undefined;
  }
  return JSON.parse(readFileSync(result, "utf8")) as T;
}

interface ReportFigures {
  medianS: number;
  seconds: number[];
  cpuS: number | null;
  peakRssMB: number | null;
  ratios: number[];
}
interface ReportResult {
  corpus: { mb: number; files: number; sessions: number };
  noCache: ReportFigures;
  firstRun: ReportFigures;
  cached: ReportFigures;
  changed: ReportFigures & { sessions: number };
  ccusage?: ReportFigures;
}
interface ReplayResult {
  seconds: number;
  cpuSeconds: number;
  peakRssMB: number;
  spans: number;
  reportSeconds?: number;
  replayToReportEach?: number[];
  incrementalSeconds?: number;
  incrementalRatioEach?: number[];
  incrementalPeakRssMB?: number;
}
interface HookResult {
  rows: { label: string; collector: string; p50: number; p95: number; ratio: number }[];
}
interface LiveResult {
  spans: number;
  p50: number;
  p95: number;
  max: number | null;
}

const startLoad = loadLine();
const runs = values.runs ?? "5";
const report = part<ReportResult>("report", "report.ts", ["--corpus", corpus, "--runs", runs]);
const replayRuns = values["replay-runs"] ?? "3";
const replay = part<ReplayResult>("replay", "replay.ts", ["--corpus", corpus, "--runs", replayRuns, "--keep-state"]);
const hookRuns = values["hook-runs"] ?? "40";
const hooks = part<HookResult>("hooks", "hook-latency.ts", ["--runs", hookRuns]);
const liveRuns = values["live-runs"] ?? "1";
const live = part<LiveResult>("live", "live-latency.ts", ["--runs", liveRuns]);

const spread = (xs: readonly number[] | undefined, digits = 2, unit = "×"): string => {
  if (xs === undefined || xs.length === 0) return "n/a";
  const s = [...xs].sort((a, b) => a - b);
  return `${median(s).toFixed(digits)}${unit} (${(s[0] as number).toFixed(digits)}–${(s.at(-1) as number).toFixed(digits)})`;
};
const mb = (x: number | null | undefined): string => (x === null || x === undefined ? "n/a" : `${Math.round(x)} MB`);
const rows: string[][] = [["what", "command", "ours", "compared with", "ratio: median (range)", "peak RSS", "target"]];
if (report !== undefined) {
  const cc = report.ccusage;
  const with_ = cc === undefined ? "—" : `ccusage 20 native: ${cc.medianS.toFixed(3)} s, ${mb(cc.peakRssMB)}`;
  const r = (what: string, args: string, f: ReportFigures, target: string): string[] => [
    what,
    `report --json${args}`,
    `${f.medianS.toFixed(3)} s (${f.cpuS ?? "n/a"} CPU-s)`,
    with_,
    spread(f.ratios),
    mb(f.peakRssMB),
    target,
  ];
  rows.push(r("report, every session from the cache", "", report.cached, ""));
  rows.push(r(`report, ${report.changed.sessions} sessions (1 %) changed`, "", report.changed, ""));
  rows.push(r("report, every file read", " --no-cache", report.noCache, "≤ 1× ccusage, ≤ 64 MB"));
  rows.push(r("report, first run (writes the cache)", "", report.firstRun, ""));
}
if (replay !== undefined) {
  rows.push([
    "replay, full, to a loopback OTLP receiver",
    "replay --idle-minutes 0",
    `${replay.seconds.toFixed(2)} s (${replay.cpuSeconds} CPU-s, ${replay.spans.toLocaleString("en-US")} spans)`,
    `report --no-cache in the same rounds: ${replay.reportSeconds?.toFixed(2) ?? "n/a"} s`,
    spread(replay.replayToReportEach),
    mb(replay.peakRssMB),
    "≤ 2.5× report --no-cache",
  ]);
  rows.push([
    "replay, nothing new",
    "replay (same state)",
    `${replay.incrementalSeconds?.toFixed(3) ?? "n/a"} s`,
    "the full replay before it",
    spread(
      replay.incrementalRatioEach?.map((x) => x * 100),
      1,
      " %",
    ),
    mb(replay.incrementalPeakRssMB),
    "≤ 5 % of a full replay",
  ]);
}
for (const h of hooks?.rows ?? []) {
  if (h.label.startsWith("node")) continue;
  rows.push([
    `hook ${h.label}`,
    "claude-code-otel.cjs hook",
    `p50 ${h.p50.toFixed(1)} ms, p95 ${h.p95.toFixed(1)} ms`,
    `bare node -e 0 (collector ${h.collector})`,
    `${h.ratio.toFixed(2)}× (p50)`,
    "",
    "≤ 1.1×",
  ]);
}
if (live !== undefined) {
  rows.push([
    "live: PostToolUse → tool span at the receiver",
    "bench/live-latency.ts (real CLI)",
    `p50 ${live.p50.toFixed(0)} ms, p95 ${live.p95.toFixed(0)} ms (${live.spans} spans)`,
    "—",
    "",
    "",
    "p50 ≤ 500 ms, p95 ≤ 1,500 ms",
  ]);
}

console.log(`claude-code-otel benchmarks, ${new Date().toISOString().slice(0, 16)}Z`);
console.log(`machine: ${machineLine(REPO_ROOT)}`);
console.log(`load: ${startLoad} at the start, ${loadLine()} at the end (a shared host: ratios are per round, ours and the comparison in the same round)`);
if (report !== undefined || replay !== undefined)
  console.log(`corpus: ${corpusLine(corpus)}${report !== undefined ? `, ${report.corpus.sessions.toLocaleString("en-US")} sessions` : ""}`);
console.log(
  `rounds: report ${only.has("report") ? runs : "-"}, replay ${only.has("replay") ? replayRuns : "-"}, hooks ${only.has("hooks") ? hookRuns : "-"}, live ${only.has("live") ? liveRuns : "-"}\n`,
);
const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
const line = (r: string[]): string => `| ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(" | ")} |`;
console.log(line(rows[0] ?? []));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of rows.slice(1)) console.log(line(r));
