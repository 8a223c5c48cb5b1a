import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { SessionDigest } from "../report/session-digest.js";
import { REQUEST_FIELDS, TOOL_CALL_FIELDS } from "../report/session-digest.js";
import type { SessionSource } from "../transcript/discover.js";
import { reasonOf } from "../transcript/discover.js";
import type { ParseStats } from "../transcript/line-types.js";
import { isObject } from "../util/json.js";
import { AtomicFileWriter, readRegularFile } from "../util/private-fs.js";

/*
 * The report cache: per session, the digest `report` folds, kept with the fingerprint (size,
 * mtime, inode) of every file it was read from. A later report reads only sessions whose files
 * changed; Claude Code appends to the transcript of the session in use and leaves the others
 * alone, so on a history of thousands of sessions nearly every one is served from here.
 *
 * One JSON Lines file per projects folder, replaced atomically by a report that changed it: a
 * header line `{"format","key"}`, then one line per session `{"k": "<projectDir>/<sessionId>",
 * "e": entry}`. Lines are kept as text and parsed only when their session is looked up, and an
 * unchanged entry is written back as the very line it was read from. What a digest depends on
 * besides its files is in the key: this package's version and code (the parser and model), the
 * genai-prices version (prices) and the user's price overrides. A different key, a corrupt file
 * or an entry of the wrong shape is a miss, never an error.
 */

/** Bump when the file layout, the digest or what goes into it changes meaning within one package version. */
const FORMAT = 4;
/** Beyond what a JavaScript string holds (~512 MiB), a cache could not be read anyway: start afresh. */
const MAX_CACHE_BYTES = 256 * 1024 * 1024;

export interface CachedSession {
  readonly fingerprint: string;
  readonly stats: ParseStats;
  /** null: the session's files hold no line we read (nothing to report). */
  readonly digest: SessionDigest | null;
}

/** `{"k":"<key>","e":` at the head of an entry line: the key without parsing the rest. */
const ENTRY_HEAD = /^\{"k":("(?:[^"\\]|\\.)*"),"e":/;

/** `<home>/cache/report-<hash of the projects folder>.jsonl`. */
export function reportCachePath(otelHome: string, projectsDir: string): string {
  return join(otelHome, "cache", `report-${fnv1a64(resolve(projectsDir))}.jsonl`);
}

/** A file name from a path: FNV-1a, 64 bits (node:crypto would cost ~2 MB of the report's memory bound). */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) hash = BigInt.asUintN(64, (hash ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n);
  return hash.toString(16).padStart(16, "0");
}

export class ReportCache {
  /** Entry lines read from disk, by session key, not yet replaced or written out. */
  private readonly stored: Map<string, string>;
  /**
   * The next cache file, opened at the first change: entries remembered this run go straight
   * to it, so a first report (every session new) holds none of them in memory.
   */
  private writer: AtomicFileWriter | undefined;
  private pruned = false;
  private failure: string | undefined;
  /** Why the file on disk was not used, if it was not (for --verbose). */
  readonly discarded: string | undefined;

  private constructor(
    private readonly path: string,
    private readonly key: string,
    stored: Map<string, string>,
    discarded: string | undefined,
  ) {
    this.stored = stored;
    this.discarded = discarded;
  }

  /** Reads the cache at `path`; anything unreadable or made under another key starts it empty. */
  static open(path: string, key: string): ReportCache {
    let text: string;
    try {
      // A FIFO or a device in its place is refused at once: the report goes on without the cache.
      text = readRegularFile(path, MAX_CACHE_BYTES, { noFollow: true }).text;
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      return new ReportCache(path, key, new Map(), missing ? undefined : `unreadable (${(error as Error).message})`);
    }
    const lines = text.split("\n");
    let header: unknown;
    try {
      header = JSON.parse(lines[0] ?? "");
    } catch {
      return new ReportCache(path, key, new Map(), "unreadable (not JSON Lines with a header)");
    }
    if (!isObject(header) || header["format"] !== FORMAT || header["key"] !== key) {
      return new ReportCache(path, key, new Map(), "made by another version or with other prices");
    }
    const stored = new Map<string, string>();
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const head = ENTRY_HEAD.exec(line);
      if (head?.[1] === undefined) continue; // a blank or broken line: that session is read again
      stored.set(JSON.parse(head[1]) as string, line);
    }
    return new ReportCache(path, key, stored, undefined);
  }

  /** The cached session when its files are exactly those it was read from. */
  lookup(source: SessionSource): CachedSession | undefined {
    if (source.fingerprint === "") return undefined;
    const line = this.stored.get(entryKey(source));
    if (line === undefined) return undefined;
    let entry: unknown;
    try {
      entry = (JSON.parse(line) as { e?: unknown }).e;
    } catch {
      return undefined;
    }
    return isCachedSession(entry) && entry.fingerprint === source.fingerprint ? entry : undefined;
  }

  /**
   * Whether `lookup` will find the session unchanged, from the head of its line alone (a cheap
   * pre-pass: a line that then turns out broken is a miss in `lookup`, and read).
   */
  isFresh(source: SessionSource): boolean {
    if (source.fingerprint === "") return false;
    const key = entryKey(source);
    return this.stored.get(key)?.startsWith(`{"k":${JSON.stringify(key)},"e":{"fingerprint":${JSON.stringify(source.fingerprint)},`) === true;
  }

  remember(source: SessionSource, entry: CachedSession): void {
    if (source.fingerprint === "" || this.failure !== undefined) return;
    const key = entryKey(source);
    this.stored.delete(key);
    this.append(entryLine(key, entry));
  }

  /** Forgets sessions whose files are gone, so the cache stays the size of the history. */
  retainOnly(sources: readonly SessionSource[]): void {
    const present = new Set(sources.map(entryKey));
    for (const key of this.stored.keys()) {
      if (!present.has(key)) {
        this.stored.delete(key);
        this.pruned = true;
      }
    }
  }

  /**
   * Puts the new cache file in place if this run changed anything. Returns why it could not
   * (`cannot write <folder>: read-only file system`); the first failure turns the cache off for the run.
   */
  save(): string | undefined {
    if (this.failure === undefined && this.writer === undefined && !this.pruned) return undefined;
    // Unchanged entries go back as the lines they were read from.
    for (const line of this.stored.values()) {
      if (this.failure !== undefined) break;
      this.append(line);
    }
    try {
      if (this.failure === undefined) this.writer?.commit();
    } catch (error) {
      this.fail(error);
    }
    this.writer = undefined;
    return this.failure;
  }

  /** Writes one entry line, opening the file (with its header) first if need be. */
  private append(line: string): void {
    try {
      if (this.writer === undefined) {
        this.writer = openCreatingDirs(this.path);
        this.writer.write(`${JSON.stringify({ format: FORMAT, key: this.key })}\n`);
      }
      this.writer.write(`${line}\n`);
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    this.failure ??= `cannot write ${dirname(this.path)}: ${reasonOf(error)}`;
    this.writer?.abort();
    this.writer = undefined;
  }
}

