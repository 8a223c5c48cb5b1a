/**
 * Splits sessions into at most `count` shards of about equal transcript bytes, the measure of a
 * session's work (reading, modelling, mapping and encoding all grow with it): each session, the
 * largest first, goes to the lightest shard. Each shard keeps discovery order. Pure.
 */
export function shardSources<T extends { readonly bytes: number }>(sources: readonly T[], count: number): T[][] {
  const n = Math.max(1, Math.min(Math.floor(count), sources.length));
  const load = new Array<number>(n).fill(0);
  const shardOf = new Array<number>(sources.length);
  const bySize = sources.map((_, i) => i).sort((a, b) => (sources[b] as T).bytes - (sources[a] as T).bytes || a - b);
  for (const i of bySize) {
    let lightest = 0;
    for (let s = 1; s < n; s++) if ((load[s] as number) < (load[lightest] as number)) lightest = s;
    shardOf[i] = lightest;
    load[lightest] = (load[lightest] as number) + (sources[i] as T).bytes;
  }
  const shards: T[][] = Array.from({ length: n }, () => []);
  sources.forEach((source, i) => shards[shardOf[i] as number]?.push(source));
  return shards.filter((s) => s.length > 0);
}
