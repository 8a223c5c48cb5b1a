/**
 * Throughput of `claude-code-otel replay` into a real OTLP/HTTP receiver on loopback: transcript
 * MB/s, spans/s, metric points, requests, bytes on the wire and the replay process's peak RSS;
 * then a second, incremental replay with nothing new (same state dir), and `report --json
 * --no-cache` (every file read, as a full replay reads them) on the same corpus for the ratio.
 * `--runs N` repeats the three, interleaved (a fresh state dir per full replay), and prints
 * medians and each run's figures: this host's speed drifts by 30-50 % within minutes. Printed
 * figures, not a timed test.
 *
 *   npx tsx bench/replay.ts [--corpus <projects dir>] [--min-mb 400] [--protocol http/protobuf|http/json]
 *                           [--no-incremental] [--no-report] [--node-arg=--cpu-prof ...] [--strace <file>]
 *                           [--destinations all|none|langfuse|langsmith] [--jobs <n>] [--keep-state] [--runs <n>] [--result <file>]
 *
 * Builds the corpus with bench/make-corpus.ts when absent. Runs dist/ when built, else the
 * sources through tsx. The receiver only counts bytes (decoding would compete for the CPU);
 * span and point counts come from replay's own summary. `--strace` counts the replay's
 * syscalls (`strace -f -c`), e.g. to see time in fsync, rename, open, connect.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../test/support/shared-fixtures.js";
import { corpusLine, loadLine, machineLine, median, writeResult } from "./machine.js";

const { values } = parseArgs({
  options: {
    corpus: { type: "string" },
    "min-mb": { type: "string", default: "400" },
    protocol: { type: "string", default: "http/protobuf" },
    "no-incremental": { type: "boolean", default: false },
    "no-report": { type: "boolean", default: false },
    "node-arg": { type: "string", multiple: true, default: [] },
    strace: { type: "string" },
    destinations: { type: "string" },
    jobs: { type: "string" },
    runs: { type: "string", default: "1" },
    "keep-state": { type: "boolean", default: false },
    result: { type: "string" },
  },
});
const corpus = resolve(values.corpus ?? join(REPO_ROOT, "bench", ".corpus", "projects"));
if (!existsSync(corpus)) {
  const made = spawnSync(process.execPath, ["--import", "tsx", join(REPO_ROOT, "bench", "make-corpus.ts"), corpus, values["min-mb"] ?? "400"], { stdio: "inherit" });
  if (made.status !== 0) throw new Error("could not build the corpus");
}

let requests = 0;
let wireBytes = 0;
const server = createServer((req, res) => {
  req.on("data", (c: Buffer) => (wireBytes += c.length));
  req.on("end", () => {
    requests++;
    res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
  });
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

// dist/ only when it has replay (a stale build would measure old code).
const dist = join(REPO_ROOT, "dist", "cli", "replay-command.js");
const BIN = join(REPO_ROOT, "bin", "claude-code-otel.js");
// The V8 flags of the bin's shebang (`#!/usr/bin/env -S node --flag ...`), which `npx claude-code-otel` applies.
const shebangFlags = (readFileSync(BIN, "utf8").split("\n")[0] ?? "").split(/\s+/).filter((a) => a.startsWith("--"));
const entry = existsSync(dist) ? [...shebangFlags, BIN] : ["--import", "tsx", join(REPO_ROOT, "bench", "run-cli.ts")];
const time = existsSync("/usr/bin/time");

interface Run {
  code: number;
  out: string;
  err: string;
  seconds: number;
  peakRssMB: number | null;
  cpuSeconds: number | null;
}

/** Our home (config, caches, local files) in a temp folder of the bench's own. */
const otelHome = mkdtempSync(join(tmpdir(), "cco-bench-home-"));

