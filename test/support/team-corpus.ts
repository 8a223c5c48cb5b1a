/**
 * A generated team: many developers, each with a `~/.claude/projects` of their own, cloned from the
 * recorded 2.1.330 sessions (real transcripts and hook payloads of the real CLI) with fresh ids,
 * their own user, projects and times. Seeded and deterministic: the same options give the same
 * bytes, so a failing run can be regenerated and nothing generated is committed.
 *
 *   const team = generateTeamCorpus({ root, developers: 12, sessionsPerDeveloper: 4, seed: 20 });
 *   for (const dev of team.developers) ... dev.env (HOME, state), dev.hookPayloads, dev.userId
 *
 * Per clone: a fresh session id (file names, every line, the payloads), message and request ids
 * prefixed per clone (so no two clones de-duplicate against each other), the working directory
 * `/home/<developer>/work/<project>` (project folder named as Claude Code names it), and every
 * line's `timestamp` shifted by one offset so that the session starts where the schedule says.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { CC_2_1_330, RECORDED_CWD, RECORDED_HOME, type Recording } from "./recorded-fixtures.js";

export interface TeamCorpusOptions {
  /** Output folder: one `<developer>/` below it per developer. */
  readonly root: string;
  readonly developers: number;
  /** Sessions per developer (each a clone of one recorded session). */
  readonly sessionsPerDeveloper: number;
  readonly seed: number;
  /** Sessions are spread evenly over this many days before `end` (default 1). */
  readonly days?: number;
  /** End of the schedule (default: 2 hours before now, so every session is over). */
  readonly end?: Date;
  /** Project names drawn from a pool of this size (default 25); each developer works in 1 to 3. */
  readonly projectPool?: number;
  /**
   * Sessions per developer that are also given as hook payloads, cloned from `hookedLabel`
   * (default 1; 0 for a replay-only corpus).
   */
  readonly hookedPerDeveloper?: number;
  /** The recorded session the hooked sessions clone (default `parallel-fail`: 13 payloads). */
  readonly hookedLabel?: string;
  readonly recording?: Recording;
}

export interface GeneratedDeveloper {
  /** `dev-007`: the user.id, the home folder's name. */
  readonly userId: string;
  readonly home: string;
  /** `<home>/.claude/projects`, what `--projects-dir` takes. */
  readonly projects: string;
  /** CLAUDE_CODE_OTEL_HOME: config, spool, outbox. */
  readonly otelHome: string;
  readonly stateDir: string;
  readonly projectNames: readonly string[];
  readonly sessionIds: readonly string[];
  /** Hook payloads of the hooked sessions, in recorded order, paths pointing into `home`. */
  readonly hookPayloads: readonly Record<string, unknown>[];
  readonly hookedSessionIds: readonly string[];
  /** HOME, TZ and the state folders (PATH added); the caller adds the rest. */
  readonly env: NodeJS.ProcessEnv;
  /** Transcript bytes written for this developer. */
  readonly bytes: number;
}

export interface TeamCorpus {
  readonly root: string;
  readonly developers: readonly GeneratedDeveloper[];
  readonly sessions: number;
  readonly bytes: number;
}

/** mulberry32: small, fast, and the same sequence everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A version-4-shaped uuid derived from `key`. */
export function derivedUuid(key: string): string {
  const h = createHash("sha256").update(key).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const PROJECT_WORDS = ["api", "web", "billing", "search", "infra", "mobile", "auth", "data", "ml", "docs", "cli", "sdk", "ops"];

/** Claude Code's folder name for a working directory: every non-alphanumeric character becomes `-`. */
export const projectFolder = (cwd: string): string => cwd.replace(/[^A-Za-z0-9]/g, "-");

interface SourceSession {
  readonly label: string;
  readonly id: string;
  /** Paths relative to the project folder, with their text. */
  readonly files: readonly { rel: string; text: string }[];
  readonly payloads: readonly string[];
  /** First line timestamp (ms). */
  readonly startMs: number;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

function sourceSessions(recording: Recording): SourceSession[] {
  const files = listFiles(recording.project);
  const payloadLines = readFileSync(recording.hooks, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "");
  const labels = new Map(recording.steps.map((s) => [s.sessionId, s.session]));
  return recording.sessionIds.map((id) => {
    const own = files.filter((f) => relative(recording.project, f).startsWith(id));
    const texts = own.map((f) => ({ rel: relative(recording.project, f), text: readFileSync(f, "utf8") }));
    const stamps = [...(texts.find((t) => t.rel === `${id}.jsonl`)?.text ?? "").matchAll(/"timestamp":"([^"]+)"/g)].map((m) => Date.parse(m[1] as string));
    return {
      label: labels.get(id) ?? id,
      id,
      files: texts,
      payloads: payloadLines.filter((l) => l.includes(`"session_id":"${id}"`)),
      startMs: Math.min(...stamps.filter((n) => Number.isFinite(n))),
    };
  });
}

const shiftTimestamps = (text: string, deltaMs: number): string =>
  text.replace(/"timestamp":"([^"]+)"/g, (whole, iso: string) => {
    const ms = Date.parse(iso);
    return Number.isFinite(ms) ? `"timestamp":"${new Date(ms + deltaMs).toISOString()}"` : whole;
  });

