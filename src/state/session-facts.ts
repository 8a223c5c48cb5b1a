/**
 * Facts the hooks learned about a session that its transcript does not hold (tool durations,
 * prompt origins), one file per session and kind beside its ledger
 * (`<state dir>/sessions/<id>.<suffix>.json`), keyed by ids from Claude Code: the first value
 * recorded for a key wins, so a re-delivered trigger changes nothing. Written by the flusher
 * under the session's lock; read by anyone. A corrupt file is set aside.
 */
import { join } from "node:path";
import { inDir, safeName, sessionsDir } from "../config/state-dir.js";
import { readJsonFileSync, setAsideSync, writeJsonAtomicSync } from "./atomic-file.js";

export interface SessionFacts<V> {
  path(stateDir: string, sessionId: string): string;
  /** A session's recorded facts (a null-prototype object: the keys come from outside); none when missing. */
  load(stateDir: string, sessionId: string): Record<string, V>;
  /** Adds facts to `current` (what `load` returned), keeping the first per key. Returns whether the file changed. */
  record(stateDir: string, sessionId: string, current: Record<string, V>, added: Readonly<Record<string, V>>): boolean;
}

/** The facts kept in `<id>.<suffix>.json` as `{ version: 1, sessionId, [field]: { key: value } }`. */
export function sessionFacts<V>(suffix: string, field: string, isValue: (v: unknown) => v is V): SessionFacts<V> {
  const isFile = (v: unknown): v is Record<string, unknown> & { sessionId: string } => {
    if (typeof v !== "object" || v === null) return false;
    const o = v as Record<string, unknown>;
    const facts = o[field];
    return o["version"] === 1 && typeof o["sessionId"] === "string" && typeof facts === "object" && facts !== null && Object.values(facts).every(isValue);
  };
  const path = (stateDir: string, sessionId: string): string => join(sessionsDir(stateDir), `${safeName(sessionId)}.${suffix}.json`);
  const empty = (): Record<string, V> => Object.create(null) as Record<string, V>;
  return {
    path,
    load(stateDir, sessionId) {
      const file = path(stateDir, sessionId);
      const read = readJsonFileSync(file, isFile);
      if (read.kind === "ok" && read.value.sessionId === sessionId) return Object.assign(empty(), read.value[field] as Record<string, V>);
      if (read.kind === "corrupt") setAsideSync(file);
      return empty();
    },
    record(stateDir, sessionId, current, added) {
      let changed = false;
      for (const [key, value] of Object.entries(added)) {
        if (!Object.hasOwn(current, key)) {
          current[key] = value;
          changed = true;
        }
      }
      if (!changed) return false;
      inDir(sessionsDir(stateDir), () => writeJsonAtomicSync(path(stateDir, sessionId), { version: 1, sessionId, [field]: { ...current } }));
      return true;
    },
  };
}
