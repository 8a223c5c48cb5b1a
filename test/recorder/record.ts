/**
 * Records sessions by driving a real Claude Code CLI offline against the scripted stub, with a
 * logging hook on every event the release knows, then sanitizes the output.
 *
 *   npm run record:examples                               # examples/ with the pinned CLI
 *   npm run record:fixtures                               # test/fixtures/claude-code-<v>/ for every FIXTURE_VERSIONS entry
 *   npm run record:fixtures -- --version 2.1.332          # one release (installed into .cache/claude-code/ if needed)
 *   npm run record:models                                 # test/fixtures/models-<v>/: the cost corpus (model ids priced differently)
 *   npm run record:insights                               # test/fixtures/insights-<v>/: compaction loss, tool output sizes, failing hooks
 *   npx tsx test/recorder/record.ts --set fixtures --version 2.1.17 --out /tmp/fx --keep
 *
 * Options: `--set examples|fixtures|models|insights` (default examples), `--version <v>` (default: CLAUDE_CODE_VERSION,
 * else the pinned dev dependency), `--out <dir>`, `--keep` (keep the temporary HOME and print it),
 * `--dump-requests <file>` (every request the stub received, unsanitized, for debugging; never
 * commit that file: it holds Anthropic's prompts).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { startAnthropicStub, type RecordedRequest } from "./anthropic-stub.js";
import { REPO_ROOT, ensureClaudeCli, selectedClaudeVersion, type ClaudeCli } from "./claude-cli.js";
import { hookEventsOf, loggingHookSettings } from "./logging-hooks.js";
import { examplesPlan, fixturesPlan, insightsPlan, modelsPlan, type RecordingPlan, type Step } from "./recording-plans.js";
import { runClaude } from "./run-claude.js";
import { projectDirName, sanitizeJsonl, sanitizeTree, type PathReplacements } from "./sanitize.js";
import { recorderScenarios } from "./scenarios.js";

/** Neutral paths the recording is rewritten to. */
export const NEUTRAL_HOME = "/home/user";
export const NEUTRAL_CWD = "/home/user/work/shop-api";

/** The releases `npm run record:fixtures` records (test/fixtures/claude-code-<version>/). */
export const FIXTURE_VERSIONS = ["1.0.128", "2.0.55", "2.1.17", "2.1.330", "2.1.332"];

interface Args {
  set: "examples" | "fixtures" | "models" | "insights";
  versions: string[];
  out: string | undefined;
  keep: boolean;
  dump: string | undefined;
}

function parseArgs(argv: string[]): Args {
  let set: Args["set"] = "examples";
  let versions: string[] | undefined;
  let out: string | undefined;
  let keep = false;
  let dump: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--keep") {
      keep = true;
      continue;
    }
    const value = argv[++i];
    if (arg === "--set" && (value === "examples" || value === "fixtures" || value === "models" || value === "insights")) set = value;
    else if (arg === "--version" && value !== undefined) versions = [...(versions ?? []), value];
    else if (arg === "--out" && value !== undefined) out = resolve(value);
    else if (arg === "--dump-requests" && value !== undefined) dump = resolve(value);
    else throw new Error(`unknown argument ${String(arg)} ${String(value)}`);
  }
  const all = set === "fixtures" && versions === undefined && process.env["CLAUDE_CODE_VERSION"] === undefined;
  versions ??= all ? FIXTURE_VERSIONS : [selectedClaudeVersion()];
  if (out !== undefined && versions.length > 1) throw new Error("--out takes one --version");
  return { set, versions, out, keep, dump };
}

/** Where a set goes by default. */
function defaultOut(set: Args["set"], version: string): string {
  if (set === "examples") return join(REPO_ROOT, "examples");
  const folder = set === "models" ? `models-${version}` : set === "insights" ? `insights-${version}` : `claude-code-${version}`;
  return join(REPO_ROOT, "test", "fixtures", folder);
}

/** A fixed session id (a version-4-shaped UUID) for a label of a fixed-id recording. */
export function fixedSessionId(tag: string, label: string): string {
  const hex = createHash("sha256").update(`claude-code-otel/recording/${tag}/${label}`).digest("hex");
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A small project for the CLI to work in: a git repo with a README, a source file and the plan's files. */
function createProject(cwd: string, files: Readonly<Record<string, string>> = {}): void {
  mkdirSync(join(cwd, "src"), { recursive: true });
  writeFileSync(join(cwd, "README.md"), "# shop-api\n\nA tiny example service.\n");
  writeFileSync(join(cwd, "src", "index.ts"), "export const greet = (name: string): string => `hello ${name}`;\n");
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(cwd, path)), { recursive: true });
    writeFileSync(join(cwd, path), content);
  }
  const git = (...args: string[]): void => {
    execFileSync("git", ["-c", "user.name=Example", "-c", "user.email=dev@example.com", ...args], { cwd, stdio: "ignore" });
  };
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("commit", "-q", "-m", "Initial commit");
}

