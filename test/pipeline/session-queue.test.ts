import { describe, expect, it } from "vitest";
import { SessionQueue } from "../../src/pipeline/session-queue.js";

const s = (id: string, bytes: number): { id: string; bytes: number } => ({ id, bytes });
const ids = (chunk: { id: string }[]): string[] => chunk.map((x) => x.id);

describe("SessionQueue", () => {
  it("hands out sessions in their order, in chunks of about a 2×workers-th of the bytes left, never an empty chunk while any is left", () => {
    // 100 bytes for 2 workers: the first chunk reaches 25 bytes, each next a quarter of what is left.
    const q = new SessionQueue([s("a", 5), s("b", 20), s("c", 10), s("d", 10), s("e", 30), s("f", 5), s("g", 20)], 2);
    expect(ids(q.take())).toEqual(["a", "b"]); // 25 ≥ 100/4
    expect(ids(q.take())).toEqual(["c", "d"]); // 20 ≥ 75/4
    expect(ids(q.take())).toEqual(["e"]); // 30 ≥ 55/4
    expect(q.isEmpty).toBe(false);
    expect(ids(q.take())).toEqual(["f", "g"]); // 5 < 25/4, then 25 ≥ 25/4
    expect(q.isEmpty).toBe(true);
    expect(q.take()).toEqual([]);
  });

  it("many small sessions go out several to a chunk, chunks shrinking to one session", () => {
    const sources = Array.from({ length: 40 }, (_, i) => s(`s${String(i).padStart(2, "0")}`, 1));
    const q = new SessionQueue(sources, 2);
    const chunks: string[][] = [];
    while (!q.isEmpty) chunks.push(ids(q.take()));
    expect(chunks.map((c) => c.length)).toEqual([10, 8, 6, 4, 3, 3, 2, 1, 1, 1, 1]);
    expect(chunks.flat()).toEqual(ids(sources));
  });

  it("clear: nothing more is handed out", () => {
    const q = new SessionQueue([s("a", 1), s("b", 1), s("c", 1)], 4);
    expect(ids(q.take())).toEqual(["a"]);
    q.clear();
    expect(q.isEmpty).toBe(true);
    expect(q.take()).toEqual([]);
  });
});
