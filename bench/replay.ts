/**
 * Throughput of `claude-code-otel replay` into a real OTLP/HTTP receiver on loopback: transcript
 * MB/s, spans/s, metric points, bytes on the wire and the replay process's peak RSS. Printed
 * figures, not a timed test.
 *
 *   npx tsx bench/replay.ts [--corpus <projects dir>] [--min-mb 400] [--protocol http/protobuf|http/json]
 *
 * Builds the corpus with bench/make-corpus.ts when absent. Runs dist/ when built, else the
 * sources through tsx. The receiver only counts bytes (decoding would compete for the CPU);
 * span and point counts come from replay's own summary.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../test/support/shared-fixtures.js";

const { values } = parseArgs({ options: { corpus: { type: "string" }, "min-mb": { type: "string", default: "400" }, protocol: { type: "string", default: "http/protobuf" } } });
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
const entry = existsSync(dist) ? [join(REPO_ROOT, "bin", "claude-code-otel.js")] : ["--import", "tsx", join(REPO_ROOT, "bench", "run-cli.ts")];
const stateDir = mkdtempSync(join(tmpdir(), "cco-bench-state-"));
const args = [...entry, "replay", "--projects-dir", corpus, "--endpoint", endpoint, "--protocol", values.protocol ?? "http/protobuf", "--state-dir", stateDir, "--idle-minutes", "0"];
const time = existsSync("/usr/bin/time");
const started = process.hrtime.bigint();
const child = spawn(time ? "/usr/bin/time" : process.execPath, time ? ["-f", "peak-rss-kb %M", process.execPath, ...args] : args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TZ: "UTC" } });
let out = "";
let err = "";
child.stdout.on("data", (c: Buffer) => (out += c.toString()));
child.stderr.on("data", (c: Buffer) => (err += c.toString()));
const code = await new Promise<number>((r) => child.on("close", (c) => r(c ?? -1)));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
server.close();
rmSync(stateDir, { recursive: true, force: true });

const summary = /(\d+) sessions .*?sent (\d+) spans and (\d+) metric points.*?read ([\d.]+) MB/.exec(out);
const rss = /peak-rss-kb (\d+)/.exec(err);
if (code !== 0 || summary === null) {
  console.error(out, err);
  throw new Error(`replay exited ${code}`);
}
const [, sessions, spans, points, mbRead] = summary;
console.log(
  JSON.stringify(
    {
      corpus,
      runner: existsSync(dist) ? "dist" : "tsx",
      protocol: values.protocol,
      sessions: Number(sessions),
      transcriptMB: Number(mbRead),
      seconds: Number(seconds.toFixed(2)),
      transcriptMBps: Number((Number(mbRead) / seconds).toFixed(1)),
      spans: Number(spans),
      spansPerSecond: Math.round(Number(spans) / seconds),
      metricPoints: Number(points),
      requests,
      wireMB: Number((wireBytes / 1024 / 1024).toFixed(1)),
      peakRssMB: rss?.[1] !== undefined ? Math.round(Number(rss[1]) / 1024) : null,
    },
    null,
    2,
  ),
);
