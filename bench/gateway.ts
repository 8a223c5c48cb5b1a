/**
 * The team kit at scale (collector/team/, docs/team-scale.md): generated developers (seeded,
 * test/support/team-corpus.ts) → one agent → two gateways → Prometheus (remote write) and
 * Jaeger, every process real, on loopback. Prints details on stderr and ends with one JSON line:
 *
 *   {"developers","gateways","spans","points","spansPerSecondPerCore","pointsPerSecondPerCore","gatewayPeakRssMB","totalsEqualReport"}
 *
 *   npm run bench:gateway [-- --developers 40] [--sessions 4] [--copies 25] [--seed 20] [--concurrency 8] [--kill]
 *
 * Method. Each generated developer's `replay` first goes to a recording receiver (the client's
 * own work is not the gateways'). `--copies k` then makes k developers of each: the recorded
 * requests with the user id and every trace id replaced by others of the same length (bytes
 * replaced in the protobuf, so each copy is a developer of its own with the same history),
 * which reaches many developers without k times the replay time. Every developer's requests
 * are posted to the agent in the developer's order, `--concurrency` developers at a time: all
 * traces first, until Jaeger holds every session's trace whole, then all metrics, until
 * Prometheus holds every developer's `report --json` totals. Per signal, the rate is its spans
 * (points) over the CPU seconds both gateways spent on that phase (from /proc), so it reads as
 * "per core" and holds on a shared host. `--kill` SIGKILLs gateway 2 half-way through the
 * metric phase and starts it again 3 s later (the totals then count across its restart, as
 * test/e2e/team-gateways.test.ts does).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadLine, machineLine } from "./machine.js";
import { traceIdFor } from "../src/mapping/ids.js";
import { exportedSpans } from "../test/support/exported-spans.js";
import { requireBuild } from "../test/support/hook-harness.js";
import { startOtlpReceiver } from "../test/support/otlp-receiver.js";
import { generateTeamCorpus, type GeneratedDeveloper } from "../test/support/team-corpus.js";
import { collectorShed, collectorWarnings, inBatches, processStats, runDeveloperReplay, startTeamStack, type TeamStack } from "../test/support/team-stack.js";
import {
  expectedTotals,
  holdsTotals,
  instanceTotals,
  prometheusTeamTotals,
  roundedTotals,
  seriesAndLabels,
  type GatewayRestart,
  type PrometheusTeamTotals,
  type TeamTotals,
} from "../test/support/team-totals.js";

const { values } = parseArgs({
  options: {
    developers: { type: "string", default: "40" },
    sessions: { type: "string", default: "4" },
    copies: { type: "string", default: "25" },
    seed: { type: "string", default: "20" },
    concurrency: { type: "string", default: "8" },
    kill: { type: "boolean", default: false },
  },
});
const COPIES = Number(values.copies);
const CONCURRENCY = Number(values.concurrency);
if (!(COPIES >= 1 && COPIES <= 99)) throw new Error("--copies: 1 to 99");
const log = (line: string): void => void process.stderr.write(`bench:gateway: ${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Body {
  readonly bytes: Buffer;
  readonly contentType: string;
}
interface Recorded {
  readonly dev: GeneratedDeveloper;
  readonly traces: readonly Body[];
  readonly metrics: readonly Body[];
  readonly spans: number;
  readonly points: number;
  readonly traceIds: readonly string[];
}
/** One developer of the benchmark: a recorded one, or a copy of it under other ids. */
interface Developer {
  readonly userId: string;
  readonly copy: number;
  readonly of: Recorded;
  readonly traces: readonly Body[];
  readonly metrics: readonly Body[];
}

/** The developer's replay into a recording receiver: the requests as the client sends them. */
async function record(dev: GeneratedDeveloper): Promise<Recorded> {
  const receiver = await startOtlpReceiver();
  try {
    const r = await runDeveloperReplay(dev, receiver.url);
    if (r.code !== 0) throw new Error(`replay of ${dev.userId} failed: ${r.stderr}`);
    const of = (signal: string): Body[] => receiver.requests.filter((q) => q.path.endsWith(`/v1/${signal}`)).map((q) => ({ bytes: q.bytes, contentType: q.contentType }));
    const traceIds = [...new Set(receiver.spans.map((x) => x.traceId))];
    return { dev, traces: of("traces"), metrics: of("metrics"), spans: receiver.spans.length, points: receiver.points.length, traceIds };
  } finally {
    await receiver.close();
  }
}

/** Copy `copy` of a trace id: its first byte XOR the copy number (copy 0 is the id itself). */
const copyTraceId = (id: string, copy: number): string => ((parseInt(id.slice(0, 2), 16) ^ copy) & 0xff).toString(16).padStart(2, "0") + id.slice(2);

/** Every occurrence of each `from` replaced by its `to` of the same length (so protobuf lengths hold). */
function replaced(bytes: Buffer, swaps: readonly (readonly [Buffer, Buffer])[]): Buffer {
  const out = Buffer.from(bytes);
  for (const [from, to] of swaps) for (let i = out.indexOf(from); i >= 0; i = out.indexOf(from, i + from.length)) to.copy(out, i);
  return out;
}

