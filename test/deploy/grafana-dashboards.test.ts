// Grafana dashboards and provisioning: checked against Grafana's own schema
// (the TypeScript types @grafana/schema publishes; it ships no JSON Schema) and
// against our invariants (datasource, variables, layout, thresholds, metric names).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  DATASOURCE_UID,
  EMPTY_WHEN_WELL_MARKER,
  OPTIONAL_PANEL_MARKER,
  QUERY_VARIABLES,
  allPanels,
  loadDashboards,
  referencedVariables,
  type DashboardJson,
  type DashboardPanel,
} from "../support/dashboards.js";
import { REPO_ROOT } from "../support/prometheus.js";
import { COLLECTOR_SERIES } from "../support/prometheus-series.js";

const dashboards = loadDashboards();

/** Every series name the collector writes for us (proved by collector-metrics.test.ts and collector-health.test.ts). */
const KNOWN_METRICS = COLLECTOR_SERIES;
/**
 * The row whose panels watch the installation itself: machines, hooks, both sources' request
 * counts. Its queries name their source and cover every project, whatever the variables say.
 */
const HEALTH_ROW = "Telemetry health";

/** The panels below the health row (it is the last row). */
function healthPanels(json: DashboardJson): Set<DashboardPanel> {
  const panels = allPanels(json);
  const row = panels.find((p) => p.type === "row" && p.title === HEALTH_ROW);
  if (row === undefined) return new Set();
  return new Set(panels.filter((p) => p.type !== "row" && (p.gridPos?.y ?? 0) > (row.gridPos?.y ?? 0)));
}
const PANEL_TYPES = new Set(["row", "timeseries", "stat", "table", "bargauge"]);
/** The port of the Jaeger UI in jaeger/config.yaml (JAEGER_QUERY_HTTP_ENDPOINT's default). */
const JAEGER_UI_PORT = /JAEGER_QUERY_HTTP_ENDPOINT:-127\.0\.0\.1:(\d+)/.exec(readFileSync(join(REPO_ROOT, "jaeger", "config.yaml"), "utf8"))?.[1];

// ---------------------------------------------------------------------------
// Schema check: each dashboard becomes a TypeScript module whose literal must
// satisfy @grafana/schema's Dashboard type, and each panel its panel plugin's
// Options / FieldConfig types. Object literals get excess-property checks, so
// misspelt keys fail as well as wrong values. Enums in the schema are TS enums;
// Relax<T> turns them into their literal values, as they appear in JSON.
const SCHEMA_PRELUDE = `
import type { Dashboard } from "@grafana/schema";
import type * as Raw from "@grafana/schema/dist/esm/raw/dashboard/x/Dashboard_types.gen";
import type * as TimeSeries from "@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen";
import type * as Stat from "@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen";
import type * as BarGauge from "@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen";
import type * as Table from "@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen";

type Relax<T> = T extends string
  ? \`\${T}\`
  : T extends number | boolean | null | undefined
    ? T
    : T extends readonly (infer U)[]
      ? Relax<U>[]
      : T extends object
        ? { [K in keyof T]: Relax<T[K]> }
        : T;
type StrictPanel<T extends string, O, C> = Relax<
  Omit<Raw.Panel, "type" | "options" | "fieldConfig"> & {
    type: T;
    options: O;
    fieldConfig: Omit<Raw.FieldConfigSource, "defaults"> & { defaults: Omit<Raw.FieldConfig, "custom"> & { custom?: C } };
  }
>;
export type Panels = {
  timeseries: StrictPanel<"timeseries", TimeSeries.Options, TimeSeries.FieldConfig>;
  stat: StrictPanel<"stat", Stat.Options, never>;
  bargauge: StrictPanel<"bargauge", BarGauge.Options, never>;
  table: StrictPanel<"table", Table.Options, Table.FieldConfig>;
  row: Relax<Raw.RowPanel>;
};
export type DashboardSchema = Relax<Dashboard>;
`;

function schemaModule(json: DashboardJson): string {
  const lines = [SCHEMA_PRELUDE, `export const dashboard = ${JSON.stringify(json, null, 2)} satisfies DashboardSchema;`];
  for (const panel of allPanels(json)) {
    const type = PANEL_TYPES.has(panel.type) ? panel.type : "unknown_panel_type";
    lines.push(`export const panel_${panel.id ?? "x"}_${lines.length} = ${JSON.stringify(panel, null, 2)} satisfies Panels["${type}"];`);
  }
  return lines.join("\n");
}

