import { describe, expect, it } from "vitest";
import { shardSources } from "../../src/pipeline/shard-sources.js";

const s = (id: string, bytes: number): { id: string; bytes: number } => ({ id, bytes });

describe("shardSources", () => {
  it("balances bytes, largest first onto the lightest shard, and keeps discovery order in each shard", () => {
    const sources = [s("a", 10), s("b", 70), s("c", 20), s("d", 30), s("e", 40), s("f", 30)];
    // b(70)→0, e(40)→1, d(30)→1 (70), f(30)→0? no: loads 70/70 → 0 (first lightest) → 100, c(20)→1 (90), a(10)→1 (100).
    expect(shardSources(sources, 2).map((shard) => shard.map((x) => x.id))).toEqual([
      ["b", "f"],
      ["a", "c", "d", "e"],
    ]);
  });

  it("every session exactly once; never more shards than sessions, never fewer than one", () => {
    const sources = Array.from({ length: 7 }, (_, i) => s(`s${i}`, (i * 37) % 11));
    for (const n of [1, 2, 3, 7, 12]) {
      const shards = shardSources(sources, n);
      expect(shards.length).toBe(Math.min(n, 7));
      expect(shards.flat().map((x) => x.id).sort()).toEqual(sources.map((x) => x.id).sort());
    }
    expect(shardSources(sources, 0)).toEqual([sources]);
    expect(shardSources([], 4)).toEqual([]);
  });
});
