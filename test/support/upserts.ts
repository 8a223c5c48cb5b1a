import { expect } from "vitest";

interface SpanLike {
  readonly spanId: string;
  readonly name: string;
  readonly attributes: Record<string, unknown>;
}

/**
 * The spans as a backend that upserts by span id sees them. The only span ever sent twice is a
 * session's: first provisional (`claude_code.session.open`, sent with the first children of a
 * running session so none is orphaned), then final. Anything else repeated is a duplicate.
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
        earlier.every((s) => s.name === "claude_code.session" && s.attributes["claude_code.session.open"] === true) && last.attributes["claude_code.session.open"] === undefined,
        `span ${id} (${last.name}) received ${list.length} times`,
      ).toBe(true);
    }
    settled.push(last);
  }
  return settled;
}