/** The cache file's writer, creating its folders (private) when they are missing. */
function openCreatingDirs(path: string): AtomicFileWriter {
  try {
    return new AtomicFileWriter(path, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    makeDirs(dirname(path));
    return new AtomicFileWriter(path, 0o600);
  }
}

/**
 * `mkdir -p`, one level at a time, so a failure carries its real reason: Node's recursive
 * mkdirSync reports ENOENT on a read-only file system, where the report must say "read-only".
 */
function makeDirs(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return;
    if (code !== "ENOENT" || dirname(dir) === dir) throw error;
    makeDirs(dirname(dir));
    mkdirSync(dir, { mode: 0o700 });
  }
}

function entryKey(source: SessionSource): string {
  return `${source.projectDir}/${source.sessionId}`;
}

function entryLine(key: string, entry: CachedSession): string {
  return `{"k":${JSON.stringify(key)},"e":${JSON.stringify(entry)}}`;
}

const isNumberArray = (v: unknown, stride: number): v is number[] => Array.isArray(v) && v.length % stride === 0 && v.every((x) => typeof x === "number" && Number.isFinite(x));

const SUMMARY_NUMBERS = [
  "durationMs",
  "turns",
  "requests",
  "costUsd",
  "computedCostUsd",
  "unattributedCostUsd",
  "toolCalls",
  "toolFailures",
  "failureRate",
  "compactions",
  "subagents",
  "cacheHitRatio",
];
const SUMMARY_STRINGS = ["sessionId", "project", "projectDir", "startedAt", "endedAt", "costSource"];
const TOKEN_FIELDS = ["input", "output", "cacheRead", "cacheCreation"];

/** Shape check of an entry read back from disk: what the report folds must be there and be numbers. */
function isCachedSession(v: unknown): v is CachedSession {
  if (!isObject(v) || typeof v["fingerprint"] !== "string" || !isObject(v["stats"])) return false;
  const stats = v["stats"];
  if (!["lines", "skipped", "parsed", "invalid", "bytes"].every((k) => typeof stats[k] === "number") || !isObject(stats["unknownTypes"])) return false;
  const d = v["digest"];
  if (d === null) return true;
  if (!isObject(d) || !isObject(d["summary"]) || !isObject(d["summary"]["tokens"])) return false;
  const summary = d["summary"];
  const tokens = d["summary"]["tokens"];
  if (!SUMMARY_NUMBERS.every((k) => typeof summary[k] === "number") || !SUMMARY_STRINGS.every((k) => typeof summary[k] === "string")) return false;
  if (!TOKEN_FIELDS.every((k) => typeof tokens[k] === "number") || !Array.isArray(summary["models"]) || typeof summary["costComplete"] !== "boolean") return false;
  if (typeof d["startTime"] !== "number" || typeof d["endTime"] !== "number") return false;
  if (!Array.isArray(d["warnings"]) || !d["warnings"].every((w) => typeof w === "string")) return false;
  const names = d["toolNames"];
  if (!Array.isArray(names) || !names.every((n) => typeof n === "string")) return false;
  const calls = d["toolCalls"];
  if (!isNumberArray(calls, TOOL_CALL_FIELDS)) return false;
  for (let i = 0; i < calls.length; i += TOOL_CALL_FIELDS) if (!Number.isInteger(calls[i]) || (calls[i] as number) < 0 || (calls[i] as number) >= names.length) return false;
  return isNumberArray(d["requests"], REQUEST_FIELDS) && isNumberArray(d["compactionEnds"], 1);
}
