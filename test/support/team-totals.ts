/**
 * What a team deployment must hold, read back from the stores: per developer (the `instance`
 * label, the writer), the totals in Prometheus next to `report --json` of that developer's
 * history; and every session's trace in Jaeger next to the spans the mapping makes of it.
 *
 * Prometheus totals are read from the raw samples, not from the last value: a gateway that was
 * killed lost its running totals, so its series restart at the next delta. The total of such a
 * series is the last sample before the restart plus the last one after. Any other decrease is a
 * fault (two writers or two gateways on one series) and is counted, never smoothed over.
 */
import type { Session } from "../../src/model/types.js";
import { traceIdFor } from "../../src/mapping/ids.js";
import { runCli } from "./cli.js";
import { exportedSpans } from "./exported-spans.js";
import type { RunningJaeger } from "./jaeger.js";
import { queryInstant, type PromSeries } from "./prometheus.js";
import { loadAllSessions } from "./sessions.js";

export interface TeamTotals {
  sessions: number;
  /** The cost counter (claude_code.cost.usage minus claude_code.cost.overcount): report --json's cost. */
  costCounterUsd: number;
  /** The session-cost histogram's sum: report --json's cost. */
  sessionCostUsd: number;
  sessionCostCount: number;
  turns: number;
  toolCalls: number;
  toolFailures: number;
  compactions: number;
  tokens: Record<string, number>;
}

export const emptyTotals = (): TeamTotals => ({
  sessions: 0,
  costCounterUsd: 0,
  sessionCostUsd: 0,
  sessionCostCount: 0,
  turns: 0,
  toolCalls: 0,
  toolFailures: 0,
  compactions: 0,
  tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 },
});

/** A gateway restart: its series' samples before `atSeconds` and after are two running totals. */
export interface GatewayRestart {
  readonly gateway: string;
  readonly atSeconds: number;
}

export interface SeriesTotal {
  readonly total: number;
  /** Decreases not explained by a restart: a fault. */
  readonly unexplainedResets: number;
  /** Restarts after which the first sample was not below the last one: invisible to rate() and increase(). */
  readonly hiddenResets: number;
}

/** The exact total of one counter series over its raw samples (see the header). */
export function seriesTotal(series: PromSeries, restarts: readonly GatewayRestart[]): SeriesTotal {
  const cuts = restarts.filter((r) => r.gateway === series.metric["gateway"]).map((r) => r.atSeconds);
  let total = 0;
  let last: number | undefined;
  let lastAt = -Infinity;
  let unexplainedResets = 0;
  let hiddenResets = 0;
  for (const [at, text] of series.values) {
    const value = Number(text);
    if (last !== undefined) {
      const restarted = cuts.some((cut) => lastAt < cut && at >= cut);
      if (restarted) {
        total += last;
        if (value >= last) hiddenResets++;
      } else if (value < last) {
        unexplainedResets++;
        total += last;
      }
    }
    last = value;
    lastAt = at;
  }
  return { total: total + (last ?? 0), unexplainedResets, hiddenResets };
}

const OUR_COUNTERS =
  "claude_code_(session_count_total|cost_usage_USD_total|cost_overcount_USD_total|session_cost_USD_sum|session_cost_USD_count|token_usage_tokens_total|tool_calls_total|turn_count_total|compaction_count_total)";

export interface PrometheusTeamTotals {
  /** By `instance` (the developer). */
  readonly byInstance: Map<string, TeamTotals>;
  readonly series: number;
  readonly unexplainedResets: number;
  readonly hiddenResets: number;
  /** Series of one instance written by more than one gateway (a split stream). */
  readonly splitStreams: number;
}

/** Every raw sample of our counters in the last `windowSeconds`, folded into per-developer totals. */
export async function prometheusTeamTotals(promUrl: string, restarts: readonly GatewayRestart[], windowSeconds = 3_600): Promise<PrometheusTeamTotals> {
  const result = await queryInstant(promUrl, `{__name__=~"${OUR_COUNTERS}",source="claude-code-otel"}[${windowSeconds}s]`);
  const series = result.resultType === "matrix" ? result.result : [];
  const byInstance = new Map<string, TeamTotals>();
  const writers = new Map<string, Set<string>>();
  let unexplainedResets = 0;
  let hiddenResets = 0;
  for (const s of series) {
    const { total, unexplainedResets: u, hiddenResets: h } = seriesTotal(s, restarts);
    unexplainedResets += u;
    hiddenResets += h;
    const m = s.metric;
    const instance = m["instance"] ?? "";
    const t = byInstance.get(instance) ?? emptyTotals();
    byInstance.set(instance, t);
    const { gateway, ...identity } = m;
    const key = JSON.stringify(Object.entries(identity).sort());
    writers.set(key, (writers.get(key) ?? new Set()).add(gateway ?? ""));
    switch (m["__name__"] ?? "") {
      case "claude_code_session_count_total":
        t.sessions += total;
        break;
      case "claude_code_cost_usage_USD_total":
        t.costCounterUsd += total;
        break;
      case "claude_code_cost_overcount_USD_total":
        t.costCounterUsd -= total;
        break;
      case "claude_code_session_cost_USD_sum":
        t.sessionCostUsd += total;
        break;
      case "claude_code_session_cost_USD_count":
        t.sessionCostCount += total;
        break;
      case "claude_code_token_usage_tokens_total":
        t.tokens[m["type"] ?? "?"] = (t.tokens[m["type"] ?? "?"] ?? 0) + total;
        break;
      case "claude_code_tool_calls_total":
        t.toolCalls += total;
        if (m["outcome"] === "failure") t.toolFailures += total;
        break;
      case "claude_code_turn_count_total":
        t.turns += total;
        break;
      case "claude_code_compaction_count_total":
        t.compactions += total;
        break;
      default:
        break;
    }
  }
  const splitStreams = [...writers.values()].filter((g) => g.size > 1).length;
  return { byInstance, series: series.length, unexplainedResets, hiddenResets, splitStreams };
}

