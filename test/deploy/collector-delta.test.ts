// How delta points become Prometheus totals in the real collector (deltatocumulative →
// prometheus exporter), for the client's single-writer outbox design: batch k carries
// start = time of batch k-1 and time = now, shared by every stream in it; a stream may skip
// batches; a retry re-sends a batch verbatim. See docs/metrics-delivery.md.
//
// Every case uses its own series (label `case`), so one collector serves them all. After the
// points under test, settle() sends a sentinel and waits for it: the pipeline keeps order,
// so once the sentinel is visible every earlier point has been accepted or dropped.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_CONFIG, RESTAMP_EXAMPLE, requireCollector, startCollector, type RunningCollector } from "../support/collector.js";
import { OUR_RESOURCE, findSamples, metricsRequest, postOtlpJson, scrape, type Attrs, type MetricPoint } from "../support/otlp-json.js";

const T0 = Date.now() - 10 * 60_000;
/** The client's persisted global clock: batch k spans [t(k-1), t(k)]. */
const t = (k: number): number => T0 + k * 1_000;

const cost = (series: string, k: number, value: number, startK = k - 1): MetricPoint => ({
  kind: "sum",
  name: "claude_code.cost.usage",
  unit: "USD",
  attributes: { project: "delta", case: series },
  startMs: t(startK),
  timeMs: t(k),
  value,
});
const duration = (series: string, k: number, counts: number[], total: number): MetricPoint => ({
  kind: "histogram",
  name: "claude_code.tool.duration",
  unit: "s",
  attributes: { project: "delta", case: series, tool_name: "Bash", outcome: "success" },
  startMs: t(k - 1),
  timeMs: t(k),
  bounds: [1, 10],
  counts,
  sum: total,
});

class Harness {
  private sentinel = 0;
  private lastSentinelMs = Date.now() - 1_000;
  constructor(readonly collector: RunningCollector) {}

  async send(...points: MetricPoint[]): Promise<void> {
    await this.sendAs(OUR_RESOURCE, ...points);
  }

  async sendAs(resource: Attrs, ...points: MetricPoint[]): Promise<void> {
    expect(await postOtlpJson(this.collector.otlpHttpUrl, "metrics", metricsRequest(points, resource))).toBe(200);
  }

  /** Sends one more sentinel delta and waits until the exporter shows it. */
  async settle(): Promise<void> {
    const now = Math.max(Date.now(), this.lastSentinelMs + 1);
    await this.send({ kind: "sum", name: "claude_code.turn.count", unit: "{turn}", attributes: { case: "sentinel" }, startMs: this.lastSentinelMs, timeMs: now, value: 1 });
    this.lastSentinelMs = now;
    const want = ++this.sentinel;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const got = findSamples(await scrape(this.collector.prometheusUrl), "claude_code_turn_count_total", { case: "sentinel" })[0]?.value;
      if (got === want) return;
      if (Date.now() > deadline) throw new Error(`sentinel stuck at ${got}, want ${want}\n${this.collector.logs()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async value(name: string, series: string, labels: Record<string, string> = {}): Promise<number | undefined> {
    await this.settle();
    return findSamples(await scrape(this.collector.prometheusUrl), name, { case: series, ...labels })[0]?.value;
  }
  total = (series: string): Promise<number | undefined> => this.value("claude_code_cost_usage_USD_total", series);
}

const bin = requireCollector();

describe.skipIf(!bin)("delta points through deltatocumulative → prometheus (base config)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = new Harness(await startCollector({ configs: [BASE_CONFIG] }));
  });
  afterAll(async () => {
    await h?.collector.stop();
  });

  it("adds up a series that skips batches (start = previous global batch, not its own last point)", async () => {
    await h.send(cost("gaps", 1, 1));
    await h.send(cost("gaps", 3, 2)); // absent from batch 2: [t2,t3] leaves a hole after t1
    await h.send(cost("gaps", 7, 4)); // absent from batches 4-6
    expect(await h.total("gaps")).toBe(7);
  });

  it("drops an exact re-send of a batch (same start and time): a retry is not counted twice", async () => {
    await h.send(cost("retry", 1, 1));
    await h.send(cost("retry", 2, 2));
    await h.send(cost("retry", 2, 2)); // the ambiguous-timeout retry
    expect(await h.total("retry")).toBe(3);
    await h.send(cost("retry", 3, 5)); // and the series carries on
    expect(await h.total("retry")).toBe(8);
  });

  it("drops a point from a second writer whose time is not after the series' last time", async () => {
    await h.send(cost("two-writers", 2, 1, 0)); // writer A: [t0, t2]
    await h.send(cost("two-writers", 1, 2, 0)); // writer B, own clock, arrives later: [t0, t1] → out of order
    expect(await h.total("two-writers")).toBe(1);
    await h.send(cost("two-writers", 3, 4, 1)); // overlapping [t1, t3] but later time: accepted
    expect(await h.total("two-writers")).toBe(5);
  });

  it("keeps writers with distinct resource identity apart: nothing lost, but one series per writer", async () => {
    await h.sendAs({ ...OUR_RESOURCE, "service.instance.id": "writer-a" }, cost("instances", 2, 1, 0));
    await h.sendAs({ ...OUR_RESOURCE, "service.instance.id": "writer-b" }, cost("instances", 1, 2, 0));
    await h.settle();
    const series = findSamples(await scrape(h.collector.prometheusUrl), "claude_code_cost_usage_USD_total", { case: "instances" });
    expect(series.map((s) => [s.labels["instance"], s.value]).sort()).toEqual([
      ["writer-a", 1],
      ["writer-b", 2],
    ]);
  });

  it("drops a point that starts before the series' first start", async () => {
    await h.send(cost("older-start", 5, 1, 4));
    await h.send(cost("older-start", 6, 2, 3)); // later time but start t3 < t4
    expect(await h.total("older-start")).toBe(1);
  });

  it("accumulates delta explicit-bucket histograms the same way (gaps added, re-send dropped)", async () => {
    await h.send(duration("histo", 1, [1, 0, 0], 0.5));
    await h.send(duration("histo", 4, [0, 2, 1], 31)); // gap: batches 2-3 absent
    await h.send(duration("histo", 4, [0, 2, 1], 31)); // retry
    const bucket = (le: string): Promise<number | undefined> => h.value("claude_code_tool_duration_seconds_bucket", "histo", { le });
    expect(await h.value("claude_code_tool_duration_seconds_count", "histo")).toBe(4);
    expect(await h.value("claude_code_tool_duration_seconds_sum", "histo")).toBe(31.5);
    expect([await bucket("1"), await bucket("10"), await bucket("+Inf")]).toEqual([1, 3, 4]);
  });
});

describe.skipIf(!bin)("delta points with collector-side restamping (examples/restamp-deltas.yaml)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = new Harness(await startCollector({ configs: [BASE_CONFIG, RESTAMP_EXAMPLE] }));
  });
  afterAll(async () => {
    await h?.collector.stop();
  });

  it("keeps the second writer's out-of-order point", async () => {
    await h.send(cost("two-writers", 2, 1, 0));
    await h.send(cost("two-writers", 1, 2, 0));
    expect(await h.total("two-writers")).toBe(3);
  });

  it("but counts an exact re-send twice: at-least-once, not exactly-once", async () => {
    await h.send(cost("retry", 1, 1));
    await h.send(cost("retry", 1, 1));
    expect(await h.total("retry")).toBe(2);
  });
});
