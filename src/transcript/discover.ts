import type { Dirent, Stats } from "node:fs";
import { closeSync, openSync, readSync, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { flatString } from "../util/flat-string.js";

export interface AgentFile {
  readonly path: string;
  readonly agentId: string;
  readonly layout: "subagents-dir" | "sibling-file";
  readonly metaPath: string | undefined;
}

/** The files that make up one session, found on disk. */
export interface SessionSource {
  readonly sessionId: string;
  /** The folder under `projects/` that holds the session. */
  readonly projectDir: string;
  readonly mainFile: string | undefined;
  readonly agentFiles: readonly AgentFile[];
  /** Newest modification time among its files, to skip old sessions without reading them. */
  readonly mtimeMs: number;
  readonly bytes: number;
  /**
   * Size, modification time and inode of every file the session is read from (transcripts and
   * subagent meta files): equal fingerprints mean unchanged files, for the report cache. "" unless
   * discovery was asked for it (`fingerprints: true`).
   */
  readonly fingerprint: string;
  /**
   * Size and modification time of each transcript file when it was found, with
   * `{ keepStats: true }` (replay's skip check; the report does not keep them: they raise its peak).
   */
  readonly fileStats?: Readonly<Record<string, readonly [size: number, mtimeMs: number]>> | undefined;
}

/** How many transcript files `filesOf` lists, without building the list. */
export function fileCount(source: SessionSource): number {
  return (source.mainFile === undefined ? 0 : 1) + source.agentFiles.length;
}

/** Every transcript file of a session: the main transcript, then its subagents'. */
export function filesOf(source: SessionSource): string[] {
  return [...(source.mainFile === undefined ? [] : [source.mainFile]), ...source.agentFiles.map((a) => a.path)];
}

export interface DiscoveryResult {
  readonly sessions: SessionSource[];
  /** Files that could not be read (permissions, races with deletion): reported, not fatal. */
  readonly unreadable: { path: string; reason: string }[];
}

/** `$CLAUDE_CONFIG_DIR/projects`, else `~/.claude/projects`. */
export function defaultProjectsDir(env: NodeJS.ProcessEnv = process.env): string {
  const configDir = env["CLAUDE_CONFIG_DIR"];
  if (configDir !== undefined && configDir !== "") return join(configDir, "projects");
  return join(homedir(), ".claude", "projects");
}

const AGENT_FILE = /^agent-([A-Za-z0-9_-]+)\.jsonl$/;
const SESSION_FILE = /^(.+)\.jsonl$/;
const MAX_DEPTH = 4;

interface Draft {
  sessionId: string;
  projectDir: string;
  mainFile: string | undefined;
  agentFiles: AgentFile[];
  mtimeMs: number;
  bytes: number;
  files: string[];
  fileStats: Record<string, readonly [number, number]> | undefined;
}

/**
 * Finds every session under a projects folder. Synchronous file system calls: thousands of
 * small stat/readdir calls cost far more as thread-pool round trips than they do inline.
 */
export async function discoverSessions(root: string, options: Pick<DiscoverOptions, "keepStats" | "fingerprints" | "whenBytes"> = {}): Promise<DiscoveryResult> {
  return discoverSessionsSync(root, options);
}

export interface DiscoverOptions {
  /** Only these sessions (ids, or the file stems they are found under): no stat of any other. */
  readonly only?: ReadonlySet<string>;
  /** How deep below `root` to look for project folders (default 4). */
  readonly maxDepth?: number;
  /** Keep each transcript's size and mtime on its source (`fileStats`). */
  readonly keepStats?: boolean;
  /**
   * Build each session's `fingerprint` for the report cache, its only reader (default false:
   * `fingerprint` is then "" and subagent meta files are not statted, which the hooks' flusher,
   * `watch`'s polls and a replay with nothing new would otherwise pay for nothing).
   */
  readonly fingerprints?: boolean;
  /**
   * Called once, during the walk, when the transcripts found so far reach `bytes` (a first
   * replay of a large history starts its worker threads then, while discovery goes on).
   */
  readonly whenBytes?: { readonly bytes: number; readonly then: () => void };
}

export function discoverSessionsSync(root: string, options: DiscoverOptions = {}): DiscoveryResult {
  const { only, maxDepth = MAX_DEPTH, keepStats = false, fingerprints = false, whenBytes } = options;
  let bytesFound = 0;
  let alarmed = false;
  const wanted = (sessionId: string): boolean => only === undefined || only.has(sessionId);
  const drafts = new Map<string, Draft>();
  const unreadable: { path: string; reason: string }[] = [];
  const draftFor = (sessionId: string, projectDir: string): Draft => {
    let d = drafts.get(sessionId);
    if (d === undefined) {
      // Flat (util/flat-string.ts), not the slice of the file name it is cut from. Measured, not
      // fully explained: without this, a one-process replay of the bench corpus took 7.8 s instead
      // of 5.9 s (its profile: GC 4.1 s instead of 1.1 s, the span attribute copies several times
      // slower), although the session model flattens its own copy; interning through one reused
      // dictionary object instead of a literal per id was as slow. V8's hidden-class transitions
      // are the suspect (docs/performance.md, "Fifth session").
      d = { sessionId: flatString(sessionId), projectDir, mainFile: undefined, agentFiles: [], mtimeMs: 0, bytes: 0, files: [], fileStats: undefined };
      drafts.set(sessionId, d);
    }
    return d;
  };
  const noteFile = (d: Draft, path: string): void => {
    try {
      const s = statSync(path);
      d.mtimeMs = Math.max(d.mtimeMs, s.mtimeMs);
      d.bytes += s.size;
      bytesFound += s.size;
      if (fingerprints) d.files.push(fileStamp(path, root, s));
      if (keepStats) (d.fileStats ??= {})[path] = [s.size, s.mtimeMs];
    } catch (error) {
      unreadable.push({ path, reason: reasonOf(error) });
      if (fingerprints) d.files.push(`${path}\0unreadable`);
    }
    if (whenBytes !== undefined && !alarmed && bytesFound >= whenBytes.bytes) {
      alarmed = true;
      whenBytes.then();
    }
  };

  const walk = (dir: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      unreadable.push({ path: dir, reason: reasonOf(error) });
      return;
    }
    const projectDir = basename(dir);
    const sessionStems = new Set(entries.filter((e) => e.isFile() && SESSION_FILE.test(e.name) && !AGENT_FILE.test(e.name)).map((e) => e.name.slice(0, -6)));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const kind = entryKind(entry, path);
      if (kind === "broken") {
        if (entry.name.endsWith(".jsonl")) unreadable.push({ path, reason: "no such file or directory" });
        continue;
      }
      if (kind === "file") {
        const agent = AGENT_FILE.exec(entry.name);
        if (agent?.[1] !== undefined) {
          // Legacy layout (2.0.x): agent files beside the sessions; the session id is inside.
          const sessionId = sessionIdInside(path);
          if (sessionId === undefined || !wanted(sessionId)) continue;
          const d = draftFor(sessionId, projectDir);
          d.agentFiles.push({ path, agentId: flatString(agent[1]), layout: "sibling-file", metaPath: undefined });
          noteFile(d, path);
        } else if (entry.name.endsWith(".jsonl") && wanted(entry.name.slice(0, -6))) {
          const d = draftFor(entry.name.slice(0, -6), projectDir);
          d.mainFile = path;
          noteFile(d, path);
        }
      } else if (kind === "dir") {
        if (sessionStems.has(entry.name)) {
          if (wanted(entry.name)) addSubagentsDir(draftFor(entry.name, projectDir), join(path, "subagents"), unreadable, noteFile, fingerprints ? root : undefined);
        } else if (depth < maxDepth) {
          walk(path, depth + 1);
        }
      }
    }
  };

  walk(root, 0);
  const sessions: SessionSource[] = [];
  for (const d of drafts.values()) {
    if (d.mainFile === undefined && d.agentFiles.length === 0) continue;
    // Every field named, no rest or spread: one shape for all sources (a spread copy given
    // another property gets a hidden class of its own in V8 on Node 20).
    const source: SessionSource = {
      sessionId: d.sessionId,
      projectDir: d.projectDir,
      mainFile: d.mainFile,
      agentFiles: d.agentFiles,
      mtimeMs: d.mtimeMs,
      bytes: d.bytes,
      fingerprint: fingerprints ? d.files.sort().join("\n") : "",
      fileStats: d.fileStats,
    };
    sessions.push(source);
  }
  // Code-unit order, not localeCompare: the same everywhere, and no ICU collator to start (~12 ms
  // of a replay with nothing new).
  sessions.sort((a, b) => byCodeUnit(a.projectDir, b.projectDir) || byCodeUnit(a.sessionId, b.sessionId));
  return { sessions, unreadable };
}