interface ReportJson {
  sessions: { sessionId: string }[];
  totals: { sessions: number; costUsd: number; turns: number; toolCalls: number; toolFailures: number; compactions: number; tokens: Record<string, number> };
}

/** What Prometheus must hold for one developer: `report --json` of their history (plus the cost counter's rule). */
export async function expectedTotals(projectsDir: string, extraArgs: readonly string[] = []): Promise<{ totals: TeamTotals; sessions: Session[] }> {
  const r = await runCli(["report", "--json", "--no-cache", "--projects-dir", projectsDir, ...extraArgs]);
  if (r.code !== 0) throw new Error(`report --json failed: ${r.stderr}`);
  const parsed = JSON.parse(r.stdout) as ReportJson;
  const report = parsed.totals;
  const selected = new Set(parsed.sessions.map((s) => s.sessionId));
  const sessions = (await loadAllSessions(projectsDir)).filter((s) => selected.has(s.sessionId));
  return {
    sessions,
    totals: {
      sessions: report.sessions,
      costCounterUsd: sessions.reduce((n, s) => n + s.cost.totalUsd, 0),
      sessionCostUsd: report.costUsd,
      sessionCostCount: report.sessions,
      turns: report.turns,
      toolCalls: report.toolCalls,
      toolFailures: report.toolFailures,
      compactions: report.compactions,
      tokens: { ...report.tokens },
    },
  };
}

/** Money to the nano-dollar (sums of doubles in another order differ in the last bits); counts exact. */
export function roundedTotals(t: TeamTotals): TeamTotals {
  const usd = (n: number): number => Math.round(n * 1e9) / 1e9;
  return { ...t, costCounterUsd: usd(t.costCounterUsd), sessionCostUsd: usd(t.sessionCostUsd) };
}

/** A developer's totals as Prometheus holds them (instance = user id), rounded; absent, an empty object's. */
export function instanceTotals(got: PrometheusTeamTotals, instance: string): TeamTotals {
  return roundedTotals(got.byInstance.get(instance) ?? ({} as TeamTotals));
}

/** Whether Prometheus holds exactly `want` (rounded) for the developer `instance`. */
export function holdsTotals(got: PrometheusTeamTotals, instance: string, want: TeamTotals | undefined): boolean {
  return JSON.stringify(instanceTotals(got, instance)) === JSON.stringify(want);
}

export interface TraceCheck {
  readonly sessionId: string;
  readonly traceId: string;
  /** Span ids the mapping makes of the session (the final spans, as Jaeger keeps them). */
  readonly expected: number;
  /** Span ids Jaeger returned (each copy counted). */
  readonly found: number;
  readonly missing: readonly string[];
  readonly extra: readonly string[];
  readonly duplicated: number;
  readonly warnings: number;
}

/** Each session's trace in Jaeger next to the spans the mapping makes of it. */
export async function checkTraces(jaeger: RunningJaeger, sessions: readonly Session[]): Promise<TraceCheck[]> {
  const out: TraceCheck[] = [];
  for (const session of sessions) {
    const traceId = traceIdFor(session.sessionId);
    const expected = new Set((await exportedSpans(session)).map((s) => s.spanContext().spanId));
    const trace = await jaeger.trace(traceId);
    const ids = (trace?.spans ?? []).map((s) => s.spanID);
    const found = new Set(ids);
    out.push({
      sessionId: session.sessionId,
      traceId,
      expected: expected.size,
      found: ids.length,
      missing: [...expected].filter((id) => !found.has(id)),
      extra: [...found].filter((id) => !expected.has(id)),
      duplicated: ids.length - found.size,
      warnings: (trace?.spans ?? []).filter((s) => (s.warnings ?? []).length > 0).length + (trace?.warnings ?? []).length,
    });
  }
  return out;
}

/** Only the traces with a problem (an empty list: every trace whole). */
export const incompleteTraces = (checks: readonly TraceCheck[]): TraceCheck[] =>
  checks.filter((c) => c.missing.length > 0 || c.extra.length > 0 || c.duplicated > 0 || c.warnings > 0);

/** Every series of our metrics. */
export const OUR_SERIES = '{__name__=~"claude_code_.+|gen_ai_.+",source="claude-code-otel"}';

/** Series of our metrics (or of `selector`) per `instance` (histogram buckets included), and every label name they use. */
export async function seriesAndLabels(promUrl: string, selector = OUR_SERIES): Promise<{ perInstance: Map<string, number>; labels: string[] }> {
  const counts = await queryInstant(promUrl, `count by (instance) (last_over_time(${selector}[1h]))`);
  const perInstance = new Map<string, number>();
  if (counts.resultType === "vector") for (const s of counts.result) perInstance.set(s.metric["instance"] ?? "", Number(s.value[1]));
  const res = await fetch(`${promUrl}/api/v1/labels?${new URLSearchParams({ "match[]": selector, start: String(Date.now() / 1000 - 3_600) }).toString()}`, {
    signal: AbortSignal.timeout(10_000),
  });
  const labels = ((await res.json()) as { data: string[] }).data;
  return { perInstance, labels: [...labels].sort() };
}
