import { join } from "node:path";
import { readJsonFile, setAside, writeJsonAtomic } from "./atomic-file.js";
import type { FileCursor } from "./cursor.js";
import { isFileCursor } from "./cursor.js";
import { withLock } from "./lock.js";
import type { LockOptions } from "./lock.js";
import { ensureDir, safeName } from "./state-dir.js";

/**
 * What has left this machine for one session: per signal, the unit keys exported (see
 * otel/units.ts), and a cursor per transcript file. Spans and metrics are kept apart so that
 * a half-failed export (spans delivered, metrics refused) retries only the missing half.
 */
export interface SessionState {
  readonly version: 1;
  readonly sessionId: string;
  spanUnits: string[];
  metricUnits: string[];
  files: Record<string, FileCursor>;
  updatedMs: number;
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

function isSessionState(v: unknown): v is SessionState {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  const files = o["files"];
  return (
    o["version"] === 1 &&
    typeof o["sessionId"] === "string" &&
    isStringArray(o["spanUnits"]) &&
    isStringArray(o["metricUnits"]) &&
    typeof files === "object" &&
    files !== null &&
    Object.values(files).every(isFileCursor)
  );
}

export function emptySessionState(sessionId: string): SessionState {
  return { version: 1, sessionId, spanUnits: [], metricUnits: [], files: {}, updatedMs: 0 };
}

export function sessionStatePath(stateDir: string, sessionId: string): string {
  return join(stateDir, "sessions", `${safeName(sessionId)}.json`);
}

export interface LoadedState {
  readonly state: SessionState;
  /** Set when the file was corrupt and has been set aside: the ledger starts over. */
  readonly rebuilt: string | undefined;
}

/** Reads a session's state; a corrupt or foreign file is set aside and rebuilt empty, never a crash. */
export async function loadSessionState(stateDir: string, sessionId: string): Promise<LoadedState> {
  const path = sessionStatePath(stateDir, sessionId);
  const read = await readJsonFile(path, isSessionState);
  if (read.kind === "ok" && read.value.sessionId === sessionId) return { state: read.value, rebuilt: undefined };
  if (read.kind === "missing") return { state: emptySessionState(sessionId), rebuilt: undefined };
  await setAside(path);
  return { state: emptySessionState(sessionId), rebuilt: read.kind === "corrupt" ? read.reason : "belongs to another session" };
}

export async function saveSessionState(stateDir: string, state: SessionState): Promise<void> {
  await ensureDir(join(stateDir, "sessions"));
  state.updatedMs = Date.now();
  await writeJsonAtomic(sessionStatePath(stateDir, state.sessionId), state);
}

/** Load → fn → (fn saves) under the session's lock: the unit of mutual exclusion across processes. */
export async function withSessionLock<T>(stateDir: string, sessionId: string, fn: () => Promise<T>, options?: LockOptions): Promise<T> {
  await ensureDir(join(stateDir, "sessions"));
  return withLock(join(stateDir, "sessions", `${safeName(sessionId)}.lock`), fn, options);
}