function copyOf(r: Recorded, copy: number): Developer {
  if (copy === 0) return { userId: r.dev.userId, copy, of: r, traces: r.traces, metrics: r.metrics };
  const userId = `c${String(copy).padStart(2, "0")}${r.dev.userId.slice(3)}`;
  const user: [Buffer, Buffer] = [Buffer.from(r.dev.userId), Buffer.from(userId)];
  const ids = r.traceIds.map((id): [Buffer, Buffer] => [Buffer.from(id, "hex"), Buffer.from(copyTraceId(id, copy), "hex")]);
  return {
    userId,
    copy,
    of: r,
    traces: r.traces.map((b) => ({ ...b, bytes: replaced(b.bytes, [user, ...ids]) })),
    metrics: r.metrics.map((b) => ({ ...b, bytes: replaced(b.bytes, [user]) })),
  };
}

async function post(url: string, body: Body): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, { method: "POST", headers: { "content-type": body.contentType }, body: body.bytes, signal: AbortSignal.timeout(60_000) });
    await res.arrayBuffer();
    if (res.ok) return;
    if (attempt >= 20) throw new Error(`POST ${url}: HTTP ${res.status}`);
    await sleep(500);
  }
}

const postAll = (s: TeamStack, devs: readonly Developer[], signal: "traces" | "metrics"): Promise<unknown> =>
  inBatches(devs, CONCURRENCY, async (d) => {
    for (const q of d[signal]) await post(`${s.agentUrl}/v1/${signal}`, q);
  });

const gatewayCpu = (stack: TeamStack): number => stack.gateways.reduce((n, g) => n + processStats(g.pid).cpuSeconds, 0);

async function until(what: string, timeoutMs: number, done: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await done()) return true;
    } catch (error) {
      // A query that timed out on a busy host: ask again.
      log(`${what}: ${(error as Error).name}: ${(error as Error).message}; asking again`);
    }
    await sleep(2_000);
  }
  log(`${what}: not reached within ${timeoutMs / 1000} s`);
  return false;
}

