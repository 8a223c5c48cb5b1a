/**
 * Destination attributes: every span carries what Langfuse reads AND what LangSmith reads; the
 * collector strips each product's keys from the other's pipeline (collector/overlays/*.yaml).
 * Pure, applied once at the end of the span mapping (map-spans.ts).
 */
import type { Attributes, SpanData } from "../span-data.js";
import type { DestinationContext } from "./context.js";
import { langfuseAttributes } from "./langfuse.js";
import { langsmithAttributes } from "./langsmith.js";

export type { DestinationContext, DestinationOptions } from "./context.js";
export { destinationContext, destinationOptionsFromResource } from "./context.js";

export function destinationAttributes(span: SpanData, ctx: DestinationContext): Attributes {
  return { ...langfuseAttributes(span, ctx), ...langsmithAttributes(span, ctx) };
}

/** The spans with both products' attributes added; the core attributes are never overwritten. */
export function withDestinationAttributes(spans: readonly SpanData[], ctx: DestinationContext): SpanData[] {
  return spans.map((s) => ({ ...s, attributes: { ...destinationAttributes(s, ctx), ...s.attributes } }));
}
