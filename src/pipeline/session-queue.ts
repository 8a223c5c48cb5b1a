/**
 * The sessions of a replay on worker threads, handed out as the workers ask (catch-up-in-workers.ts),
 * in discovery order, in chunks of about a 2×workers-th of the bytes still queued: chunks shrink
 * towards the end, so the workers finish close together (guided self-scheduling). A static split
 * by bytes left them 20–125 ms apart: a session's time is not its bytes alone. Not largest first:
 * that order took 14 % more CPU and 20 % more memory on the bench corpus (docs/performance.md).
 * Pure.
 */
export class SessionQueue<T extends { readonly bytes: number }> {
  private next = 0;
  private remainingBytes = 0;

  constructor(
    private readonly items: readonly T[],
    private readonly workers: number,
  ) {
    for (const s of items) this.remainingBytes += s.bytes;
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
