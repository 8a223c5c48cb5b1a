// Grafana dashboards as data, and a check that every panel query runs against a
// real Prometheus and returns something.
//
//   const report = await checkDashboardQueries(prom.url);
//   expect(report.problems, formatDashboardReport(report)).toEqual([]);
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, PromQueryError, queryInstant, queryRange, type PromResult } from "./prometheus.js";

export const DASHBOARDS_DIR = join(REPO_ROOT, "grafana", "dashboards");
/** The datasource uid provisioned by grafana/provisioning/datasources/prometheus.yaml. */
export const DATASOURCE_UID = "prometheus";
/**
 * Panels whose description contains this need the opt-in `session.id` metric label: empty is
 * allowed, so they sit in collapsed rows only (nothing shown by default is empty).
 */
export const OPTIONAL_PANEL_MARKER = "Needs the opt-in session.id metric label";
/**
 * Panels whose description contains this show nothing when all is well (no failed hook; no Claude
 * Code telemetry to compare with): empty is allowed on real data, never in the stand-in exposition.
 */
export const EMPTY_WHEN_WELL_MARKER = "May be empty:";
/** Template variables every dashboard defines and queries may use. */
export const QUERY_VARIABLES = ["source", "project", "model"] as const;

export interface DashboardTarget {
  refId?: string;
  expr?: string;
  instant?: boolean;
  range?: boolean;
  datasource?: { type?: string; uid?: string };
  [key: string]: unknown;
}
export interface DashboardPanel {
  id?: number;
  type: string;
  title?: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: DashboardTarget[];
  panels?: DashboardPanel[];
  [key: string]: unknown;
}
export interface DashboardJson {
  uid?: string;
  title?: string;
  schemaVersion: number;
  panels?: DashboardPanel[];
  templating?: { list?: Array<{ name: string; type: string; [key: string]: unknown }> };
  links?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}
export interface LoadedDashboard {
  file: string;
  /** File name without directory. */
  name: string;
  json: DashboardJson;
}

/** Every *.json dashboard in grafana/dashboards (or `dir`). */
export function loadDashboards(dir = DASHBOARDS_DIR): LoadedDashboard[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((name) => {
      const file = join(dir, name);
      return { file, name, json: JSON.parse(readFileSync(file, "utf8")) as DashboardJson };
    });
}

/** Top-level panels plus panels nested in collapsed rows. */
export function allPanels(dashboard: DashboardJson): DashboardPanel[] {
  const out: DashboardPanel[] = [];
  for (const p of dashboard.panels ?? []) {
    out.push(p);
    for (const nested of p.panels ?? []) out.push(nested);
  }
  return out;
}

export interface SubstitutionOptions {
  /** Value for $__range (Grafana: the dashboard's time range). Default "1h". */
  range?: string;
  /** Value for $__rate_interval. Default "1m". */
  rateInterval?: string;
  /** Value for $__interval. Default "1m". */
  interval?: string;
}

/** Replaces dashboard variables the way Grafana does with every variable set to All (allValue ".*"). */
export function substituteVariables(expr: string, options: SubstitutionOptions = {}): string {
  const builtins: Record<string, string> = {
    __range: options.range ?? "1h",
    __rate_interval: options.rateInterval ?? "1m",
    __interval: options.interval ?? "1m",
  };
  let out = expr;
  for (const [name, value] of Object.entries(builtins)) {
    out = out.split(`\${${name}}`).join(value).split(`$${name}`).join(value);
  }
  for (const name of QUERY_VARIABLES) {
    out = out.replace(new RegExp(`\\$\\{${name}(?::[a-z]+)?\\}|\\$${name}\\b`, "g"), ".*");
  }
  return out;
}

/** Variables `$name` / `${name}` referenced in an expression (Grafana built-ins `$__x` excluded). */
export function referencedVariables(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/\$\{([A-Za-z0-9_]+)(?::[a-z]+)?\}|\$([A-Za-z0-9_]+)/g)) {
    const name = m[1] ?? m[2];
    if (name && !name.startsWith("__")) names.add(name);
  }
  return [...names];
}

export interface PanelQueryResult {
  dashboard: string;
  panel: string;
  panelId: number | undefined;
  refId: string;
  /** The expression as sent, variables substituted. */
  expr: string;
  kind: "ok" | "error" | "empty" | "nan";
  /** Error text, or a short description of the result. */
  detail: string;
  /** The panel is marked optional (needs opt-in labels). */
  optional: boolean;
}

