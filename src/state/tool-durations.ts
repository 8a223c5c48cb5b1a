/**
 * Real tool durations from PostToolUse / PostToolUseFailure `duration_ms`, persisted per session
 * beside its ledger (`<state dir>/sessions/<id>.durations.json`) so that a later `replay` with
 * the same state dir maps the same tool spans and duration points as the live hooks did.
 * Written by the flusher under the session's lock; read by anyone.
 */
import { join } from "node:path";
import type { Session, ToolCall } from "../model/types.js";
import { readJsonFileSync, setAsideSync, writeJsonAtomicSync } from "./atomic-file.js";
import { inDir, safeName, sessionsDir } from "../config/state-dir.js";

export type ToolDurations = Readonly<Record<string, number>>;

interface DurationsFile {
  version: 1;
  sessionId: string;
  durationsMs: Record<string, number>;
}

function isDurationsFile(v: unknown): v is DurationsFile {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  const d = o["durationsMs"];
  return (
    o["version"] === 1 && typeof o["sessionId"] === "string" && typeof d === "object" && d !== null && Object.values(d).every((x) => typeof x === "number" && Number.isFinite(x))
  );
}

export function toolDurationsPath(stateDir: string, sessionId: string): string {
  return join(sessionsDir(stateDir), `${safeName(sessionId)}.durations.json`);
}

/** A session's recorded durations; none when missing, a corrupt file is set aside. */
export function loadToolDurationsSync(stateDir: string, sessionId: string): Record<string, number> {
  const path = toolDurationsPath(stateDir, sessionId);
  const read = readJsonFileSync(path, isDurationsFile);
  if (read.kind === "ok" && read.value.sessionId === sessionId) return { ...read.value.durationsMs };
  if (read.kind === "corrupt") setAsideSync(path);
  return {};
}

/** Adds durations (first measurement wins: a re-delivered trigger changes nothing). Returns whether the file changed. */
export function recordToolDurationsSync(stateDir: string, sessionId: string, current: Record<string, number>, added: ToolDurations): boolean {
  let changed = false;
  for (const [id, ms] of Object.entries(added)) {
    if (current[id] === undefined) {
      current[id] = ms;
      changed = true;
    }
  }
  if (!changed) return false;
  const file: DurationsFile = { version: 1, sessionId, durationsMs: current };
  inDir(sessionsDir(stateDir), () => writeJsonAtomicSync(toolDurationsPath(stateDir, sessionId), file));
  return true;
}

/**
 * The session with measured tool durations applied (pure): a finished call ends at its start plus
 * what Claude Code measured, instead of at the transcript line of its result. Span ids, outcomes
 * and every other value stay as they are.
 */
export function applyToolDurations(session: Session, durations: ToolDurations): Session {
  if (Object.keys(durations).length === 0) return session;
  let changed = false;
  const toolCalls = session.toolCalls.map((c): ToolCall => {
    const ms = durations[c.id];
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
    if (c.outcome === "pending" || durations[c.id] !== undefined) return c;
    deferred++;
    return { ...c, outcome: "pending", endTime: undefined };
  });
  return deferred === 0 ? { session, deferred } : { session: { ...session, toolCalls }, deferred };
}
