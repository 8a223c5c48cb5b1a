import type { MetricPoint } from "../mapping/metric-point.js";
import { METRIC } from "../semconv/names.js";

import type { ExportOutcome, TelemetrySink } from "./sink.js";
import type { MetricWindow } from "../state/metric-clock.js";
import type { SpanData } from "../mapping/span-data.js";

/** Attributes worth a glance on a terminal; the rest is for backends. */
const SHOWN = ["claude_code.cost_usd", "gen_ai.usage.output_tokens", "claude_code.tool.outcome", "claude_code.compaction.trigger", "claude_code.project"];

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function line(span: SpanData, depth: number): string {
  const time = new Date(span.startTimeMs).toISOString().slice(11, 23);
  const attrs = SHOWN.filter((k) => span.attributes[k] !== undefined)
    .map((k) => `${k.split(".").pop() ?? k}=${String(span.attributes[k])}`)
    .join(" ");
  const status = span.status.code === "ERROR" ? `  ERROR ${JSON.stringify(span.status.message ?? "")}` : "";
  return `${time} ${"  ".repeat(depth)}${span.name}  ${duration(span.endTimeMs - span.startTimeMs)}${attrs ? `  ${attrs}` : ""}${status}\n`;
}

/** Spans as indented trees and metric totals, for `--console`: a human check, not a format. */
export function createConsoleSink(write: (text: string) => void): TelemetrySink {
  return {
    description: "the console",
    async exportSpans(spans: readonly SpanData[]): Promise<ExportOutcome> {
      const ids = new Set(spans.map((s) => s.spanId));
      const children = new Map<string, SpanData[]>();
      const roots: SpanData[] = [];
      for (const s of spans) {
        if (s.parentSpanId !== undefined && ids.has(s.parentSpanId)) {
          const list = children.get(s.parentSpanId) ?? [];
          list.push(s);
          children.set(s.parentSpanId, list);
        } else roots.push(s);
      }
      let out = "";
      const walk = (s: SpanData, depth: number): void => {
        out += line(s, depth);
        for (const c of (children.get(s.spanId) ?? []).sort((a, b) => a.startTimeMs - b.startTimeMs)) walk(c, depth + 1);
      };
      for (const r of roots.sort((a, b) => a.startTimeMs - b.startTimeMs)) {
        if (r.parentSpanId === undefined) out += `trace ${r.traceId}\n`;
        walk(r, 0);
      }
      write(out);
      return { ok: true, bytes: out.length };
    },
    async exportMetrics(points: readonly MetricPoint[], _window: MetricWindow): Promise<ExportOutcome> {
      const totals = new Map<string, { value: number; unit: string; count: number }>();
      for (const p of points) {
        const def = METRIC[p.metric];
        const t = totals.get(def.name) ?? { value: 0, unit: def.unit, count: 0 };
        t.value += p.value;
        t.count++;
        totals.set(def.name, t);
      }
      let out = "";
      for (const [name, t] of [...totals].sort(([a], [b]) => a.localeCompare(b)))
        out += `metric ${name} sum=${Number(t.value.toPrecision(12))} ${t.unit} (${t.count} measurements)\n`;
      write(out);
      return { ok: true, bytes: out.length };
    },
    async shutdown(): Promise<void> {},
  };
}
