/**
 * Who sent each prompt, as the UserPromptSubmit hook's `source` said (when the release sends it
 * and it names a machine), persisted per session beside its ledger
 * (`<state dir>/sessions/<id>.origins.json`) so that a later `replay` with the same state dir
 * tells the same turns apart as the live hooks did. The transcript's own `turnOrigin` wins where
 * it has one (model/turn-origin.ts). Written by the flusher under the session's lock; read by anyone.
 */
import { hookSourceOrigin } from "../model/turn-origin.js";
import type { Session, Turn } from "../model/types.js";
import { sessionFacts } from "./session-facts.js";

/** Prompt id → UserPromptSubmit `source`. */
export type PromptSources = Readonly<Record<string, string>>;

const SOURCES = sessionFacts("origins", "sources", (v): v is string => typeof v === "string");

export const promptOriginsPath = SOURCES.path;

/** A session's recorded sources; none when missing, a corrupt file is set aside. */
export const loadPromptSourcesSync = SOURCES.load;

/** Adds sources (the first one recorded for a prompt wins). Returns whether the file changed. */
export const recordPromptSourcesSync = SOURCES.record;

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