/** Type-checks the given modules in one program; diagnostics per module name. */
function typecheck(modules: Record<string, string>): Record<string, string[]> {
  const dir = join(REPO_ROOT, ".cache", "grafana-schema-check");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {};
  for (const [name, source] of Object.entries(modules)) {
    const file = join(dir, `${name}.ts`);
    writeFileSync(file, source);
    files[file] = name;
  }
  const program = ts.createProgram(Object.keys(files), {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  });
  const out: Record<string, string[]> = Object.fromEntries(Object.keys(modules).map((n) => [n, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const name = d.file ? files[d.file.fileName] : undefined;
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const text = `${where ? `line ${where.line + 1}: ` : ""}${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    if (name === undefined) throw new Error(`schema check: diagnostic outside the generated modules: ${text}`);
    out[name]?.push(text);
  }
  return out;
}

function firstPanel(json: DashboardJson, type: string): DashboardPanel {
  const p = allPanels(json).find((x) => x.type === type);
  if (!p) throw new Error(`no ${type} panel`);
  return p;
}

describe("Grafana dashboards", () => {
  it("exist", () => {
    expect(dashboards.map((d) => d.name)).toEqual(["claude-code-overview.json", "claude-code-sessions.json", "claude-code-tools.json"]);
  });

  it("satisfy @grafana/schema's Dashboard type and each panel plugin's Options/FieldConfig types (and the check catches mistakes)", () => {
    const modules: Record<string, string> = {};
    for (const d of dashboards) modules[d.name.replace(/\W/g, "_")] = schemaModule(d.json);

    // Negative controls: the same check must reject these.
    const base = dashboards[0]?.json;
    if (!base) throw new Error("no dashboards");
    const broken: Record<string, (j: DashboardJson) => void> = {
      misspelt_panel_key: (j) => Object.assign(firstPanel(j, "stat"), { gridpos: { h: 1, w: 1, x: 0, y: 0 } }),
      bad_threshold_mode: (j) => {
        const fc = firstPanel(j, "stat")["fieldConfig"] as { defaults: { thresholds: { mode: string } } };
        fc.defaults.thresholds.mode = "absolut";
      },
      bad_stat_option: (j) => Object.assign(firstPanel(j, "stat")["options"] as object, { colorMode: "rainbow" }),
      bad_draw_style: (j) => {
        const fc = firstPanel(j, "timeseries")["fieldConfig"] as { defaults: { custom: Record<string, unknown> } };
        fc.defaults.custom["drawStyle"] = "dots";
      },
      missing_legend: (j) => delete (firstPanel(j, "timeseries")["options"] as Record<string, unknown>)["legend"],
      bad_variable_type: (j) => Object.assign(j.templating?.list?.[0] ?? {}, { type: "dropdown" }),
      schema_version_string: (j) => Object.assign(j, { schemaVersion: "39" }),
    };
    for (const [name, mutate] of Object.entries(broken)) {
      const copy = structuredClone(base);
      mutate(copy);
      modules[`negative_${name}`] = schemaModule(copy);
    }

    const diagnostics = typecheck(modules);
    for (const d of dashboards) {
      expect(diagnostics[d.name.replace(/\W/g, "_")], d.name).toEqual([]);
    }
    for (const name of Object.keys(broken)) {
      expect(diagnostics[`negative_${name}`]?.length ?? 0, `negative control ${name} was not rejected`).toBeGreaterThan(0);
    }
  }, 120_000);

  for (const { name, json } of dashboards) {
    describe(name, () => {
      const panels = allPanels(json);
      const dataPanels = panels.filter((p) => p.type !== "row");
      const variables = json.templating?.list ?? [];

      it("has a uid, a modern schemaVersion, the claude-code tag and only supported panel types", () => {
        expect(json.uid).toMatch(/^[a-z0-9-]{8,40}$/);
        expect(json.schemaVersion).toBeGreaterThanOrEqual(39);
        expect(json["tags"]).toContain("claude-code");
        for (const p of panels) expect(PANEL_TYPES, `${p.title}: ${p.type}`).toContain(p.type);
      });

      it("has unique panel ids", () => {
        const ids = panels.map((p) => p.id);
        expect(ids.every((id) => typeof id === "number")).toBe(true);
        expect(new Set(ids).size).toBe(ids.length);
      });

      it("points every panel and target at the provisioned Prometheus datasource uid", () => {
        for (const p of dataPanels) {
          expect(p.datasource, p.title).toEqual({ type: "prometheus", uid: DATASOURCE_UID });
          for (const t of p.targets ?? []) {
            if (t.datasource !== undefined) expect(t.datasource, `${p.title} ${t.refId}`).toEqual({ type: "prometheus", uid: DATASOURCE_UID });
          }
        }
      });

      it("gives every panel targets with an expr, unique refIds and a unit", () => {
        for (const p of dataPanels) {
          const targets = p.targets ?? [];
          expect(targets.length, p.title).toBeGreaterThan(0);
          for (const t of targets) expect(typeof t.expr === "string" && t.expr.trim().length > 0, `${p.title} ${t.refId}`).toBe(true);
          expect(new Set(targets.map((t) => t.refId)).size, p.title).toBe(targets.length);
          const unit = (p["fieldConfig"] as { defaults?: { unit?: string } } | undefined)?.defaults?.unit;
          expect(["currencyUSD", "short", "percentunit", "s"], `${p.title} unit`).toContain(unit);
        }
      });

      it("defines project, model and source as multi-value query variables with All, and trace_url", () => {
        for (const v of QUERY_VARIABLES) {
          const def = variables.find((x) => x.name === v);
          expect(def, v).toBeDefined();
          expect(def?.type).toBe("query");
          expect(def?.["includeAll"]).toBe(true);
          expect(def?.["multi"]).toBe(true);
          expect(def?.["allValue"]).toBe(".*");
          expect(String(def?.["query"])).toMatch(/^label_values\(/);
          expect(def?.["datasource"]).toEqual({ type: "prometheus", uid: DATASOURCE_UID });
        }
        // The source variable defaults to our data only, so shared names are not counted twice.
        const source = variables.find((x) => x.name === "source");
        expect((source?.["current"] as { value?: unknown } | undefined)?.value).toEqual(["claude-code-otel"]);
        const traceUrl = variables.find((x) => x.name === "trace_url");
        expect(["textbox", "constant"]).toContain(traceUrl?.type);
        // Defaults to the Jaeger UI where jaeger/config.yaml serves it (not Grafana's own port).
        expect(traceUrl?.["query"]).toBe(`http://127.0.0.1:${JAEGER_UI_PORT}`);
        expect((traceUrl?.["current"] as { value?: unknown } | undefined)?.value).toBe(`http://127.0.0.1:${JAEGER_UI_PORT}`);
        expect((json.links ?? []).filter((l) => l["type"] === "link").map((l) => l["url"])).toEqual(["${trace_url}/search?service=claude-code-otel"]);
      });

      it("uses only defined variables in queries, variable queries and links", () => {
        const defined = new Set(variables.map((v) => v.name));
        const texts: Array<[string, string]> = [];
        for (const p of dataPanels) for (const t of p.targets ?? []) texts.push([`${p.title} ${t.refId}`, String(t.expr)]);
        for (const v of variables) if (typeof v["query"] === "string") texts.push([`variable ${v.name}`, v["query"]]);
        for (const l of json.links ?? []) texts.push([`link ${String(l["title"])}`, String(l["url"] ?? "")]);
        for (const [where, text] of texts) {
          for (const name of referencedVariables(text)) expect(defined.has(name), `${where} uses undefined $${name}`).toBe(true);
        }
      });

      it("queries only documented metric names, selecting source and project everywhere but in the health row (a fixed source, every project)", () => {
        const health = healthPanels(json);
        for (const p of dataPanels) {
          for (const t of p.targets ?? []) {
            const expr = String(t.expr);
            // Label names (by/without clauses, matchers, label_join's strings) are not metric names.
            const bare = expr
              .replace(/\{[^}]*\}/g, "{}")
              .replace(/"[^"]*"/g, '""')
              .replace(/\b(by|without)\s*\([^)]*\)/g, "");
            const names = [...bare.matchAll(/(?<![:\w])((?:claude_code|gen_ai)_[A-Za-z_]+)(?![:\w])/g)].map((m) => m[1]);
            expect(names.length, p.title).toBeGreaterThan(0);
            for (const name of names) expect(KNOWN_METRICS, `${p.title}: ${name}`).toContain(name);
            const selectors = [...expr.matchAll(/(?<![:\w])((?:claude_code|gen_ai)_[A-Za-z_]+)(?![:\w])(\{[^}]*\})?/g)].filter((m) => KNOWN_METRICS.has(m[1] ?? ""));
            expect(selectors.length, p.title).toBe(names.length);
            for (const m of selectors) {
              if (health.has(p)) {
                expect(m[2] ?? "", `${p.title}: ${m[0]}`).toMatch(/^\{source="(claude-code-otel|claude-code)"\}$/);
                continue;
              }
              expect(m[2] ?? "", `${p.title}: ${m[0]}`).toContain('source=~"$source"');
              expect(m[2] ?? "", `${p.title}: ${m[0]}`).toContain('project=~"$project"');
            }
          }
        }
      });

      it("shows no panel that is empty by default: opt-in panels sit only in collapsed rows", () => {
        const topLevel = json.panels ?? [];
        for (const p of topLevel) expect((p.description ?? "").includes(OPTIONAL_PANEL_MARKER), `${p.title} is shown by default`).toBe(false);
        for (const row of topLevel.filter((p) => p.type === "row")) {
          if (row["collapsed"] !== true) expect(row.panels ?? [], `${row.title}: an expanded row lists its panels at the top level`).toEqual([]);
        }
      });

      it("lays panels out on the 24-column grid without overlap", () => {
        const boxes = panels.map((p) => ({ title: p.title ?? "", ...(p.gridPos ?? { h: 0, w: 0, x: -1, y: -1 }) }));
        for (const b of boxes) {
          expect(b.x >= 0 && b.y >= 0 && b.w > 0 && b.h > 0 && b.x + b.w <= 24, `${b.title} gridPos`).toBe(true);
        }
        for (let i = 0; i < boxes.length; i++) {
          for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i];
            const b = boxes[j];
            if (!a || !b) continue;
            const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
            expect(overlap, `${a.title} overlaps ${b.title}`).toBe(false);
          }
        }
      });

      it("colours failure rates green < 3%, yellow 3-7%, red > 7%", () => {
        const failurePanels = dataPanels.filter((p) => /failure rate/i.test(p.title ?? ""));
        for (const p of failurePanels) {
          const fc = p["fieldConfig"] as { defaults: { thresholds?: unknown; unit?: string } };
          expect(fc.defaults.unit, p.title).toBe("percentunit");
          expect(fc.defaults.thresholds, p.title).toEqual({
            mode: "absolute",
            steps: [
              { color: "green", value: null },
              { color: "yellow", value: 0.03 },
              { color: "red", value: 0.07 },
            ],
          });
        }
        if (json.uid === "claude-code-tools") expect(failurePanels.length).toBeGreaterThanOrEqual(3);
      });
    });
  }

  it("watch the installation itself in the overview's last row: heartbeats, outboxes, hook errors, both sources' request counts", () => {
    const overview = dashboards.find((d) => d.json.uid === "claude-code-overview")?.json;
    if (overview === undefined) throw new Error("no overview dashboard");
    const rows = allPanels(overview).filter((p) => p.type === "row");
    expect(rows.at(-1)?.title).toBe(HEALTH_ROW);
    expect([...healthPanels(overview)].map((p) => p.title)).toEqual([
      "Machines sending telemetry",
      "Outbox backlog by machine",
      "Hook errors",
      "Requests: Claude Code's count and ours",
    ]);
    for (const d of dashboards) if (d.json.uid !== "claude-code-overview") expect(healthPanels(d.json).size, d.name).toBe(0);
    // Empty when all is well: allowed on real data (test/e2e/prometheus-totals.test.ts) for these two only.
    const mayBeEmpty = dashboards.flatMap((d) =>
      allPanels(d.json)
        .filter((p) => (p.description ?? "").includes(EMPTY_WHEN_WELL_MARKER))
        .map((p) => p.title),
    );
    expect(mayBeEmpty).toEqual(["Hook errors", "Requests: Claude Code's count and ours"]);
  });

  it("are unique by uid and title", () => {
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(dashboards.length);
    expect(new Set(dashboards.map((d) => d.json.title)).size).toBe(dashboards.length);
  });
});

