/**
 * A heavy user's 30 days, backfilled through the team kit (issue 20 point 6): one generated
 * developer (seeded, test/support/team-corpus.ts) with `--per-day` sessions a day for `--days`
 * days, one `claude-code-otel replay` of all of it into the agent (collector/team/agent.yaml) in
 * front of two gateways, Prometheus (remote write) and Jaeger. Prints the replay's time, CPU and
 * peak memory, then checks that nothing was shed on the way: Prometheus holds `report --json`'s
 * totals exactly, Jaeger every trace whole, and the agent's and gateways' own counters show no
 * refused, dropped or failed item.
 *
 *   npm run bench:backfill [-- --days 30] [--per-day 50] [--seed 30]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadLine, machineLine } from "./machine.js";
import { BIN, requireBuild } from "../test/support/hook-harness.js";
import { generateTeamCorpus } from "../test/support/team-corpus.js";
import { collectorShed, collectorWarnings, developerEnv, processStats, startTeamStack, type TeamStack } from "../test/support/team-stack.js";
import {
  checkTraces,
  expectedTotals,
  holdsTotals,
  incompleteTraces,
  instanceTotals,
  prometheusTeamTotals,
  roundedTotals,
  type PrometheusTeamTotals,
} from "../test/support/team-totals.js";

const { values } = parseArgs({ options: { days: { type: "string", default: "30" }, "per-day": { type: "string", default: "50" }, seed: { type: "string", default: "30" } } });
const DAYS = Number(values.days);
const PER_DAY = Number(values["per-day"]);
const log = (line: string): void => void process.stderr.write(`bench:backfill: ${line}\n`);

interface Timed {
  code: number | null;
  stdout: string;
  stderr: string;
  wallS: number;
  peakRssMB: number;
  cpuS: number;
}

/** Runs node with GNU time's report (wall, peak RSS, user + system CPU) on the last stderr line. */
function timed(args: string[], env: NodeJS.ProcessEnv): Promise<Timed> {
  return new Promise((resolve) => {
    const child = spawn("/usr/bin/time", ["-f", "TIMED %e %M %U %S", process.execPath, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => {
      const m = /TIMED (\S+) (\d+) (\S+) (\S+)\s*$/.exec(stderr);
      resolve({ code, stdout, stderr, wallS: Number(m?.[1]), peakRssMB: Number(m?.[2]) / 1024, cpuS: Number(m?.[3]) + Number(m?.[4]) });
    });
  });
}

requireBuild();
log(machineLine(resolve(import.meta.dirname, "..")));
const root = mkdtempSync(join(tmpdir(), "cco-bench-backfill-"));
let stack: TeamStack | undefined;
try {
  let t = Date.now();
  const team = generateTeamCorpus({ root, developers: 1, sessionsPerDeveloper: DAYS * PER_DAY, days: DAYS, seed: Number(values.seed), hookedPerDeveloper: 0 });
  const dev = team.developers[0];
  if (dev === undefined) throw new Error("no developer generated");
  log(
    `generated ${dev.userId}: ${team.sessions} sessions over ${DAYS} days in ${dev.projectNames.length} projects, ${(team.bytes / 1e6).toFixed(0)} MB in ${((Date.now() - t) / 1000).toFixed(1)} s`,
  );
  const want = await expectedTotals(dev.projects);

  stack = await startTeamStack();
  const s = stack;
  t = Date.now();
  const run = await timed([BIN, "replay", "--projects-dir", dev.projects, "--endpoint", s.agentUrl, "--idle-minutes", "0"], developerEnv(dev));
  if (run.code !== 0) throw new Error(`replay failed (${run.code}): ${run.stderr}`);
  const summary = run.stdout.trim().split("\n").slice(-3).join(" | ");
  log(`replay: ${run.wallS.toFixed(1)} s wall, ${run.cpuS.toFixed(1)} CPU-s, peak RSS ${run.peakRssMB.toFixed(0)} MB; ${summary}`);

  let got: PrometheusTeamTotals = { byInstance: new Map(), series: 0, unexplainedResets: NaN, hiddenResets: NaN, splitStreams: NaN };
  const deadline = Date.now() + 600_000;
  let equal = false;
  while (!equal && Date.now() < deadline) {
    try {
      got = await prometheusTeamTotals(s.prometheus.url, [], 6 * 3_600);
      equal = holdsTotals(got, dev.userId, roundedTotals(want.totals));
    } catch (error) {
      // A query that timed out on a busy host: ask again.
      log(`Prometheus: ${(error as Error).name}: ${(error as Error).message}; asking again`);
    }
    if (!equal) await new Promise((r) => setTimeout(r, 2_000));
  }
  log(`Prometheus totals equal report --json: ${equal} (after ${((Date.now() - t) / 1000).toFixed(1)} s from the replay's start)`);
  if (!equal) log(`  got  ${JSON.stringify(instanceTotals(got, dev.userId))}\n  want ${JSON.stringify(roundedTotals(want.totals))}`);
  const traces = await checkTraces(s.jaeger, want.sessions);
  const bad = incompleteTraces(traces);
  log(`Jaeger: ${traces.length} traces, ${traces.reduce((n, c) => n + c.found, 0)} spans, incomplete ${bad.length}`);

  const shed = await collectorShed(s);
  log(`shed by the collectors (refused, dropped, failed, deltatocumulative errors): ${JSON.stringify(shed)}`);
  // Timeouts and retries on the way (an agent's retry that deltatocumulative drops as a duplicate, a dropped write).
  for (const line of collectorWarnings(s)) log(line);
  const retried = [s.agent, ...s.gateways].map(
    (c) =>
      c
        .logs()
        .split("\n")
        .filter((l) => l.includes("Will retry the request")).length,
  );
  log(`requests retried (logged at info): agent ${retried[0]}, gateways ${retried.slice(1).join(", ")}`);
  const gateways = s.gateways.map((g) => processStats(g.pid));
  log(
    `gateways: ${gateways.map((g) => `${g.cpuSeconds.toFixed(2)} CPU-s, peak RSS ${g.peakRssMB.toFixed(0)} MB`).join("; ")}; agent ${processStats(s.agent.pid).peakRssMB.toFixed(0)} MB`,
  );
  log(`at the end: ${loadLine()}`);
  const result = {
    days: DAYS,
    sessions: team.sessions,
    transcriptMB: Math.round(team.bytes / 1e6),
    spans: traces.reduce((n, c) => n + c.expected, 0),
    replaySeconds: Number(run.wallS.toFixed(1)),
    replayPeakRssMB: Math.round(run.peakRssMB),
    gatewayPeakRssMB: Math.round(Math.max(...gateways.map((g) => g.peakRssMB))),
    shed: Object.values(shed).reduce((a, b) => a + b, 0),
    totalsEqualReport: equal && bad.length === 0,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await stack?.stop();
  rmSync(root, { recursive: true, force: true });
}