interface CloneTarget {
  readonly sessionId: string;
  readonly tag: string;
  readonly cwd: string;
  readonly folder: string;
  readonly deltaMs: number;
  readonly claudeDir: string;
}

function cloneText(text: string, source: SourceSession, to: CloneTarget): string {
  const renamed = text
    .replaceAll(source.id, to.sessionId)
    .replaceAll('"id":"msg_', `"id":"msg_${to.tag}_`)
    .replaceAll('"requestId":"req_', `"requestId":"req_${to.tag}_`)
    .replaceAll(`${RECORDED_HOME}/.claude/projects/${projectFolder(RECORDED_CWD)}`, join(to.claudeDir, "projects", to.folder))
    .replaceAll(RECORDED_CWD, to.cwd);
  return to.deltaMs === 0 ? renamed : shiftTimestamps(renamed, to.deltaMs);
}

/** Writes the team under `options.root` and describes it. */
export function generateTeamCorpus(options: TeamCorpusOptions): TeamCorpus {
  const recording = options.recording ?? CC_2_1_330;
  const sources = sourceSessions(recording);
  const hookedLabel = options.hookedLabel ?? "parallel-fail";
  const hookedSource = sources.find((s) => s.label === hookedLabel);
  if (hookedSource === undefined) throw new Error(`no recorded session labelled ${hookedLabel}`);
  const random = seededRandom(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const days = options.days ?? 1;
  const end = (options.end ?? new Date(Date.now() - 2 * 3_600_000)).getTime();
  const pool = Array.from({ length: options.projectPool ?? 25 }, (_, i) => `${PROJECT_WORDS[i % PROJECT_WORDS.length]}-${Math.floor(i / PROJECT_WORDS.length) + 1}`);
  const width = String(options.developers).length < 3 ? 3 : String(options.developers).length;
  const developers: GeneratedDeveloper[] = [];
  let total = 0;
  for (let d = 0; d < options.developers; d++) {
    const userId = `dev-${String(d + 1).padStart(width, "0")}`;
    const home = join(options.root, userId);
    const claudeDir = join(home, ".claude");
    const projectNames = [...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(pool)))];
    const hooked = Math.min(options.hookedPerDeveloper ?? 1, options.sessionsPerDeveloper);
    const sessionIds: string[] = [];
    const hookedSessionIds: string[] = [];
    const hookPayloads: Record<string, unknown>[] = [];
    let bytes = 0;
    for (let i = 0; i < options.sessionsPerDeveloper; i++) {
      const source = i < hooked ? hookedSource : pick(sources);
      const project = pick(projectNames);
      const cwd = `/home/${userId}/work/${project}`;
      // Sessions of one developer spread evenly over the days, in order, a little jitter inside.
      const slot = (days * 86_400_000) / options.sessionsPerDeveloper;
      const startMs = end - days * 86_400_000 + i * slot + Math.floor(random() * slot * 0.5);
      const target: CloneTarget = {
        sessionId: derivedUuid(`team/${options.seed}/${userId}/${i}`),
        tag: `${userId.replace("-", "")}s${i}`,
        cwd,
        folder: projectFolder(cwd),
        deltaMs: startMs - source.startMs,
        claudeDir,
      };
      for (const f of source.files) {
        const path = join(claudeDir, "projects", target.folder, f.rel.replaceAll(source.id, target.sessionId));
        mkdirSync(join(path, ".."), { recursive: true });
        const text = cloneText(f.text, source, target);
        writeFileSync(path, text);
        bytes += Buffer.byteLength(text);
      }
      sessionIds.push(target.sessionId);
      if (i < hooked) {
        hookedSessionIds.push(target.sessionId);
        for (const line of source.payloads) hookPayloads.push(JSON.parse(cloneText(line, source, target)) as Record<string, unknown>);
      }
    }
    const otelHome = join(home, ".claude", "otel");
    const stateDir = join(otelHome, "state");
    developers.push({
      userId,
      home,
      projects: join(claudeDir, "projects"),
      otelHome,
      stateDir,
      projectNames,
      sessionIds,
      hookPayloads,
      hookedSessionIds,
      env: { PATH: process.env["PATH"], HOME: home, TZ: "UTC", CLAUDE_CODE_OTEL_HOME: otelHome, CLAUDE_CODE_OTEL_STATE_DIR: stateDir },
      bytes,
    });
    total += bytes;
  }
  return { root: options.root, developers, sessions: options.developers * options.sessionsPerDeveloper, bytes: total };
}
