/**
 * The team kit end to end, every process real and on loopback: simulated developers (a generated
 * corpus, team-corpus.ts: distinct user.id, their own projects and history) run hooks and
 * `replay` into one agent (collector/team/agent.yaml), which load-balances to two gateways
 * (config.yaml + team/gateway.yaml) writing to Debian's Prometheus by remote write and to Jaeger.
 *
 * Wave A: every developer's hooks (one session each, real hook processes and their flusher) and
 * the first day of history. Prometheus totals per developer must equal `report --json` of that
 * day, every trace whole in Jaeger. Then gateway 2 is killed (SIGKILL); half of the developers
 * replay the rest of their history while it is dead; it is started again on the same ports; the
 * other half replay. Totals must equal `report --json` of everything, per developer, and every
 * trace must be whole: nothing lost, nothing counted twice, no stream written by both gateways.
 * A slow metrics store: every remote write held 7 s on its way to Prometheus (longer than the
 * exporter's 5 s default timeout); nothing may be dropped.
 * Needs the built collector, Jaeger and Prometheus (skips without them; fails under CI=true).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OtlpDestination } from "../../src/delivery/destination.js";
import { resolveDestination } from "../../src/delivery/destination.js";
import { postHeartbeat } from "../../src/delivery/heartbeat.js";
import { buildResource } from "../../src/sdk/resource.js";
import { requireCollector } from "../support/collector.js";
import { logsRequest, postOtlpJson, type LogSpec } from "../support/otlp-json.js";
import { alertExpr, apiRequestEvent, expandRecords, rulesFile } from "../support/team-health.js";
import { requireJaeger } from "../support/jaeger.js";
import { queryInstant, queryVector, RULES_FILE, requireTool, waitForQuery } from "../support/prometheus.js";
import { requireBuild, stopFlushers } from "../support/hook-harness.js";
import { generateTeamCorpus, type GeneratedDeveloper, type TeamCorpus } from "../support/team-corpus.js";
import { AGENT_ID, collectorShed, configureDeveloper, gatewayId, inBatches, runDeveloperHooks, runDeveloperReplay, startTeamStack, type TeamStack } from "../support/team-stack.js";
import {
  checkTraces,
  expectedTotals,
  holdsTotals,
  incompleteTraces,
  instanceTotals,
  prometheusTeamTotals,
  roundedTotals,
  seriesAndLabels,
  type GatewayRestart,
  type PrometheusTeamTotals,
  type TeamTotals,
  type TraceCheck,
} from "../support/team-totals.js";

const collectorBin = requireCollector();
const jaegerBin = collectorBin ? requireJaeger() : undefined;
const prometheusBin = requireTool("prometheus");

const DEVELOPERS = 8;
const SESSIONS_EACH = 6;
const KILLED = 1;
/** A developer whose only data here is a `watch` heartbeat, 20 minutes old. */
const SILENT_USER = "dev-silent";
/** Every label our series may carry: the agent's default allowlist (escaped as Prometheus does) and the structural ones. */
const GOVERNED_LABELS = new Set(
  [
    "project",
    "model",
    "type",
    "tool_name",
    "outcome",
    "trigger",
    "cost_source",
    "gen_ai_operation_name",
    "gen_ai_provider_name",
    "gen_ai_request_model",
    "gen_ai_response_model",
    "gen_ai_token_modality",
    "gen_ai_tool_name",
    "gen_ai_agent_name",
    "error_type",
    "gen_ai_token_type",
  ].concat(["__name__", "job", "instance", "gateway", "source", "otel_scope_name", "otel_scope_version", "le"]),
);

interface Snapshot {
  got: PrometheusTeamTotals;
  want: Map<string, TeamTotals>;
  traces: TraceCheck[];
}

