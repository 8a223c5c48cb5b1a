/**
 * Who sent each prompt, as the UserPromptSubmit hook's `source` said (when the release sends it
 * and it names a machine), persisted per session beside its ledger
 * (`<state dir>/sessions/<id>.origins.json`) so that a later `replay` with the same state dir
 * tells the same turns apart as the live hooks did. The transcript's own `turnOrigin` wins where
 * it has one (model/turn-origin.ts). Written by the flusher under the session's lock; read by anyone.
 */
import { join } from "node:path";
import { hookSourceOrigin } from "../model/turn-origin.js";
import type { Session, Turn } from "../model/types.js";
import { readJsonFileSync, setAsideSync, writeJsonAtomicSync } from "./atomic-file.js";
import { inDir, safeName, sessionsDir } from "../config/state-dir.js";

/** Prompt id → UserPromptSubmit `source`. */
export type PromptSources = Readonly<Record<string, string>>;

interface OriginsFile {
  version: 1;
  sessionId: string;
  sources: Record<string, string>;
}

function isOriginsFile(v: unknown): v is OriginsFile {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  const s = o["sources"];
  return o["version"] === 1 && typeof o["sessionId"] === "string" && typeof s === "object" && s !== null && Object.values(s).every((x) => typeof x === "string");
}

export function promptOriginsPath(stateDir: string, sessionId: string): string {
  return join(sessionsDir(stateDir), `${safeName(sessionId)}.origins.json`);
}

/** A session's recorded sources; none when missing, a corrupt file is set aside. */
export function loadPromptSourcesSync(stateDir: string, sessionId: string): Record<string, string> {
  const path = promptOriginsPath(stateDir, sessionId);
  const read = readJsonFileSync(path, isOriginsFile);
  // A null-prototype copy: prompt ids are keys from outside.
  if (read.kind === "ok" && read.value.sessionId === sessionId) return Object.assign(Object.create(null) as Record<string, string>, read.value.sources);
  if (read.kind === "corrupt") setAsideSync(path);
  return Object.create(null) as Record<string, string>;
}

/** Adds sources (the first one recorded for a prompt wins). Returns whether the file changed. */
export function recordPromptSourcesSync(stateDir: string, sessionId: string, current: Record<string, string>, added: PromptSources): boolean {
  let changed = false;
  for (const [promptId, source] of Object.entries(added)) {
    if (!Object.hasOwn(current, promptId)) {
      current[promptId] = source;
      changed = true;
    }
  }
  if (!changed) return false;
  const file: OriginsFile = { version: 1, sessionId, sources: { ...current } };
  inDir(sessionsDir(stateDir), () => writeJsonAtomicSync(promptOriginsPath(stateDir, sessionId), file));
  return true;
}

/** The session with the hooks' sources applied (pure) to turns whose transcript line says nothing. */
export function applyPromptSources(session: Session, sources: PromptSources): Session {
  let changed = false;
  const turns = session.turns.map((t): Turn => {
    if (t.origin !== undefined || t.promptId === undefined || !Object.hasOwn(sources, t.promptId)) return t;
    const origin = hookSourceOrigin(sources[t.promptId] as string);
    if (origin === undefined) return t;
    changed = true;
    return { ...t, origin };
  });
  return changed ? { ...session, turns } : session;
}
