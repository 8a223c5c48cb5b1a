import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Resource } from "@opentelemetry/resources";
import type { Destination } from "../../src/delivery/destination.js";
import { createOutboxSink } from "../../src/delivery/outbox-sink.js";
import type { SendResult } from "../../src/delivery/send-outbox.js";
import { sendOutbox } from "../../src/delivery/send-outbox.js";
import { encodingsOf, transportFor } from "../../src/delivery/transports.js";
import type { MetricPoint } from "../../src/mapping/metric-point.js";
import type { SpanData } from "../../src/mapping/span-data.js";
import { buildResource } from "../../src/sdk/resource.js";

/** Spans and points to a destination the way every command does: a (throwaway) outbox, then its sender. */
export async function deliverOnce(
  destination: Destination,
  spans: readonly SpanData[],
  points: readonly MetricPoint[],
  window = { startMs: 1_000, timeMs: 2_000 },
  resource: Resource = buildResource({}),
): Promise<SendResult> {
  const outbox = join(mkdtempSync(join(tmpdir(), "cco-deliver-")), "outbox");
  const sink = createOutboxSink(outbox, encodingsOf(destination), resource.attributes, destination.label);
  const a = await sink.exportSpans(spans);
  const b = await sink.exportMetrics(points, window);
  if (!a.ok || !b.ok) throw new Error(`could not write the outbox: ${JSON.stringify([a, b])}`);
  sink.commit?.();
  return sendOutbox(outbox, transportFor(destination), { budgetMs: 30_000 });
}
