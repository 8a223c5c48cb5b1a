// `watch --prometheus-port`'s in-process /metrics (the OpenTelemetry SDK's Prometheus exporter):
// past 1,999 attribute sets an instrument's further sets are merged into one series labelled
// otel_metric_overflow="true". That must never happen silently: the warning comes once, when the
// first set overflows, and the overflow series still carries every measurement.
import { afterEach, describe, expect, it } from "vitest";
import { CARDINALITY_LIMIT, overflowWarning, startPrometheusEndpoint, type PrometheusEndpoint } from "../../src/cli/prometheus-endpoint.js";
import type { MetricPoint } from "../../src/mapping/metric-point.js";

const toolCall = (i: number): MetricPoint => ({
  metric: "toolCalls",
  value: 1,
  unitKey: `tool/${i}`,
  attributes: Object.freeze({ project: "p", tool_name: `tool-${i}`, outcome: "success" }),
});

async function scrape(endpoint: PrometheusEndpoint): Promise<string[]> {
  return (await (await fetch(endpoint.url)).text()).split("\n").filter((l) => l.startsWith("claude_code_tool_calls_total{"));
}

describe("the SDK's cardinality limit on the in-process /metrics", () => {
  let endpoint: PrometheusEndpoint | undefined;
  afterEach(async () => {
    await endpoint?.stop();
    endpoint = undefined;
  });

  it("is the SDK's default, 2,000", () => {
    expect(CARDINALITY_LIMIT).toBe(2000);
  });

  it("1,999 attribute sets: every one its own series, no warning", async () => {
    const warnings: string[] = [];
    endpoint = await startPrometheusEndpoint(0, "127.0.0.1", (w) => warnings.push(w));
    endpoint.record(Array.from({ length: CARDINALITY_LIMIT - 1 }, (_, i) => toolCall(i)));
    const lines = await scrape(endpoint);
    expect(lines).toHaveLength(CARDINALITY_LIMIT - 1);
    expect(lines.filter((l) => l.includes("otel_metric_overflow"))).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it("2,100 attribute sets: 1,999 series, the rest in the overflow series, one warning naming the instrument", async () => {
    const warnings: string[] = [];
    endpoint = await startPrometheusEndpoint(0, "127.0.0.1", (w) => warnings.push(w));
    endpoint.record(Array.from({ length: 2100 }, (_, i) => toolCall(i)));
    // The same sets again: still one warning.
    endpoint.record(Array.from({ length: 2100 }, (_, i) => toolCall(i)));
    // Another instrument far below the limit: no warning of its own.
    endpoint.record([{ metric: "turnCount", value: 1, unitKey: "turn/0", attributes: Object.freeze({ project: "p" }) }]);
    const lines = await scrape(endpoint);
    const overflow = lines.filter((l) => l.includes('otel_metric_overflow="true"'));
    expect(overflow).toHaveLength(1);
    expect(lines).toHaveLength(CARDINALITY_LIMIT);
    const total = lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
    expect(total).toBe(4200);
    expect(Number(overflow[0]?.slice(overflow[0].lastIndexOf(" ") + 1))).toBe(2 * (2100 - (CARDINALITY_LIMIT - 1)));
    expect(warnings).toEqual([overflowWarning("claude_code.tool.calls", CARDINALITY_LIMIT)]);
    expect(warnings[0]).toContain("claude_code.tool.calls has 2,000 attribute sets");
  });
});
