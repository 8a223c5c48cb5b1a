/**
 * Real tool durations from PostToolUse / PostToolUseFailure `duration_ms`, persisted per session
 * beside its ledger (`<state dir>/sessions/<id>.durations.json`) so that a later `replay` with
 * the same state dir maps the same tool spans and duration points as the live hooks did.
 * Written by the flusher under the session's lock; read by anyone.
 */
import type { Session, ToolCall } from "../model/types.js";
import { sessionFacts } from "./session-facts.js";

export type ToolDurations = Readonly<Record<string, number>>;

const DURATIONS = sessionFacts("durations", "durationsMs", (v): v is number => typeof v === "number" && Number.isFinite(v));

export const toolDurationsPath = DURATIONS.path;

/** A session's recorded durations; none when missing, a corrupt file is set aside. */
export const loadToolDurationsSync = DURATIONS.load;

/** Adds durations (first measurement wins: a re-delivered trigger changes nothing). Returns whether the file changed. */
export const recordToolDurationsSync = DURATIONS.record;

/**
 * The session with measured tool durations applied (pure): a finished call ends at its start plus
 * what Claude Code measured, instead of at the transcript line of its result. Span ids, outcomes
 * and every other value stay as they are.
 */
export function applyToolDurations(session: Session, durations: ToolDurations): Session {
  if (Object.keys(durations).length === 0) return session;
  let changed = false;
  const toolCalls = session.toolCalls.map((c): ToolCall => {
    const ms = Object.hasOwn(durations, c.id) ? durations[c.id] : undefined;
    if (ms === undefined || c.outcome === "pending") return c;
    changed = true;
    return { ...c, endTime: c.startTime + Math.round(ms) };
  });
  return changed ? { ...session, toolCalls } : session;
}

/**
 * Holds back finished calls whose measured duration has not arrived yet (their PostToolUse hook
 * may still be on its way, e.g. the other calls of a parallel batch), by showing them as pending:
 * pending calls are not complete units. The flusher uses it until the turn is over.
 */
export function deferUnmeasured(session: Session, durations: ToolDurations): { session: Session; deferred: number } {
  let deferred = 0;
  const toolCalls = session.toolCalls.map((c): ToolCall => {
    if (c.outcome === "pending" || Object.hasOwn(durations, c.id)) return c;
    deferred++;
    return { ...c, outcome: "pending", endTime: undefined };
  });
  return deferred === 0 ? { session, deferred } : { session: { ...session, toolCalls }, deferred };
}