async function run(cliArgs: string[], strace?: string): Promise<Run> {
  const nodeArgs = [...(values["node-arg"] ?? []), ...entry, ...cliArgs];
  let cmd = process.execPath;
  let args = nodeArgs;
  if (strace !== undefined) {
    args = ["-f", "-c", "-o", strace, cmd, ...args];
    cmd = "strace";
  }
  if (time) {
    args = ["-f", "peak-rss-kb %M cpu-s %U %S", cmd, ...args];
    cmd = "/usr/bin/time";
  }
  const started = process.hrtime.bigint();
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TZ: "UTC", CLAUDE_CODE_OTEL_HOME: otelHome } });
  let out = "";
  let err = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number>((r) => child.on("close", (c) => r(c ?? -1)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const m = /peak-rss-kb (\d+) cpu-s ([\d.]+) ([\d.]+)/.exec(err);
  return {
    code,
    out,
    err,
    seconds,
    peakRssMB: m?.[1] !== undefined ? Math.round(Number(m[1]) / 1024) : null,
    cpuSeconds: m?.[2] !== undefined && m[3] !== undefined ? Number((Number(m[2]) + Number(m[3])).toFixed(2)) : null,
  };
}

const runs = Math.max(1, Number(values.runs));
const startLoad = loadLine();
process.stderr.write(
  `replay: ${machineLine(REPO_ROOT)}\ncorpus: ${corpusLine(corpus)}\ncomparison: report --json --no-cache (every file read) and a replay with nothing new, in the same rounds; ${runs} round(s)\n`,
);
const replayArgs = (stateDir: string): string[] => [
  "replay",
  "--projects-dir",
  corpus,
  "--endpoint",
  endpoint,
  "--protocol",
  values.protocol ?? "http/protobuf",
  "--state-dir",
  stateDir,
  "--idle-minutes",
  "0",
  ...(values.destinations !== undefined ? ["--destinations", values.destinations] : []),
  ...(values.jobs !== undefined ? ["--jobs", values.jobs] : []),
];
const stateDirs: string[] = [];
const fulls: Run[] = [];
const incrementals: Run[] = [];
const reports: Run[] = [];
let fullRequests = 0;
let fullWire = 0;
let summary: RegExpExecArray | null = null;
// Interleaved, so that a slow spell of the host weighs on every kind of run alike.
for (let i = 0; i < runs; i++) {
  const stateDir = mkdtempSync(join(tmpdir(), "cco-bench-state-"));
  stateDirs.push(stateDir);
  const [requestsBefore, wireBefore] = [requests, wireBytes];
  const full = await run(replayArgs(stateDir), i === 0 ? values.strace : undefined);
  [fullRequests, fullWire] = [requests - requestsBefore, wireBytes - wireBefore];
  summary = /(\d+) sessions .*?sent (\d+) spans and (\d+) metric points.*?read ([\d.]+) MB/.exec(full.out);
  if (full.code !== 0 || summary === null) {
    console.error(full.out, full.err);
    throw new Error(`replay exited ${full.code}`);
  }
  fulls.push(full);
  if (values["no-incremental"] !== true) {
    const before = requests;
    const incremental = await run(replayArgs(stateDir));
    if (incremental.code !== 0 || !/\(\d+ unchanged\), sent 0 spans and 0 metric points/.test(incremental.out) || requests !== before) {
      console.error(incremental.out, incremental.err);
      throw new Error("the incremental replay sent something or failed");
    }
    incrementals.push(incremental);
  }
  if (values["no-report"] !== true) {
    // Every file read, as replay reads them: not the report cache's answer.
    const report = await run(["report", "--projects-dir", corpus, "--json", "--no-cache"]);
    if (report.code !== 0) throw new Error(`report exited ${report.code}: ${report.err}`);
    reports.push(report);
  }
}
server.close();
// Deleting thousands of state files makes the next run's file creations slow for minutes on an
// ext4 without a journal (it skips recently deleted inodes one by one): see docs/performance.md.
if (values["keep-state"] !== true) for (const d of stateDirs) rmSync(d, { recursive: true, force: true });
const [, sessions, spans, points, mbRead] = summary ?? [];
const secondsOf = (rs: readonly Run[]): number[] => rs.map((r) => r.seconds);
const fullSeconds = median(secondsOf(fulls));
const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

const figures = {
  machine: machineLine(REPO_ROOT),
  load: { start: startLoad, end: loadLine() },
  corpus,
  runner: existsSync(dist) ? "dist" : "tsx",
  protocol: values.protocol,
  jobs: values.jobs ?? "default",
  runs,
  sessions: Number(sessions),
  transcriptMB: Number(mbRead),
  seconds: round(fullSeconds),
  secondsEach: secondsOf(fulls).map((x) => round(x)),
  cpuSeconds: median(fulls.map((r) => r.cpuSeconds ?? NaN)),
  transcriptMBps: round(Number(mbRead) / fullSeconds, 1),
  spans: Number(spans),
  spansPerSecond: Math.round(Number(spans) / fullSeconds),
  metricPoints: Number(points),
  requests: fullRequests,
  wireMB: round(fullWire / 1024 / 1024, 1),
  peakRssMB: Math.max(...fulls.map((r) => r.peakRssMB ?? NaN)),
  ...(incrementals.length > 0
    ? {
        incrementalSeconds: round(median(secondsOf(incrementals)), 3),
        incrementalSecondsEach: secondsOf(incrementals).map((x) => round(x, 3)),
        incrementalPeakRssMB: Math.max(...incrementals.map((r) => r.peakRssMB ?? NaN)),
        incrementalRatio: round(median(secondsOf(incrementals)) / fullSeconds, 3),
        // Per round: the replay with nothing new over the full replay before it.
        incrementalRatioEach: incrementals.map((r, i) => round(r.seconds / (fulls[i] as Run).seconds, 3)),
      }
    : {}),
  ...(reports.length > 0
    ? {
        reportSeconds: round(median(secondsOf(reports))),
        reportSecondsEach: secondsOf(reports).map((x) => round(x)),
        reportCpuSeconds: median(reports.map((r) => r.cpuSeconds ?? NaN)),
        replayToReport: round(fullSeconds / median(secondsOf(reports))),
        replayToReportEach: fulls.map((f, i) => round(f.seconds / (reports[i] as Run).seconds)),
        replayToReportMedian: round(median(fulls.map((f, i) => f.seconds / (reports[i] as Run).seconds))),
      }
    : {}),
};
console.log(JSON.stringify(figures, null, 2));
writeResult(figures);