requireBuild();
log(machineLine(resolve(import.meta.dirname, "..")));
const root = mkdtempSync(join(tmpdir(), "cco-bench-gateway-"));
let stack: TeamStack | undefined;
try {
  let t = Date.now();
  const team = generateTeamCorpus({
    root,
    developers: Number(values.developers),
    sessionsPerDeveloper: Number(values.sessions),
    seed: Number(values.seed),
    days: 1,
    hookedPerDeveloper: 0,
  });
  log(`generated ${team.developers.length} developers, ${team.sessions} sessions, ${(team.bytes / 1e6).toFixed(1)} MB in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  t = Date.now();
  const recorded = await inBatches(team.developers, 2, record);
  log(`recorded their replays in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  // What each recorded developer's copies must show: report --json, and each session's spans.
  const want = new Map<string, TeamTotals>();
  const expectedSpans = new Map<string, { traceId: string; spanIds: string[] }[]>();
  for (const r of recorded) {
    const e = await expectedTotals(r.dev.projects);
    want.set(r.dev.userId, roundedTotals(e.totals));
    const traces = [];
    for (const session of e.sessions) traces.push({ traceId: traceIdFor(session.sessionId), spanIds: (await exportedSpans(session)).map((x) => x.spanContext().spanId).sort() });
    expectedSpans.set(r.dev.userId, traces);
  }
  const developers = recorded.flatMap((r) => Array.from({ length: COPIES }, (_, c) => copyOf(r, c)));
  const spans = developers.reduce((n, d) => n + d.of.spans, 0);
  const points = developers.reduce((n, d) => n + d.of.points, 0);
  const traceBytes = developers.reduce((n, d) => n + d.traces.reduce((m, q) => m + q.bytes.length, 0), 0);
  log(`${developers.length} developers (${recorded.length} recorded × ${COPIES}): ${spans} spans (${(traceBytes / spans).toFixed(0)} B/span on the wire), ${points} metric points`);

  stack = await startTeamStack();
  const s = stack;

  // Traces, until every session of every developer is whole in Jaeger.
  t = Date.now();
  const idle = gatewayCpu(s);
  await postAll(s, developers, "traces");
  let pending = developers.flatMap((d) => (expectedSpans.get(d.of.dev.userId) ?? []).map((x) => ({ ...x, traceId: copyTraceId(x.traceId, d.copy) })));
  const tracesWhole = await until("every trace whole in Jaeger", 600_000, async () => {
    const still = [];
    for (const x of pending) {
      const ids = ((await s.jaeger.trace(x.traceId))?.spans ?? []).map((sp) => sp.spanID).sort();
      if (JSON.stringify(ids) !== JSON.stringify(x.spanIds)) still.push(x);
    }
    pending = still;
    return pending.length === 0;
  });
  const traceCpu = gatewayCpu(s) - idle;
  log(`traces: ${spans} spans through the gateways in ${((Date.now() - t) / 1000).toFixed(1)} s wall, ${traceCpu.toFixed(2)} gateway CPU-s; every trace whole: ${tracesWhole}`);

  // Metrics, until every developer's totals equal their report.
  t = Date.now();
  const before = gatewayCpu(s);
  const restarts: GatewayRestart[] = [];
  let killedCpu = 0;
  let killedRss = 0;
  const half = Math.floor(developers.length / 2);
  await postAll(s, developers.slice(0, half), "metrics");
  if (values.kill) {
    ({ cpuSeconds: killedCpu, peakRssMB: killedRss } = processStats(s.gateways[1]?.pid));
    await s.killGateway(1);
    restarts.push({ gateway: "gw2", atSeconds: Date.now() / 1000 });
    log(`killed gw2 (peak RSS ${killedRss.toFixed(0)} MB) half-way through the metrics; starting it again in 3 s`);
    await Promise.all([postAll(s, developers.slice(half), "metrics"), sleep(3_000).then(() => s.restartGateway(1))]);
  } else await postAll(s, developers.slice(half), "metrics");
  let got: PrometheusTeamTotals = { byInstance: new Map(), series: 0, unexplainedResets: NaN, hiddenResets: NaN, splitStreams: NaN };
  const totalsEqual = await until("Prometheus totals equal report --json", 600_000, async () => {
    got = await prometheusTeamTotals(s.prometheus.url, restarts);
    return developers.every((d) => holdsTotals(got, d.userId, want.get(d.of.dev.userId)));
  });
  const metricCpu = gatewayCpu(s) + killedCpu - before;
  log(
    `metrics: ${points} points through the gateways in ${((Date.now() - t) / 1000).toFixed(1)} s wall, ${metricCpu.toFixed(2)} gateway CPU-s; totals equal report --json for every developer: ${totalsEqual}`,
  );
  log(`Prometheus: unexplained resets ${got.unexplainedResets}, hidden resets ${got.hiddenResets}, split streams ${got.splitStreams}`);
  if (!totalsEqual) {
    const wrong = developers.filter((d) => !holdsTotals(got, d.userId, want.get(d.of.dev.userId)));
    const first = wrong[0];
    log(`totals differ for ${wrong.length} of ${developers.length} developers (${wrong.filter((d) => !got.byInstance.has(d.userId)).length} absent from Prometheus)`);
    if (first !== undefined) log(`  ${first.userId}: got ${JSON.stringify(instanceTotals(got, first.userId))}\n  want ${JSON.stringify(want.get(first.of.dev.userId))}`);
  }

  const { perInstance } = await seriesAndLabels(s.prometheus.url).catch((error: Error) => {
    log(`series per developer: ${error.name}: ${error.message}`);
    return { perInstance: new Map<string, number>() };
  });
  const counts = [...perInstance.values()].sort((a, b) => a - b);
  const promText = await (await fetch(`${s.prometheus.url}/metrics`)).text();
  const promMetric = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(promText)?.[1] ?? NaN);
  const gwTelemetry = await Promise.all(s.gateways.map(async (g) => (await fetch(`http://127.0.0.1:${g.settings["OTELCOL_TELEMETRY_PORT"]}/metrics`)).text()));
  const streams = gwTelemetry.map((text) => Number(/^otelcol_deltatocumulative_streams_tracked(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? NaN));
  const gatewayRss = s.gateways.map((g) => processStats(g.pid).peakRssMB);
  const shed = await collectorShed(s);
  log(
    `series of our metrics per developer: min ${counts[0]}, median ${counts[Math.floor(counts.length / 2)]}, max ${counts[counts.length - 1]}; total ${counts.reduce((a, b) => a + b, 0)}`,
  );
  log(
    `Prometheus: ${promMetric("prometheus_tsdb_head_series")} head series, ${promMetric("prometheus_tsdb_head_samples_appended_total")} samples appended, peak RSS ${processStats(s.prometheus.pid).peakRssMB.toFixed(0)} MB`,
  );
  log(
    `gateways: streams tracked ${streams.join(", ")}; peak RSS ${gatewayRss.map((m) => m.toFixed(0)).join(", ")} MB; agent peak RSS ${processStats(s.agent.pid).peakRssMB.toFixed(0)} MB, ${processStats(s.agent.pid).cpuSeconds.toFixed(2)} CPU-s`,
  );
  log(`shed by the collectors: ${JSON.stringify(shed)}`);
  for (const line of collectorWarnings(s)) log(line);
  log(`at the end: ${loadLine()} (the rates are per CPU-second: a busy host stretches the wall time more than them)`);

  const result = {
    developers: developers.length,
    gateways: s.gateways.length,
    spans,
    points,
    spansPerSecondPerCore: Math.round(spans / traceCpu),
    pointsPerSecondPerCore: Math.round(points / metricCpu),
    gatewayPeakRssMB: Math.round(Math.max(killedRss, ...gatewayRss)),
    totalsEqualReport: totalsEqual && tracesWhole && got.unexplainedResets === 0 && got.splitStreams === 0,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await stack?.stop();
  rmSync(root, { recursive: true, force: true });
}
