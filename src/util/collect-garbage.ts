import { getHeapStatistics } from "node:v8";

/**
 * A full collection when the heap has grown past `aboveBytes`, where the bin enabled `gc`
 * (--expose-gc). A long synchronous scan never lets the event loop idle, so V8 grows the heap
 * with dead objects before collecting; collecting at a bound keeps peak memory near what is live.
 * Only past the bound: a collection per unit of work doubled replay's CPU.
 */
export function collectGarbageAbove(aboveBytes: number): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === "function" && getHeapStatistics().used_heap_size > aboveBytes) gc();
}
