import { join } from "node:path";
import { readJsonFileSync, setAsideSync, writeJsonAtomic } from "./atomic-file.js";
import { noteStateChange } from "./state-changes.js";
import type { FileCursor, FileStat } from "./cursor.js";
import { isFileCursor } from "./cursor.js";
import { acquireLock, tryAcquireLock, withLock } from "../util/file-lock.js";
import type { HeldLock, LockOptions } from "../util/file-lock.js";
import { ensureDirSync, inDir, inDirAsync, safeName, sessionsDir } from "../config/state-dir.js";

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
  /**
   * The session's last activity (its transcripts' newest timestamp) when last planned: whether it
   * has since been idle long enough to be over is then known without reading it. Absent in
   * ledgers of earlier versions (the transcript's mtime stands in).
   */
  lastActivityMs?: number;
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
    (o["lastActivityMs"] === undefined || typeof o["lastActivityMs"] === "number") &&
    Object.values(files).every(isFileCursor)
  );
}

export function emptySessionState(sessionId: string): SessionState {
  return { version: 1, sessionId, spanUnits: [], metricUnits: [], files: {}, updatedMs: 0 };
}

/** The state file's name in the state folder's `sessions/`. */
export function sessionStateName(sessionId: string): string {
  return `${safeName(sessionId)}.json`;
}

export function sessionStatePath(stateDir: string, sessionId: string): string {
  return join(sessionsDir(stateDir), sessionStateName(sessionId));
}

export interface LoadedState {
  readonly state: SessionState;
  /** Set when the file was corrupt and has been set aside: the ledger starts over. */
  readonly rebuilt: string | undefined;
}

/**
 * Reads a session's state; a corrupt or foreign file is set aside and rebuilt empty, never a
 * crash. One small JSON file per session: replay of a history with nothing new reads one per
 * session and no transcript.
 */
export function loadSessionStateSync(stateDir: string, sessionId: string): LoadedState {
  const path = sessionStatePath(stateDir, sessionId);
  const read = readJsonFileSync(path, isSessionState);
  if (read.kind === "ok" && read.value.sessionId === sessionId) return { state: read.value, rebuilt: undefined };
  if (read.kind === "missing") return { state: emptySessionState(sessionId), rebuilt: undefined };
  setAsideSync(path);
  noteStateChange(stateDir);
  return { state: emptySessionState(sessionId), rebuilt: read.kind === "corrupt" ? read.reason : "belongs to another session" };
}

/** Reads without setting a corrupt file aside: for a look that changes nothing (skip checks, --dry-run). */
export function peekSessionStateSync(stateDir: string, sessionId: string): SessionState | undefined {
  const read = readJsonFileSync(sessionStatePath(stateDir, sessionId), isSessionState);
  return read.kind === "ok" && read.value.sessionId === sessionId ? read.value : undefined;
}

/**
 * Atomic (temp + rename), not fsynced: see atomic-file.ts for what a power failure can do. On the
 * thread pool: a replay batch commits its sessions while its thread reads the next ones. Returns
 * the file's size, mtime and inode as written, for the replay index (no read back). Noted in the
 * state-changes journal unless `journal` is false: only a replay, which indexes its own saves.
 */
export async function saveSessionState(stateDir: string, state: SessionState, options: { readonly journal?: boolean } = {}): Promise<FileStat> {
  state.updatedMs = Date.now();
  const saved = await inDirAsync(sessionsDir(stateDir), () => writeJsonAtomic(sessionStatePath(stateDir, state.sessionId), state));
  if (options.journal !== false) noteStateChange(stateDir);
  return saved;
}

function sessionLockPath(stateDir: string, sessionId: string): string {
  return join(sessionsDir(stateDir), `${safeName(sessionId)}.lock`);
}

/** The session's lock if it is free now (never waits): for a caller already holding other locks. */
export function tryAcquireSessionLock(stateDir: string, sessionId: string, options?: LockOptions): HeldLock | undefined {
  return inDir(sessionsDir(stateDir), () => tryAcquireLock(sessionLockPath(stateDir, sessionId), options));
}

/** The session's lock, waiting for it (LockBusyError after `waitMs`). */
export async function acquireSessionLock(stateDir: string, sessionId: string, options?: LockOptions): Promise<HeldLock> {
  ensureDirSync(sessionsDir(stateDir));
  return acquireLock(sessionLockPath(stateDir, sessionId), options);
}

/** Load → fn → (fn saves) under the session's lock: the unit of mutual exclusion across processes. */
export async function withSessionLock<T>(stateDir: string, sessionId: string, fn: () => Promise<T>, options?: LockOptions): Promise<T> {
  ensureDirSync(sessionsDir(stateDir));
  return withLock(sessionLockPath(stateDir, sessionId), fn, options);
}
