import { bytes } from "../report/format.js";

/** A one-line progress display on stderr, redrawn at most every 100 ms; silent when not a TTY. */
export interface ReplayCounters {
  files: number;
  totalFiles: number;
  bytes: number;
  sessions: number;
  skipped: number;
  spans: number;
  points: number;
}

export function emptyCounters(): ReplayCounters {
  return { files: 0, totalFiles: 0, bytes: 0, sessions: 0, skipped: 0, spans: 0, points: 0 };
}

export function createProgress(write: (text: string) => void, enabled: boolean, columns: number): { update(c: ReplayCounters): void; done(): void } {
  let last = 0;
  let drawn = false;
  return {
    update(c) {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const text = `replay: files ${c.files}/${c.totalFiles}  ${bytes(c.bytes)}  sessions ${c.sessions} (${c.skipped} unchanged)  spans ${c.spans}  points ${c.points}`;
      write(`\r${text.slice(0, Math.max(20, columns - 1))}\x1b[K`);
      drawn = true;
    },
    done() {
      if (drawn) write("\r\x1b[K");
    },
  };
}
