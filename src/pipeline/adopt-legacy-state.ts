/**
 * State written by versions before destinations had state of their own: one ledger per session
 * (`<state>/sessions/<id>.json`), one metric clock and replay index (`<state>/`), and the hooks'
 * outbox (`<home>/outbox/<seq>-<signal>.<pb|json>`). They all belonged to where the hooks sent,
 * so they become that destination's, once, under a lock; later versions find `layout.json`.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { Destination } from "../delivery/destination.js";
import { destinationDir } from "../delivery/destination.js";
import type { EntryHeader } from "../delivery/outbox.js";
import { markReady, MAX_OUTBOX_BYTES, outboxDir, writePendingEntry } from "../delivery/outbox.js";
import { writeJsonAtomicSync } from "../state/atomic-file.js";
import { withLock } from "../util/file-lock.js";
import { readRegularBytes } from "../util/private-fs.js";

const LAYOUT = "layout.json";
const LEDGER = /^(?!.*\.durations\.json$).+\.json$/;
const LEGACY_OUTBOX_ENTRY = /^(\d{12})-(traces|metrics)\.(pb|json)$/;

export interface Adopted {
  readonly ledgers: number;
  readonly requests: number;
}

/** The old outbox's requests: regular files only (a FIFO or a link there is no request of ours). */
function legacyOutbox(home: string): string[] {
  try {
    return readdirSync(join(home, "outbox"), { withFileTypes: true })
      .filter((e) => e.isFile() && LEGACY_OUTBOX_ENTRY.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** Moves the ledgers, clock, index and hooks' outbox of an earlier version to `destination`; undefined when there was nothing to move. */
export async function adoptLegacyState(stateDir: string, home: string, destination: Destination): Promise<Adopted | undefined> {
  if (existsSync(join(stateDir, LAYOUT))) return undefined;
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  return withLock(
    join(stateDir, "layout.lock"),
    async () => {
      if (existsSync(join(stateDir, LAYOUT))) return undefined;
      const target = destinationDir(stateDir, destination);
      const legacySessions = join(stateDir, "sessions");
      let ledgers = 0;
      let names: string[] = [];
      try {
        names = readdirSync(legacySessions);
      } catch {
        names = [];
      }
      const moving = names.filter((n) => LEDGER.test(n) || n === ".changes");
      if (moving.length > 0) mkdirSync(join(target, "sessions"), { recursive: true, mode: 0o700 });
      for (const name of moving) {
        renameSync(join(legacySessions, name), join(target, "sessions", name));
        if (name !== ".changes") ledgers++;
      }
      for (const name of ["metric-clock.json", "replay-index.json"]) {
        if (existsSync(join(stateDir, name))) {
          mkdirSync(target, { recursive: true, mode: 0o700 });
          copyFileSync(join(stateDir, name), join(target, name));
          unlinkSync(join(stateDir, name));
        }
      }
      const requests = legacyOutbox(home);
      for (const name of requests) {
        const m = LEGACY_OUTBOX_ENTRY.exec(name) as RegExpExecArray;
        const path = join(home, "outbox", name);
        // Their units are in the ledgers already (the old flusher recorded them as it queued).
        const header: EntryHeader = { v: 1, signal: m[2] as "traces" | "metrics", encoding: m[3] as "pb" | "json", items: 0, units: {} };
        markReady(writePendingEntry(outboxDir(target), header, readRegularBytes(path, MAX_OUTBOX_BYTES, { noFollow: true }).bytes));
        unlinkSync(path);
      }
      writeJsonAtomicSync(join(stateDir, LAYOUT), { version: 2, adoptedBy: destination.key, ledgers, requests: requests.length });
      return ledgers > 0 || requests.length > 0 ? { ledgers, requests: requests.length } : undefined;
    },
    { waitMs: 10_000 },
  );
}
