/**
 * Throughput of `claude-code-otel replay` into a real OTLP/HTTP receiver on loopback: transcript
 * MB/s, spans/s, metric points, requests, bytes on the wire and the replay process's peak RSS;
 * then a second, incremental replay with nothing new (same state dir), and `report --json
 * --no-cache` (every file read, as a full replay reads them) on the same corpus for the ratio. Printed figures, not a timed test.
 *
 *   npx tsx bench/replay.ts [--corpus <projects dir>] [--min-mb 400] [--protocol http/protobuf|http/json]
 *                           [--no-incremental] [--no-report] [--node-arg=--cpu-prof ...] [--strace <file>]
 *                           [--destinations all|none|langfuse|langsmith] [--jobs <n>] [--keep-state]
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
    "keep-state": { type: "boolean", default: false },
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

const stateDir = mkdtempSync(join(tmpdir(), "cco-bench-state-"));
const replayArgs = ["replay", "--projects-dir", corpus, "--endpoint", endpoint, "--protocol", values.protocol ?? "http/protobuf", "--state-dir", stateDir, "--idle-minutes", "0", ...(values.destinations !== undefined ? ["--destinations", values.destinations] : []), ...(values.jobs !== undefined ? ["--jobs", values.jobs] : [])];
const full = await run(replayArgs, values.strace);
const fullRequests = requests;
const fullWire = wireBytes;
const summary = /(\d+) sessions .*?sent (\d+) spans and (\d+) metric points.*?read ([\d.]+) MB/.exec(full.out);
if (full.code !== 0 || summary === null) {
  console.error(full.out, full.err);
  throw new Error(`replay exited ${full.code}`);
}
const [, sessions, spans, points, mbRead] = summary;

let incremental: Run | undefined;
if (values["no-incremental"] !== true) {
  incremental = await run(replayArgs);
  if (incremental.code !== 0 || !/\(\d+ unchanged\), sent 0 spans and 0 metric points/.test(incremental.out)) {
    console.error(incremental.out, incremental.err);
    throw new Error("the incremental replay sent something or failed");
  }
}
server.close();
// Deleting thousands of state files makes the next run's file creations slow for minutes on an
// ext4 without a journal (it skips recently deleted inodes one by one): see docs/performance.md.
if (values["keep-state"] !== true) rmSync(stateDir, { recursive: true, force: true });

let report: Run | undefined;
if (values["no-report"] !== true) {
  // Every file read, as replay reads them: not the report cache's answer.
  report = await run(["report", "--projects-dir", corpus, "--json", "--no-cache"]);
  if (report.code !== 0) throw new Error(`report exited ${report.code}: ${report.err}`);
}

console.log(
  JSON.stringify(
    {
      corpus,
      runner: existsSync(dist) ? "dist" : "tsx",
      protocol: values.protocol,
      jobs: values.jobs ?? "default",
      sessions: Number(sessions),
      transcriptMB: Number(mbRead),
      seconds: Number(full.seconds.toFixed(2)),
      cpuSeconds: full.cpuSeconds,
      transcriptMBps: Number((Number(mbRead) / full.seconds).toFixed(1)),
      spans: Number(spans),
      spansPerSecond: Math.round(Number(spans) / full.seconds),
      metricPoints: Number(points),
      requests: fullRequests,
      wireMB: Number((fullWire / 1024 / 1024).toFixed(1)),
      peakRssMB: full.peakRssMB,
      ...(incremental !== undefined
        ? {
            incrementalSeconds: Number(incremental.seconds.toFixed(3)),
            incrementalPeakRssMB: incremental.peakRssMB,
            incrementalRatio: Number((incremental.seconds / full.seconds).toFixed(3)),
            incrementalRequests: requests - fullRequests,
          }
        : {}),
      ...(report !== undefined
        ? { reportSeconds: Number(report.seconds.toFixed(2)), reportCpuSeconds: report.cpuSeconds, replayToReport: Number((full.seconds / report.seconds).toFixed(2)) }
        : {}),
    },
    null,
    2,
  ),
);
