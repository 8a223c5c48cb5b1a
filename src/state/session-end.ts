/**
 * When Claude Code said a session ended (its SessionEnd hook), per session, beside the measured
 * tool durations in the state folder (`sessions/<id>.ended`, the time in its content). A session
 * whose transcript has nothing newer is over whatever its age: replay and watch finish it at once.
 * A session resumed later writes newer lines, and is open again.
 */
import { join } from "node:path";
import { inDir, safeName, sessionsDir } from "../config/state-dir.js";
import { readJsonFileSync, writeJsonAtomicSync } from "./atomic-file.js";

function endPath(stateDir: string, sessionId: string): string {
  return join(sessionsDir(stateDir), `${safeName(sessionId)}.ended`);
}

const isEnd = (v: unknown): v is { atMs: number } => typeof v === "object" && v !== null && typeof (v as { atMs: unknown }).atMs === "number";

export function recordSessionEnd(stateDir: string, sessionId: string, atMs: number): void {
  inDir(sessionsDir(stateDir), () => writeJsonAtomicSync(endPath(stateDir, sessionId), { atMs }));
}

/** When the session's SessionEnd hook ran, if one did (and was recorded). */
export function sessionEndedAt(stateDir: string, sessionId: string): number | undefined {
  const r = readJsonFileSync(endPath(stateDir, sessionId), isEnd);
  return r.kind === "ok" ? r.value.atMs : undefined;
}

/**
 * A session is over when its SessionEnd came after its last activity, or when it has been idle
 * for `idleMs` by its own timestamps (not the file's mtime: a copied history is old at once).
 */
export function sessionIsOver(lastActivityMs: number, endedAtMs: number | undefined, idleMs: number, nowMs: number): boolean {
  return (endedAtMs !== undefined && endedAtMs >= lastActivityMs) || nowMs - lastActivityMs > idleMs;
}
