import { expect } from "vitest";

interface SpanLike {
  readonly spanId: string;
  readonly name: string;
  readonly attributes: Record<string, unknown>;
}

/**
 * The spans as a backend that keeps the last version of a span id sees them. The only spans ever
 * sent twice are open parents: first provisional (`claude_code.span.provisional`, sent ahead of
 * their first children so that none arrives before its parent), then final, once each. Anything
 * else repeated is a duplicate.
 */
export function settleUpserts<T extends SpanLike>(received: readonly T[]): T[] {
  const copies = new Map<string, T[]>();
  for (const s of received) copies.set(s.spanId, [...(copies.get(s.spanId) ?? []), s]);
  const settled: T[] = [];
  for (const [id, list] of copies) {
    const last = list[list.length - 1] as T;
    if (list.length > 1) {
      const earlier = list.slice(0, -1);
      expect(
        earlier.length === 1 && earlier.every((s) => s.attributes["claude_code.span.provisional"] === true) && last.attributes["claude_code.span.provisional"] === undefined,
        `span ${id} (${last.name}) received ${list.length} times`,
      ).toBe(true);
    }
    settled.push(last);
  }
  return settled;
}