interface StepRecord {
  session: string;
  sessionId: string;
  model: string;
  prompt: string;
  exercises: string;
  /** The CLI's arguments after `-p <prompt>` (paths neutral). */
  args: string[];
  exitCode: number | null;
  /** `total_cost_usd` the CLI printed (its own cumulative figure for the session). */
  totalCostUsd: number | undefined;
  requests: string[];
}

/** The arguments a step adds after the prompt, and the session to resume. */
function stepArgs(step: Step, plan: RecordingPlan, sessions: Map<string, string>, lastAssistant: Map<string, string[]>): { resume?: string; extra: string[] } {
  const resume = sessions.get(step.session);
  if (resume === undefined) {
    return { extra: plan.fixedIds === undefined ? [] : ["--session-id", fixedSessionId(plan.fixedIds, step.session)] };
  }
  if (step.rewindTo === undefined) return { resume, extra: [] };
  const at = lastAssistant.get(step.session)?.[step.rewindTo];
  if (at === undefined) throw new Error(`rewind of ${step.session} to run ${step.rewindTo}: no assistant line recorded`);
  return { resume, extra: ["--resume-session-at", at] };
}

/** uuid of the last assistant line of a session's main transcript, or undefined. */
function lastAssistantUuid(projects: string, sessionId: string): string | undefined {
  for (const dir of existsSync(projects) ? readdirSync(projects) : []) {
    const file = join(projects, dir, `${sessionId}.jsonl`);
    if (!existsSync(file)) continue;
    let last: string | undefined;
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!line.includes('"type":"assistant"')) continue;
      try {
        const parsed = JSON.parse(line) as { type?: string; uuid?: string; isSidechain?: boolean };
        if (parsed.type === "assistant" && parsed.isSidechain !== true && typeof parsed.uuid === "string") last = parsed.uuid;
      } catch {
        // a torn line: not an assistant line we can resume at
      }
    }
    return last;
  }
  return undefined;
}