/** Polls (bounded) until every developer's totals equal the report and every trace is whole; returns the last reading either way. */
async function settle(
  stack: TeamStack,
  devs: readonly GeneratedDeveloper[],
  reportArgs: readonly string[],
  restarts: readonly GatewayRestart[],
  timeoutMs: number,
): Promise<Snapshot> {
  const want = new Map<string, TeamTotals>();
  const sessions = [];
  for (const dev of devs) {
    const e = await expectedTotals(dev.projects, reportArgs);
    want.set(dev.userId, roundedTotals(e.totals));
    sessions.push(...e.sessions);
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await prometheusTeamTotals(stack.prometheus.url, restarts);
    const equal = devs.every((d) => holdsTotals(got, d.userId, want.get(d.userId)));
    const traces = equal || Date.now() > deadline ? await checkTraces(stack.jaeger, sessions) : [];
    if ((equal && incompleteTraces(traces).length === 0) || Date.now() > deadline) return { got, want, traces };
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

function expectSettled(snapshot: Snapshot, devs: readonly GeneratedDeveloper[]): void {
  for (const dev of devs) expect(instanceTotals(snapshot.got, dev.userId), dev.userId).toEqual(snapshot.want.get(dev.userId));
  expect(incompleteTraces(snapshot.traces)).toEqual([]);
  expect(snapshot.traces.length).toBeGreaterThan(0);
  expect(snapshot.got.unexplainedResets, "a series went down without a gateway restart: two writers on one series").toBe(0);
  expect(snapshot.got.splitStreams, "a stream written by both gateways").toBe(0);
}

describe.runIf(collectorBin !== undefined && jaegerBin !== undefined && prometheusBin !== undefined)("team kit: developers → agent → two gateways → Prometheus and Jaeger", () => {
  let root: string;
  let team: TeamCorpus;
  let stack: TeamStack;
  let firstDay: string;

  beforeAll(async () => {
    requireBuild();
    root = mkdtempSync(join(tmpdir(), "cco-team-e2e-"));
    // The history ends just before a UTC midnight at least 2 hours ago, so that its first day (replayed
    // in wave A) is half of it at any hour: ending at now - 2 h, a run after 02:00 UTC put nearly all
    // of it in the first day and left the gateway-killed wave nothing to send.
    const end = new Date(Math.floor((Date.now() - 2 * 3_600_000) / 86_400_000) * 86_400_000 - 1);
    team = generateTeamCorpus({ root, developers: DEVELOPERS, sessionsPerDeveloper: SESSIONS_EACH, seed: 20, days: 2, end });
    firstDay = new Date(end.getTime() - 86_400_000).toISOString().slice(0, 10);
    stack = await startTeamStack({ ruleFiles: [RULES_FILE] });
    for (const dev of team.developers) configureDeveloper(dev, stack.agentUrl);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    // A hook's flusher lingers after its work: let it step aside before its home goes.
    for (const dev of team?.developers ?? []) stopFlushers(dev.otelHome);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("wave A: hooks and the first day's replay land exactly, per developer", async () => {
    const runs = await inBatches(team.developers, 4, runDeveloperHooks);
    for (const run of runs) {
      expect(run.hooks).toHaveLength(13);
      for (const r of run.hooks) expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: "" });
      expect(run.flush.code, run.flush.stderr).toBe(0);
    }
    const replays = await inBatches(team.developers, 4, (dev) => runDeveloperReplay(dev, stack.agentUrl, ["--until", firstDay]));
    for (const r of replays) expect(r.code, r.stderr).toBe(0);

    const snapshot = await settle(stack, team.developers, ["--until", firstDay], [], 90_000);
    expectSettled(snapshot, team.developers);
    expect(snapshot.got.byInstance.size).toBe(DEVELOPERS);
  }, 300_000);

  it("telemetry health behind the agent: a heartbeat per machine, the silent one alone, Claude Code's own request count once", async () => {
    const rules = rulesFile();
    // Claude Code's own api_request events of the same sessions, as its logs: the agent counts
    // them (the conversation's calls only) and sends on the count alone. Ours per model, from the
    // transcripts of what wave A sent; Claude Code's: ours, and a quarter more on the busiest model.
    const ours = new Map<string, number>();
    for (const dev of team.developers) {
      for (const session of (await expectedTotals(dev.projects, ["--until", firstDay])).sessions) {
        for (const r of session.requests) ours.set(r.model, (ours.get(r.model) ?? 0) + 1);
      }
    }
    const [busiest] = [...ours].sort((a, b) => b[1] - a[1])[0] ?? ["", 0];
    const native = new Map([...ours].map(([model, n]) => [model, model === busiest ? n + Math.ceil(n / 4) : n]));
    const sent = Date.now();
    const events: LogSpec[] = [];
    for (const [model, n] of native) {
      for (let i = 0; i < n; i++) events.push(apiRequestEvent(`s-${i % 5}`, model, i % 3 === 0 ? "agent:builtin:Explore" : "repl_main_thread", i, sent + i));
      events.push(apiRequestEvent("s-0", model, "compact", n, sent), apiRequestEvent("s-0", model, "generate_session_title", n + 1, sent));
    }
    for (let i = 0; i < events.length; i += 50) expect(await postOtlpJson(stack.agentUrl, "logs", logsRequest(events.slice(i, i + 50)))).toBe(200);
    const expectedNative = [...native].map(([model, n]) => [model, n]).sort();
    const counted = await waitForQuery(stack.prometheus.url, "claude_code_native_api_request_count_total", {
      predicate: (s) => JSON.stringify(s.map((x) => [x.metric["model"], Number(x.value[1])]).sort()) === JSON.stringify(expectedNative),
    });
    // One series per model (session.id governed away), written by one gateway: counted once.
    expect(counted.map((s) => Object.keys(s.metric).sort())).toEqual(counted.map(() => ["__name__", "gateway", "instance", "job", "model", "otel_scope_name", "source"]));
    expect(counted.every((s) => s.metric["source"] === "claude-code" && s.metric["instance"] === AGENT_ID)).toBe(true);

    // The disagreement alert's expression as Prometheus will evaluate it 15 minutes from now (its
    // hour ends 15 minutes before): both sides' counts as the transcripts have them, and the
    // busiest model alone off, by n/4 of n + n/4. (Soon after wave A: the gateways write each
    // series when it changes, and an instant selector sees a sample for 5 minutes.)
    const at = Date.now() / 1000 + 15 * 60;
    const perModel = async (record: string): Promise<string[][]> => {
      const r = await queryInstant(stack.prometheus.url, expandRecords(record, rules), at);
      return (r.resultType === "vector" ? r.result.map((x) => [x.metric["model"] ?? "", x.value[1]]) : []).sort();
    };
    expect(await perModel("model:claude_code_requests:increase1h")).toEqual([...ours].map(([m, k]) => [m, String(k)]).sort());
    expect(await perModel("model:claude_code_native_requests:increase1h")).toEqual([...native].map(([m, k]) => [m, String(k)]).sort());
    const disagrees = await queryInstant(stack.prometheus.url, expandRecords(alertExpr(rules, "ClaudeCodeTelemetryDisagrees", { scope: "model" }), rules), at);
    const o = ours.get(busiest) ?? 0;
    const n = native.get(busiest) ?? 0;
    expect(disagrees.resultType === "vector" ? disagrees.result.map((s) => [s.metric["model"], Number(s.value[1])]) : []).toEqual([[busiest, (n - o) / n]]);
    expect(n).toBeGreaterThanOrEqual(20);
    const bySession = await queryInstant(stack.prometheus.url, expandRecords(alertExpr(rules, "ClaudeCodeTelemetryDisagrees", { scope: "session" }), rules), at);
    // Session ids are not labels behind the agent (the opt-in list names none): the per-session variant has nothing to compare.
    expect(bySession.resultType === "vector" ? bySession.result : "not a vector").toEqual([]);

    // The hooks of wave A sent heartbeats: one series per developer (all on this one machine).
    const hooks = await waitForQuery(stack.prometheus.url, 'last_over_time(claude_code_telemetry_heartbeat_seconds{component="hooks"}[1h])', {
      predicate: (s) => s.length === DEVELOPERS,
    });
    expect(hooks.map((s) => [s.metric["host"], s.metric["instance"]]).sort()).toEqual(team.developers.map((d) => [hostname(), d.userId]));

    // Two developers run `watch` on their own machines; a third's stopped 20 minutes ago (someone
    // who sent nothing else here: a heartbeat older than what its writer already sent would be an
    // out-of-order sample of its target_info, refused by Prometheus).
    const now = Date.now();
    const machines = [
      { user: team.developers[0]?.userId, host: "laptop-a", timeMs: now },
      { user: team.developers[1]?.userId, host: "laptop-b", timeMs: now - 1_000 },
      { user: SILENT_USER, host: "laptop-c", timeMs: now - 20 * 60_000 },
    ];
    const destination = resolveDestination({ endpoint: stack.agentUrl }, {}, {}) as OtlpDestination;
    for (const m of machines) {
      const snapshot = {
        component: "watch" as const,
        host: m.host,
        user: m.user,
        timeMs: m.timeMs,
        outboxRequests: 0,
        outboxBytes: 0,
        outboxAgeMs: 0,
        spoolTriggers: 0,
        logErrors: 0,
      };
      expect(await postHeartbeat(destination, snapshot, buildResource({ OTEL_RESOURCE_ATTRIBUTES: `user.id=${m.user ?? ""}` }))).toEqual({ kind: "ok", status: 200 });
    }
    // last_over_time: the gateways write a heartbeat once (no scrape repeats it), so the silent
    // machine's is older than an instant query's 5 minutes.
    const watch = await waitForQuery(stack.prometheus.url, 'last_over_time(claude_code_telemetry_heartbeat_seconds{component="watch"}[1h])', { predicate: (s) => s.length === 3 });
    expect(watch.map((s) => [s.metric["host"], s.metric["instance"], Number(s.value[1])]).sort()).toEqual(machines.map((m) => [m.host, m.user, m.timeMs / 1000]));
    // The rules file, loaded into Prometheus: the silent-machine alert picks laptop-c, and only it.
    const silent = await waitForQuery(stack.prometheus.url, 'ALERTS{alertname="ClaudeCodeTelemetrySilent"}', { timeoutMs: 60_000 });
    expect(silent.map((s) => [s.metric["host"], s.metric["component"], s.metric["alertstate"]])).toEqual([["laptop-c", "watch", "pending"]]);
    const silentNow = await queryVector(stack.prometheus.url, alertExpr(rules, "ClaudeCodeTelemetrySilent", { signal: "watch" }));
    expect(silentNow.map((s) => s.metric["host"])).toEqual(["laptop-c"]);

    console.log(
      `team health: ${DEVELOPERS} hooks heartbeats, 3 watch heartbeats, silent: laptop-c; native ${JSON.stringify([...native])} vs ours ${JSON.stringify([...ours])}: ${busiest} off by ${((n - o) / n).toFixed(4)}`,
    );
  }, 180_000);

  it("a gateway killed mid-run and restarted: its share waits in the agent, then everything lands exactly", async () => {
    const [first, second] = [team.developers.slice(0, DEVELOPERS / 2), team.developers.slice(DEVELOPERS / 2)];
    await stack.killGateway(KILLED);
    const restart: GatewayRestart = { gateway: gatewayId(KILLED), atSeconds: Date.now() / 1000 };
    const killedEndpoint = stack.gateways[KILLED]?.otlpGrpcEndpoint ?? "";

    // Half the team sends while gateway 2 is dead: gateway 1 takes its own share at once; the
    // dead one's share stays in the agent's queue for that gateway (retried with backoff).
    for (const r of await inBatches(first, 2, (dev) => runDeveloperReplay(dev, stack.agentUrl))) expect(r.code, r.stderr).toBe(0);
    const during = await settle(stack, first, [], [restart], 5_000);
    const complete = first.filter((d) => holdsTotals(during.got, d.userId, during.want.get(d.userId)));
    expect(complete.length, "the dead gateway's share arrived without it").toBeLessThan(first.length);
    expect(stack.agent.logs()).toMatch(new RegExp(`Exporting failed\\. Will retry the request after interval\\..*"endpoint": "${killedEndpoint}"`));

    await stack.restartGateway(KILLED);
    for (const r of await inBatches(second, 2, (dev) => runDeveloperReplay(dev, stack.agentUrl))) expect(r.code, r.stderr).toBe(0);

    // The agent retries at most every 30 s (the otlp exporter's backoff), so allow for two rounds.
    const after = await settle(stack, team.developers, [], [restart], 120_000);
    expectSettled(after, team.developers);

    // Governed labels only: no session, prompt, request or user id became a label; the
    // machine, component and version on the heartbeat's gauges alone.
    const { perInstance } = await seriesAndLabels(stack.prometheus.url);
    const { labels } = await seriesAndLabels(stack.prometheus.url, '{__name__=~"claude_code_.+|gen_ai_.+",__name__!~"claude_code_telemetry_.+",source="claude-code-otel"}');
    expect(labels.filter((l) => !GOVERNED_LABELS.has(l))).toEqual([]);
    const health = await seriesAndLabels(stack.prometheus.url, '{__name__=~"claude_code_telemetry_.+",source="claude-code-otel"}');
    expect(health.labels.filter((l) => !GOVERNED_LABELS.has(l))).toEqual(["component", "host", "version"]);
    expect(labels).toEqual(expect.arrayContaining(["instance", "gateway", "project", "model", "tool_name", "outcome", "type"]));
    expect([...perInstance.keys()].sort()).toEqual([...team.developers.map((d) => d.userId), SILENT_USER].sort());
    const counts = [...perInstance]
      .filter(([instance]) => instance !== SILENT_USER)
      .map(([, n]) => n)
      .sort((a, b) => a - b);
    console.log(
      `team e2e: ${DEVELOPERS} developers, ${team.sessions} sessions, ${counts.reduce((a, b) => a + b, 0)} Prometheus series of our metrics ` +
        `(per developer: min ${counts[0]}, median ${counts[Math.floor(counts.length / 2)]}, max ${counts[counts.length - 1]}), ${after.traces.length} traces whole; ` +
        `after the restart ${after.got.hiddenResets} of ${gatewayId(KILLED)}'s counter series restarted at or above their last value (a reset rate() and increase() cannot see)`,
    );
  }, 400_000);
});

/** Longer than the remote-write exporter's default timeout (5 s), well within the gateway's. */
const SLOW_WRITE_MS = 7_000;

describe.runIf(collectorBin !== undefined && jaegerBin !== undefined && prometheusBin !== undefined)("team kit: a metrics store slower than 5 s a write", () => {
  let root: string;
  let dev: GeneratedDeveloper;
  let stack: TeamStack;

  beforeAll(async () => {
    requireBuild();
    root = mkdtempSync(join(tmpdir(), "cco-team-slow-"));
    const team = generateTeamCorpus({ root, developers: 1, sessionsPerDeveloper: 6, seed: 21, days: 2, hookedPerDeveloper: 0 });
    dev = team.developers[0] as GeneratedDeveloper;
    stack = await startTeamStack({ remoteWriteDelayMs: SLOW_WRITE_MS });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  // A remote write that outlives the exporter's timeout is a permanent error in
  // prometheus_remote_write v0.157.0 (dropped, never retried), and deltatocumulative has already
  // counted it: the stream's last total never reaches the store.
  it("every write lands, none dropped: Prometheus holds the report's totals and no collector shed anything", async () => {
    const r = await runDeveloperReplay(dev, stack.agentUrl);
    expect(r.code, r.stderr).toBe(0);
    const want = roundedTotals((await expectedTotals(dev.projects)).totals);
    let got: PrometheusTeamTotals | undefined;
    const deadline = Date.now() + 150_000;
    for (;;) {
      got = await prometheusTeamTotals(stack.prometheus.url, []);
      const shed = await collectorShed(stack);
      if (holdsTotals(got, dev.userId, want) || Object.keys(shed).length > 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    expect(await collectorShed(stack)).toEqual({});
    expect(instanceTotals(got, dev.userId)).toEqual(want);
    expect(stack.slowStore?.counts().abandoned).toBe(0);
    expect(stack.slowStore?.counts().passed).toBeGreaterThan(0);
  }, 300_000);
});
