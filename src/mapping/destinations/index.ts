/**
 * Destination attributes: every span carries what Langfuse reads AND what LangSmith reads; the
 * collector strips each product's keys from the other's pipeline (collector/overlays/*.yaml).
 * Pure, applied once at the end of the span mapping (map-spans.ts).
 */
import type { Attributes, SpanData } from "../span-data.js";
import { makeSpan } from "../span-data.js";
import type { DestinationContext } from "./context.js";
import { spanFacts } from "./context.js";
import { langfuseAttributes } from "./langfuse.js";
import { langsmithAttributes } from "./langsmith.js";
import type { DestinationName } from "./select.js";
import { ALL_DESTINATIONS } from "./select.js";

export type { DestinationContext, DestinationOptions } from "./context.js";
export { destinationContext, destinationOptionsFromResource } from "./context.js";
export type { LangsmithBounds, LangsmithLayout, LangsmithPlace } from "./langsmith-traces.js";
export { LANGSMITH_BOUNDS, langsmithLayout, toLangsmithShape } from "./langsmith-traces.js";
export type { DestinationName } from "./select.js";
export { ALL_DESTINATIONS, DestinationsError, parseDestinations, resolveDestinations } from "./select.js";

export function destinationAttributes(span: SpanData, ctx: DestinationContext, products: readonly DestinationName[] = ALL_DESTINATIONS): Attributes {
  const [langfuse, langsmith] = productParts(span, ctx, products);
  return { ...langfuse, ...langsmith };
}

const NONE: Attributes = Object.freeze({});

function productParts(span: SpanData, ctx: DestinationContext, products: readonly DestinationName[]): [Attributes, Attributes] {
  const facts = spanFacts(span);
  return [products.includes("langfuse") ? langfuseAttributes(span, ctx, facts) : NONE, products.includes("langsmith") ? langsmithAttributes(span, ctx, facts) : NONE];
}

/** The spans with the chosen products' attributes added; the core attributes are never overwritten. */
export function withDestinationAttributes(spans: readonly SpanData[], ctx: DestinationContext, products: readonly DestinationName[] = ALL_DESTINATIONS): SpanData[] {
  if (products.length === 0) return [...spans];
  return spans.map((s) => {
    const [langfuse, langsmith] = productParts(s, ctx, products);
    // One literal of spreads, the core attributes last so that they win: V8 builds it in fast
    // mode, which the serializer walks quickly (docs/performance.md, "Sixth session").
    return makeSpan(s, s, { ...langfuse, ...langsmith, ...s.attributes });
  });
}
