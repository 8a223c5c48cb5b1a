import { join } from "node:path";
import { readJsonFileSync, setAsideSync, writeJsonAtomicSync } from "./atomic-file.js";
import { withLock } from "../util/file-lock.js";
import type { LockOptions } from "../util/file-lock.js";
import { ensureDirSync } from "../config/state-dir.js";

/**
 * One persisted clock for every metric batch from this machine. Each batch is a DELTA window
 * `start = previous batch's time`, `time = max(now, previous + 1 ms)`, and all its points share
 * it; the clock advances only after the batch was delivered. Many short-lived writers (hooks,
 * replays) thereby look like one writer whose windows never overlap and never go back, which is
 * what the collector's delta→cumulative conversion needs to keep every point.
 * The clock lock is held across the export, serialising metric batches machine-wide.
 */
interface ClockFile {
  version: 1;
  timeMs: number;
}

/** The DELTA window of one metric batch, from the machine-wide clock. */
export interface MetricWindow {
  /** Start of the delta window (ms since epoch). */
  readonly startMs: number;
  /** Its end: every point of the batch carries it. */
  readonly timeMs: number;
}

function isClock(v: unknown): v is ClockFile {
  return typeof v === "object" && v !== null && (v as ClockFile).version === 1 && typeof (v as ClockFile).timeMs === "number" && Number.isFinite((v as ClockFile).timeMs);
}

export function nextWindow(previousMs: number | undefined, nowMs: number): MetricWindow {
  if (previousMs === undefined) return { startMs: nowMs - 1, timeMs: nowMs };
  return { startMs: previousMs, timeMs: Math.max(nowMs, previousMs + 1) };
}

/**
 * Runs `send` with the next window under the clock's lock; advances the clock iff `send`
 * reports success. Returns what `send` returned.
 */
export async function withMetricWindow<T extends { ok: boolean }>(
  stateDir: string,
  send: (window: MetricWindow) => Promise<T>,
  options: LockOptions & { now?: () => number } = {},
): Promise<T> {
  ensureDirSync(stateDir);
  const path = join(stateDir, "metric-clock.json");
  return withLock(
    join(stateDir, "metric-clock.lock"),
    async () => {
      const read = readJsonFileSync(path, isClock);
      if (read.kind === "corrupt") setAsideSync(path);
      const window = nextWindow(read.kind === "ok" ? read.value.timeMs : undefined, (options.now ?? Date.now)());
      const result = await send(window);
      // Atomic, not fsynced (see atomic-file.ts): after a power failure the clock may be lost or
      // set aside; the next window then starts at "now", still after every window sent before.
      if (result.ok) writeJsonAtomicSync(path, { version: 1, timeMs: window.timeMs } satisfies ClockFile);
      return result;
    },
    options,
  );
}
