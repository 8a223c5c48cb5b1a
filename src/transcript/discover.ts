import { readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { flatString } from "../util/flat-string.js";
import { byCodeUnit, entryKind, fileStamp, sessionIdInside } from "./dir-entries.js";

/** A subagent's transcript file of a session, and where it was found. */
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

/** What `discoverSessionsSync` found: sessions in project then id order, and what it could not read. */
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

/** Options of `discoverSessionsSync`. */
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

/**
 * Finds every session under a projects folder (`defaultProjectsDir()`: Claude Code's). Synchronous
 * file system calls: thousands of small stat/readdir calls cost far more as thread-pool round
 * trips than they do inline.
 */
export function discoverSessionsSync(root: string, options: DiscoverOptions = {}): DiscoveryResult {
  const walk = new ProjectsWalk(root, options);
  walk.dir(root, 0);
  return { sessions: walk.sources(), unreadable: walk.unreadable };
}

/** One walk of a projects folder: a draft per session, filled in as its files are found. */
class ProjectsWalk {
  readonly unreadable: { path: string; reason: string }[] = [];
  private readonly drafts = new Map<string, Draft>();
  private bytesFound = 0;
  private alarmed = false;

  constructor(
    private readonly root: string,
    private readonly options: DiscoverOptions,
  ) {}

  dir(dir: string, depth: number): void {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      this.unreadable.push({ path: dir, reason: reasonOf(error) });
      return;
    }
    const projectDir = basename(dir);
    const sessionStems = new Set(entries.filter((e) => e.isFile() && SESSION_FILE.test(e.name) && !AGENT_FILE.test(e.name)).map((e) => e.name.slice(0, -6)));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const kind = entryKind(entry, path);
      if (kind === "broken") {
        if (entry.name.endsWith(".jsonl")) this.unreadable.push({ path, reason: "no such file or directory" });
        continue;
      }
      if (kind === "file") {
        const agent = AGENT_FILE.exec(entry.name);
        if (agent?.[1] !== undefined) {
          // Legacy layout (2.0.x): agent files beside the sessions; the session id is inside.
          const sessionId = sessionIdInside(path);
          if (sessionId === undefined || !this.wanted(sessionId)) continue;
          const d = this.draftFor(sessionId, projectDir);
          d.agentFiles.push({ path, agentId: flatString(agent[1]), layout: "sibling-file", metaPath: undefined });
          this.noteFile(d, path);
        } else if (entry.name.endsWith(".jsonl") && this.wanted(entry.name.slice(0, -6))) {
          const d = this.draftFor(entry.name.slice(0, -6), projectDir);
          d.mainFile = path;
          this.noteFile(d, path);
        }
      } else if (kind === "dir") {
        if (sessionStems.has(entry.name)) {
          if (this.wanted(entry.name)) this.subagentsDir(this.draftFor(entry.name, projectDir), join(path, "subagents"));
        } else if (depth < (this.options.maxDepth ?? MAX_DEPTH)) {
          this.dir(path, depth + 1);
        }
      }
    }
  }

  sources(): SessionSource[] {
    const sessions: SessionSource[] = [];
    for (const d of this.drafts.values()) {
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
        fingerprint: this.options.fingerprints === true ? d.files.sort().join("\n") : "",
        fileStats: d.fileStats,
      };
      sessions.push(source);
    }
    // Code-unit order, not localeCompare: the same everywhere, and no ICU collator to start (~12 ms
    // of a replay with nothing new).
    sessions.sort((a, b) => byCodeUnit(a.projectDir, b.projectDir) || byCodeUnit(a.sessionId, b.sessionId));
    return sessions;
  }

  private wanted(sessionId: string): boolean {
    return this.options.only === undefined || this.options.only.has(sessionId);
  }

  private draftFor(sessionId: string, projectDir: string): Draft {
    let d = this.drafts.get(sessionId);
    if (d === undefined) {
      // Flat (util/flat-string.ts), not the slice of the file name it is cut from. Measured, not
      // fully explained: without this, a one-process replay of the bench corpus took 7.8 s instead
      // of 5.9 s (its profile: GC 4.1 s instead of 1.1 s, the span attribute copies several times
      // slower), although the session model flattens its own copy; interning through one reused
      // dictionary object instead of a literal per id was as slow. V8's hidden-class transitions
      // are the suspect (docs/performance.md, "Fifth session").
      d = { sessionId: flatString(sessionId), projectDir, mainFile: undefined, agentFiles: [], mtimeMs: 0, bytes: 0, files: [], fileStats: undefined };
      this.drafts.set(sessionId, d);
    }
    return d;
  }

  private noteFile(d: Draft, path: string): void {
    const { fingerprints = false, keepStats = false, whenBytes } = this.options;
    try {
      const s = statSync(path);
      d.mtimeMs = Math.max(d.mtimeMs, s.mtimeMs);
      d.bytes += s.size;
      this.bytesFound += s.size;
      if (fingerprints) d.files.push(fileStamp(path, this.root, s));
      if (keepStats) (d.fileStats ??= {})[path] = [s.size, s.mtimeMs];
    } catch (error) {
      this.unreadable.push({ path, reason: reasonOf(error) });
      if (fingerprints) d.files.push(`${path}\0unreadable`);
    }
    if (whenBytes !== undefined && !this.alarmed && this.bytesFound >= whenBytes.bytes) {
      this.alarmed = true;
      whenBytes.then();
    }
  }

  /** `<session>/subagents/`: agent files, with the meta files beside them (fingerprinted too). */
  private subagentsDir(d: Draft, dir: string): void {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") this.unreadable.push({ path: dir, reason: reasonOf(error) });
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
      this.noteFile(d, path);
      if (metaPath !== undefined && this.options.fingerprints === true) {
        try {
          d.files.push(fileStamp(metaPath, this.root, statSync(metaPath)));
        } catch {
          d.files.push(`${metaPath}\0unreadable`);
        }
      }
    }
  }
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

/** A file system error in a few words, without Node's `ECODE: ..., syscall 'path'` dressing. */
export function reasonOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const reason = e.code === undefined ? undefined : REASONS[e.code];
  return reason ?? e.message ?? String(error);
}

const REASONS: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOENT: "no such file or directory",
  EISDIR: "is a directory",
  ENOTDIR: "not a directory",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  ENOTREG: "not a regular file (a FIFO or a device)",
};
