import type { AttributeValue, Attributes, SpanData } from "./span-data.js";

function valueBytes(v: AttributeValue): number {
  if (typeof v === "string") return v.length + 4;
  if (Array.isArray(v)) {
    let n = 4;
    for (const x of v) n += x.length + 4;
    return n;
  }
  return 10;
}

function attributesBytes(attributes: Attributes): number {
  let n = 0;
  for (const key in attributes) n += key.length + 8 + valueBytes(attributes[key] as AttributeValue);
  return n;
}

/**
 * A cheap upper-bound-ish estimate of a span's OTLP protobuf size (ids, times, names, attributes,
 * events; string lengths in UTF-16 units, close to UTF-8 for our mostly ASCII values): used to
 * keep each request under collectors' 4 MiB body limit without serialising twice.
 */
export function estimateSpanBytes(span: SpanData): number {
  let n = 80 + span.name.length + (span.status.message?.length ?? 0) + attributesBytes(span.attributes);
  for (const e of span.events) n += 24 + e.name.length + attributesBytes(e.attributes);
  return n;
}