/**
 * One session's files from its transcript path (what a hook is given): the transcript, its
 * `<session>/subagents/` files and legacy sibling agent files that name it, from the transcript's
 * own folder, statting no other session. The session is the hook's id, else the file's stem.
 */
export function discoverSessionSync(transcriptPath: string, sessionId: string): SessionSource | undefined {
  const stem = basename(transcriptPath, ".jsonl");
  const found = discoverSessionsSync(dirname(transcriptPath), { only: new Set([sessionId, stem]), maxDepth: 0 }).sessions;
  return found.find((s) => s.sessionId === sessionId) ?? found.find((s) => s.sessionId === stem);
}

function addSubagentsDir(
  d: Draft,
  dir: string,
  unreadable: { path: string; reason: string }[],
  noteFile: (d: Draft, path: string) => void,
  /** The projects folder, for the meta files' fingerprints; undefined when none are built. */
  root: string | undefined,
): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") unreadable.push({ path: dir, reason: reasonOf(error) });
    return;
  }
  const metas = new Set(names.filter((n) => n.endsWith(".meta.json")));
  for (const name of names.sort()) {
    const agent = AGENT_FILE.exec(name);
    if (agent?.[1] === undefined) continue;
    const metaName = `agent-${agent[1]}.meta.json`;
    const path = join(dir, name);
    const metaPath = metas.has(metaName) ? join(dir, metaName) : undefined;
    d.agentFiles.push({ path, agentId: flatString(agent[1]), layout: "subagents-dir", metaPath });
    noteFile(d, path);
    if (metaPath !== undefined && root !== undefined) {
      try {
        d.files.push(fileStamp(metaPath, root, statSync(metaPath)));
      } catch {
        d.files.push(`${metaPath}\0unreadable`);
      }
    }
  }
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A file's path below the projects folder, size, modification time and inode. */
function fileStamp(path: string, root: string, s: Stats): string {
  return `${path.slice(root.length)}\0${s.size}\0${s.mtimeMs}\0${s.ino}`;
}

/** Follows symlinks (a projects folder may link elsewhere); a dangling link is "broken". */
function entryKind(entry: Dirent, path: string): "file" | "dir" | "broken" | "other" {
  if (entry.isFile()) return "file";
  if (entry.isDirectory()) return "dir";
  if (!entry.isSymbolicLink()) return "other";
  try {
    const s = statSync(path);
    return s.isFile() ? "file" : s.isDirectory() ? "dir" : "other";
  } catch {
    return "broken";
  }
}

const SESSION_ID_FIELD = /"sessionId":"([^"]+)"/;

/** Reads just enough of a legacy agent file to learn which session it belongs to. */
function sessionIdInside(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const buf = Buffer.alloc(64 * 1024);
    const bytesRead = readSync(fd, buf, 0, buf.length, 0);
    return SESSION_ID_FIELD.exec(buf.toString("utf8", 0, bytesRead))?.[1];
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function reasonOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === "EACCES" || e.code === "EPERM") return "permission denied";
  if (e.code === "ENOENT") return "no such file or directory";
  if (e.code === "EISDIR") return "is a directory";
  return e.message ?? String(error);
}