async function recordOne(plan: RecordingPlan, cli: ClaudeCli, out: string, keep: boolean, dump: string | undefined, command: string): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), "cc-record-"));
  const home = join(tmp, "home");
  const cwd = join(home, "work", "shop-api");
  const hooksLog = join(home, "hooks.jsonl");
  const projects = join(home, ".claude", "projects");
  mkdirSync(home, { recursive: true });
  createProject(cwd, plan.files);
  const events = hookEventsOf(cli);
  const settings = loggingHookSettings(home, hooksLog, events);

  const stub = await startAnthropicStub({
    scenarios: { ...recorderScenarios(cwd, plan.scenarioOptions), ...plan.scenarios?.(cwd) },
    ...(plan.compact === undefined ? {} : { compact: plan.compact }),
    ...(plan.fixedIds === undefined ? {} : { idTag: plan.fixedIds }),
  });
  const sessions = new Map<string, string>();
  const lastAssistant = new Map<string, string[]>();
  const steps: StepRecord[] = [];
  try {
    for (const step of plan.steps) {
      const { resume, extra } = stepArgs(step, plan, sessions, lastAssistant);
      const before = stub.requests.length;
      const result = await runClaude({
        cli,
        home,
        cwd,
        prompt: step.prompt,
        baseUrl: stub.url,
        model: step.model,
        allowedTools: plan.allowedTools,
        ...(resume === undefined ? {} : { resume }),
        extraArgs: extra,
        settings: step.hooks === undefined ? settings : withHooks(settings, step.hooks(home)),
        env: plan.env,
        timeoutMs: 180_000,
      });
      const summary = stub.requests.slice(before).map(describeRequest);
      console.log(`[${cli.version} ${step.session}] ${step.prompt} → exit ${String(result.exitCode)}, session ${result.sessionId ?? "?"}`);
      for (const line of summary) console.log(`    ${line}`);
      if (result.exitCode !== 0 || result.sessionId === undefined) {
        throw new Error(`claude failed (exit ${String(result.exitCode)}, timedOut ${String(result.timedOut)}):\n${result.stdout}\n${result.stderr}`);
      }
      sessions.set(step.session, result.sessionId);
      const uuid = lastAssistantUuid(projects, result.sessionId);
      lastAssistant.set(step.session, [...(lastAssistant.get(step.session) ?? []), uuid ?? ""]);
      const args = ["--output-format", "json", "--allowedTools", plan.allowedTools, "--model", step.model, ...(resume === undefined ? [] : ["--resume", resume]), ...extra];
      const cost = result.result?.["total_cost_usd"];
      steps.push({
        session: step.session,
        sessionId: result.sessionId,
        model: step.model,
        prompt: step.prompt,
        exercises: step.exercises,
        args,
        exitCode: result.exitCode,
        totalCostUsd: typeof cost === "number" ? cost : undefined,
        requests: summary,
      });
    }
  } finally {
    await stub.stop();
    if (dump !== undefined) writeFileSync(dump, JSON.stringify(stub.requests, null, 1));
  }

  const replacements: PathReplacements = [
    [projectDirName(cwd), projectDirName(NEUTRAL_CWD)],
    [cwd, NEUTRAL_CWD],
    [home, NEUTRAL_HOME],
    [tmp, "/tmp/recording"],
  ];
  for (const label of new Set(plan.steps.filter((step) => step.prompt === "/compact").map((step) => step.session))) checkCompaction(projects, sessions.get(label));

  mkdirSync(out, { recursive: true });
  const projectsOut = join(out, "projects");
  rmSync(projectsOut, { recursive: true, force: true });
  const files = sanitizeTree(projects, projectsOut, replacements);
  const hooksOut = join(out, "hooks.jsonl");
  writeFileSync(hooksOut, existsSync(hooksLog) ? sanitizeJsonl(readFileSync(hooksLog, "utf8"), replacements) : "");
  const reported = execFileSync(cli.command, [...cli.args, "--version"], { encoding: "utf8", env: { PATH: process.env["PATH"] ?? "", HOME: home } }).trim();
  const manifest = {
    claudeCode: reported,
    cli: cli.pinned ? `${cli.kind}, the pinned dev dependency` : `${cli.kind}, npm @anthropic-ai/claude-code@${cli.version} in .cache/claude-code/`,
    era: plan.era,
    command,
    projectDir: projectDirName(NEUTRAL_CWD),
    hookEvents: events,
    env: plan.env,
    steps,
  };
  writeFileSync(join(out, "recording.json"), `${JSON.stringify(sanitizeManifest(manifest, replacements), null, 2)}\n`);
  assertClean(out, [tmp, "sk-ant-stub"]);

  console.log(`\nwrote ${files.length} transcript files to ${projectsOut}`);
  for (const file of files) console.log(`  ${file}`);
  console.log(`wrote ${hooksOut} and ${join(out, "recording.json")}`);
  if (keep) console.log(`raw recording kept in ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}

/** The logging hooks plus a run's own entries, each event's groups after the logger's. */
function withHooks(settings: { hooks: Record<string, unknown[]> }, extra: Record<string, unknown[]>): { hooks: Record<string, unknown[]> } {
  const hooks: Record<string, unknown[]> = { ...settings.hooks };
  for (const [event, groups] of Object.entries(extra)) hooks[event] = [...(hooks[event] ?? []), ...groups];
  return { hooks };
}

function describeRequest(request: RecordedRequest): string {
  const what = request.kind === "scenario" ? `${request.scenario ?? "?"}#${String(request.step)}` : request.kind;
  return `${request.method} ${request.path} ${request.model ?? "-"} ${what} → ${request.status}${request.messageId === undefined ? "" : ` ${request.messageId}`}`;
}

function sanitizeManifest<T>(value: T, replacements: PathReplacements): T {
  return JSON.parse(replacements.reduce((text, [a, b]) => text.split(a).join(b), JSON.stringify(value))) as T;
}

/** The resumed `/compact` must have left a compact_boundary line followed by a summary line. */
function checkCompaction(projects: string, sessionId: string | undefined): void {
  if (sessionId === undefined) throw new Error("no long session recorded");
  for (const dir of readdirSync(projects)) {
    const file = join(projects, dir, `${sessionId}.jsonl`);
    if (!existsSync(file)) continue;
    const lines = readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line.length > 0);
    const boundary = lines.findIndex((line) => line.includes('"subtype":"compact_boundary"'));
    const summary = lines.findIndex((line) => line.includes('"isCompactSummary":true') || line.includes("This session is being continued from a previous conversation"));
    if (boundary < 0 || summary < boundary) throw new Error(`no compact_boundary + summary in ${file}`);
    return;
  }
  throw new Error(`transcript of ${sessionId} not found`);
}

function assertClean(dir: string, forbidden: string[]): void {
  const walk = (path: string): void => {
    for (const name of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, name.name);
      if (name.isDirectory()) walk(full);
      else if (/\.(jsonl?|md)$/.test(name.name)) {
        const text = readFileSync(full, "utf8");
        for (const needle of forbidden) if (text.includes(needle)) throw new Error(`${full} still contains ${needle}`);
      }
    }
  };
  walk(dir);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  for (const version of args.versions) {
    const plan = args.set === "examples" ? examplesPlan() : args.set === "models" ? modelsPlan(version) : args.set === "insights" ? insightsPlan(version) : fixturesPlan(version);
    const cli = ensureClaudeCli(version);
    const out = args.out ?? defaultOut(args.set, version);
    const command = args.set === "examples" ? "npm run record:examples" : `npm run record:${args.set} -- --version ${version}`;
    await recordOne(plan, cli, out, args.keep, args.dump, command);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