describe("Grafana provisioning", () => {
  const provisioning = join(REPO_ROOT, "grafana", "provisioning");

  it("provisions the Prometheus datasource with the uid the dashboards use, URL from $PROMETHEUS_URL", () => {
    const doc = parse(readFileSync(join(provisioning, "datasources", "prometheus.yaml"), "utf8")) as {
      apiVersion: number;
      datasources: Array<Record<string, unknown>>;
    };
    expect(doc.apiVersion).toBe(1);
    expect(doc.datasources).toHaveLength(1);
    expect(doc.datasources[0]).toMatchObject({ uid: DATASOURCE_UID, type: "prometheus", access: "proxy", url: "${PROMETHEUS_URL}" });
  });

  it("provisions the Jaeger data source with uid jaeger, URL from $JAEGER_URL", () => {
    const doc = parse(readFileSync(join(provisioning, "datasources", "jaeger.yaml"), "utf8")) as {
      apiVersion: number;
      datasources: Array<Record<string, unknown>>;
    };
    expect(doc.apiVersion).toBe(1);
    expect(doc.datasources).toEqual([{ name: "Jaeger", uid: "jaeger", type: "jaeger", access: "proxy", url: "${JAEGER_URL}", isDefault: false, editable: false }]);
  });

  it("provisions dashboards from a file provider at /var/lib/grafana/dashboards", () => {
    const doc = parse(readFileSync(join(provisioning, "dashboards", "claude-code.yaml"), "utf8")) as {
      apiVersion: number;
      providers: Array<{ type: string; options: { path: string } }>;
    };
    expect(doc.apiVersion).toBe(1);
    expect(doc.providers).toHaveLength(1);
    expect(doc.providers[0]?.type).toBe("file");
    expect(doc.providers[0]?.options.path).toBe("/var/lib/grafana/dashboards");
  });
});