export interface DashboardQueryReport {
  /** Queries run. */
  checked: number;
  /** Errors, and empty results of non-optional panels. */
  problems: PanelQueryResult[];
  /** Empty results of optional panels (e.g. top sessions without session_id). */
  optionalEmpty: PanelQueryResult[];
  /** Results whose every value is NaN (e.g. a ratio or quantile of counters that did not move). */
  nanOnly: PanelQueryResult[];
  results: PanelQueryResult[];
}

export interface CheckDashboardOptions extends SubstitutionOptions {
  /** Dashboards to check; default all of grafana/dashboards. */
  dashboards?: LoadedDashboard[];
  /** Range-query step in seconds. Default 15. */
  stepSeconds?: number;
  /** Treat all-NaN results as problems too. Default false. */
  nanIsProblem?: boolean;
}

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
function durationSeconds(d: string): number {
  let total = 0;
  for (const m of d.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(m[1]) * (DURATION_UNITS[m[2] ?? "s"] ?? 1);
  if (total === 0) throw new Error(`bad duration ${d}`);
  return total;
}

function describe(result: PromResult): { kind: PanelQueryResult["kind"]; detail: string } {
  const values: string[] = [];
  let series = 0;
  switch (result.resultType) {
    case "vector":
      series = result.result.length;
      for (const s of result.result) values.push(s.value[1]);
      break;
    case "matrix":
      series = result.result.length;
      for (const s of result.result) for (const v of s.values) values.push(v[1]);
      break;
    case "scalar":
    case "string":
      series = 1;
      values.push(result.result[1]);
      break;
  }
  if (series === 0 || values.length === 0) return { kind: "empty", detail: "no series" };
  if (values.every((v) => v === "NaN")) return { kind: "nan", detail: `${series} series, all NaN` };
  return { kind: "ok", detail: `${series} series` };
}

/**
 * Runs every panel query of every dashboard against Prometheus at `promUrl`,
 * variables set to All; instant targets as instant queries, the others as range
 * queries over the last `range`. Reports, by dashboard and panel title, every
 * query that errors or returns nothing.
 */
export async function checkDashboardQueries(promUrl: string, options: CheckDashboardOptions = {}): Promise<DashboardQueryReport> {
  const dashboards = options.dashboards ?? loadDashboards();
  const rangeSeconds = durationSeconds(options.range ?? "1h");
  const step = options.stepSeconds ?? 15;
  const results: PanelQueryResult[] = [];
  for (const d of dashboards) {
    for (const panel of allPanels(d.json)) {
      const optional = (panel.description ?? "").includes(OPTIONAL_PANEL_MARKER) || (panel.description ?? "").includes(EMPTY_WHEN_WELL_MARKER);
      for (const target of panel.targets ?? []) {
        if (typeof target.expr !== "string") continue;
        const expr = substituteVariables(target.expr, options);
        const base = {
          dashboard: d.json.title ?? d.name,
          panel: panel.title ?? `#${panel.id ?? "?"}`,
          panelId: panel.id,
          refId: target.refId ?? "?",
          expr,
          optional,
        };
        try {
          const now = Date.now() / 1000;
          const result = target.instant === true && target.range !== true ? await queryInstant(promUrl, expr, now) : await queryRange(promUrl, expr, now - rangeSeconds, now, step);
          results.push({ ...base, ...describe(result) });
        } catch (err) {
          if (!(err instanceof PromQueryError) && !(err instanceof Error)) throw err;
          results.push({ ...base, kind: "error", detail: err.message });
        }
      }
    }
  }
  const problems = results.filter((r) => r.kind === "error" || (r.kind === "empty" && !r.optional) || (r.kind === "nan" && options.nanIsProblem === true));
  return {
    checked: results.length,
    problems,
    optionalEmpty: results.filter((r) => r.kind === "empty" && r.optional),
    nanOnly: results.filter((r) => r.kind === "nan"),
    results,
  };
}

/** Human-readable list of problems, for assertion messages. */
export function formatDashboardReport(report: DashboardQueryReport): string {
  const line = (r: PanelQueryResult) => `  [${r.kind}] ${r.dashboard} / ${r.panel} (${r.refId}): ${r.detail}\n      ${r.expr}`;
  const parts = [`${report.checked} queries, ${report.problems.length} problems`];
  if (report.problems.length) parts.push(...report.problems.map(line));
  if (report.optionalEmpty.length) parts.push("optional panels without data:", ...report.optionalEmpty.map(line));
  if (report.nanOnly.length) parts.push("all-NaN results:", ...report.nanOnly.map(line));
  return parts.join("\n");
}
