/**
 * The sessions of a replay on worker threads, handed out as the workers ask (sync-in-workers.ts):
 * the largest first, in chunks of about a 2×workers-th of the bytes still queued, so chunks
 * shrink towards the end and the workers finish together (guided self-scheduling over a
 * longest-first order). A static split by bytes left the shards 20–125 ms apart: a session's
 * time is not its bytes alone. Pure.
 */
export class SessionQueue<T extends { readonly bytes: number }> {
  private readonly items: readonly T[];
  private next = 0;
  private remainingBytes = 0;

  constructor(
    sources: readonly T[],
    private readonly workers: number,
  ) {
    // Largest first; equal sizes keep discovery order (sort is stable).
    this.items = [...sources].sort((a, b) => b.bytes - a.bytes);
    for (const s of this.items) this.remainingBytes += s.bytes;
  }

  get isEmpty(): boolean {
    return this.next >= this.items.length;
  }

  /** The next chunk: at least one session while any is left, none after. */
  take(): T[] {
    const chunk: T[] = [];
    const share = this.remainingBytes / (2 * Math.max(1, this.workers));
    let bytes = 0;
    while (this.next < this.items.length && (chunk.length === 0 || bytes < share)) {
      const s = this.items[this.next++] as T;
      chunk.push(s);
      bytes += s.bytes;
    }
    this.remainingBytes -= bytes;
    return chunk;
  }

  /** Hands out nothing more (a worker failed: the others stop after what they hold). */
  clear(): void {
    this.next = this.items.length;
    this.remainingBytes = 0;
  }
}
