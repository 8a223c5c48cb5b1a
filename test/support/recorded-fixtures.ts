/**
 * The project's own recorded fixtures: `test/fixtures/claude-code-<version>/` (and `examples/`),
 * written by `npm run record:fixtures` (test/recorder/record.ts) from the real Claude Code CLI.
 * Each holds `projects/<project>/...` (as `~/.claude/projects`), `hooks.jsonl` (every hook payload,
 * in order) and `recording.json` (the manifest: release, command, steps, session ids).
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export const FIXTURES_DIR = join(REPO_ROOT, "test", "fixtures");

/** Paths recordings are rewritten to. */
export const RECORDED_HOME = "/home/user";
export const RECORDED_CWD = "/home/user/work/shop-api";

interface ManifestStep {
  session: string;
  sessionId: string;
  model: string;
  prompt: string;
  args: string[];
  totalCostUsd?: number;
  requests: string[];
}

export interface Recording {
  /** The release as `claude --version` printed it, e.g. `2.1.330 (Claude Code)`. */
  readonly claudeCode: string;
  readonly dir: string;
  /** The `projects` folder (what `--projects-dir` takes). */
  readonly projects: string;
  /** The one project folder inside it. */
  readonly project: string;
  readonly projectDir: string;
  readonly hooks: string;
  readonly steps: readonly ManifestStep[];
  /** The session id of a step label (`parallel-fail`, `long`, ...). */
  sessionId(label: string): string;
  /** Path of a session's main transcript. */
  transcript(label: string): string;
  /** Every session id the manifest names, in recording order, without repeats. */
  readonly sessionIds: readonly string[];
}

export function recording(dir: string): Recording {
  const manifest = JSON.parse(readFileSync(join(dir, "recording.json"), "utf8")) as { claudeCode: string; projectDir: string; steps: ManifestStep[] };
  const projects = join(dir, "projects");
  const project = join(projects, manifest.projectDir);
  const sessionId = (label: string): string => {
    const step = manifest.steps.find((s) => s.session === label);
    if (step === undefined) throw new Error(`${dir}: no session labelled ${label}`);
    return step.sessionId;
  };
  return {
    claudeCode: manifest.claudeCode,
    dir,
    projects,
    project,
    projectDir: manifest.projectDir,
    hooks: join(dir, "hooks.jsonl"),
    steps: manifest.steps,
    sessionId,
    transcript: (label) => join(project, `${sessionId(label)}.jsonl`),
    sessionIds: [...new Set(manifest.steps.map((s) => s.sessionId))],
  };
}

/** A release's fixture set, `test/fixtures/claude-code-<version>/`. */
export const recorded = (version: string): Recording => recording(join(FIXTURES_DIR, `claude-code-${version}`));

/** The pinned release (the default of the suite). */
export const CC_2_1_330 = recorded("2.1.330");
export const CC_2_1_332 = recorded("2.1.332");
/** Task tool, subagents/ folder without .meta.json, streaming placeholder usage. */
export const CC_2_1_17 = recorded("2.1.17");
/** Task tool, sibling agent-<id>.jsonl files, Warmup sidechains, empty session files. */
export const CC_2_0_55 = recorded("2.0.55");
/** Task tool without options, inline sidechains, summary lines and summary-only files. */
export const CC_1_0_128 = recorded("1.0.128");
/**
 * The cost corpus (`npm run record:models`): 2.1.330 on model ids the price library misprices
 * (claude-sonnet-5-5), lacks (claude-haiku-5-5, claude-fable-5-2) or nobody knows (claude-nova-1).
 */
export const MODELS_2_1_330 = recording(join(FIXTURES_DIR, "models-2.1.330"));
/**
 * The insights corpus (`npm run record:insights`): 2.1.330 sessions that read files, compact
 * (manual, twice in a row, and auto) and read some again; large tool outputs; failing hooks.
 */
export const INSIGHTS_2_1_330 = recording(join(FIXTURES_DIR, "insights-2.1.330"));
/** The demo's five sessions. */
export const EXAMPLES = recording(join(REPO_ROOT, "examples"));

/** Claude Code's own last `cost-state` line of a session transcript (2.1.x): the independent truth for cost. */
export interface Ledger {
  totalCostUSD: number;
  modelUsage: Record<
    string,
    {
      inputTokens: number;
      outputTokens: number;
      cacheReadInputTokens: number;
      cacheCreationInputTokens: number;
      cacheCreationEphemeral5mInputTokens?: number;
      cacheCreationEphemeral1hInputTokens?: number;
      costUSD: number;
    }
  >;
}

export function ledgers(transcript: string): Ledger[] {
  return readFileSync(transcript, "utf8")
    .split("\n")
    .filter((l) => l.includes('"type":"cost-state"'))
    .map((l) => JSON.parse(l) as Ledger);
}

export function lastLedger(transcript: string): Ledger {
  const all = ledgers(transcript);
  const last = all[all.length - 1];
  if (last === undefined) throw new Error(`no cost-state line in ${transcript}`);
  return last;
}

/** Sets every file under `dir` to `ageMs` ago: transcripts that old are finished sessions. */
export function ageAll(dir: string, ageMs: number): void {
  const t = new Date(Date.now() - ageMs);
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) utimesSync(join(entry.parentPath, entry.name), t, t);
  }
}

/** A private copy of a recording's projects (default: 2.1.330) in `<tmp>/projects`, every file idle for two hours. */
export function copyIdleFixtures(prefix: string, from: Recording = CC_2_1_330): { root: string; projects: string } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const projects = join(root, "projects");
  cpSync(from.projects, projects, { recursive: true });
  ageAll(projects, 2 * 3600_000);
  return { root, projects };
}
