/**
 * Records the example sessions in `examples/` by driving the real Claude Code CLI offline
 * against the scripted stub, with a logging hook on every event, then sanitizes the output.
 *
 *   npm run record:examples                 # writes examples/projects, examples/hooks.jsonl, examples/recording.json
 *   npx tsx test/recorder/record-examples.ts --out /tmp/ex --keep
 *
 * Options: `--out <dir>` (default: examples), `--keep` (keep the temporary HOME and print it),
 * `--dump-requests <file>` (write every request the stub received, unsanitized, for debugging;
 * never commit that file: it holds Anthropic's prompts).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startAnthropicStub, type RecordedRequest } from "./anthropic-stub.js";
import { loggingHookSettings } from "./logging-hooks.js";
import { claudeBinary, runClaude } from "./run-claude.js";
import { recorderScenarios } from "./scenarios.js";
import { projectDirName, sanitizeJsonl, sanitizeTree, type PathReplacements } from "./sanitize.js";

/** Neutral paths the recording is rewritten to. */
export const NEUTRAL_HOME = "/home/user";
export const NEUTRAL_CWD = "/home/user/work/shop-api";

/** One CLI invocation of the recording. */
interface Step {
  /** Session label; steps with the same label continue the same session (`--resume`). */
  session: string;
  prompt: string;
  model: string;
  exercises: string;
}

const STEPS: Step[] = [
  {
    session: "parallel-fail",
    prompt: "scenario:parallel-fail check the project and the missing directory",
    model: "claude-sonnet-4-6",
    exercises: "parallel tool calls (Bash ok, Bash failing with exit 2, Read ok); 1h + 5m cache writes",
  },
  {
    session: "edit-files",
    prompt: "scenario:edit-files write the notes file, mark it reviewed, check the changelog",
    model: "claude-haiku-4-5",
    exercises: "Write, Edit, failing Read of a missing file",
  },
  {
    session: "agent",
    prompt: "scenario:agent survey the project with a subagent",
    model: "claude-opus-4-6",
    exercises: "Agent tool starting a foreground general-purpose subagent on claude-haiku-4-5 (two models in one session); 1h cache writes",
  },
  {
    session: "agent-bg",
    prompt: "scenario:agent-bg survey the project in the background",
    model: "claude-sonnet-4-6",
    exercises:
      "Agent tool starting a background subagent (the 2.1.330 default; inherits the model); the main turn ends, then the task notification arrives as a new user message and is answered",
  },
  {
    session: "long",
    prompt: "scenario:long run the six steps",
    model: "claude-sonnet-4-5[1m]",
    exercises: "six sequential tool rounds, two failing; growing cache reads",
  },
  {
    session: "long",
    prompt: "scenario:big read the large generated file",
    model: "claude-sonnet-4-5[1m]",
    exercises: "--resume; one request with 212,520 input tokens (>200k tier)",
  },
  {
    session: "long",
    prompt: "/compact",
    model: "claude-sonnet-4-5[1m]",
    exercises: "--resume + manual /compact: compact_boundary line, summary line, compaction API call with no assistant line",
  },
  {
    session: "long",
    prompt: "scenario:after-compact continue",
    model: "claude-sonnet-4-5[1m]",
    exercises: "--resume after compaction",
  },
];

function parseArgs(argv: string[]): { out: string; keep: boolean; dump: string | undefined } {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
  let out = join(root, "examples");
  let keep = false;
  let dump: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out" && argv[i + 1] !== undefined) out = resolve(argv[++i]!);
    else if (argv[i] === "--keep") keep = true;
    else if (argv[i] === "--dump-requests" && argv[i + 1] !== undefined) dump = resolve(argv[++i]!);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return { out, keep, dump };
}

/** A small project for the CLI to work in: a git repo with a README and a source file. */
function createProject(cwd: string): void {
  mkdirSync(join(cwd, "src"), { recursive: true });
  writeFileSync(join(cwd, "README.md"), "# shop-api\n\nA tiny example service.\n");
  writeFileSync(join(cwd, "src", "index.ts"), "export const greet = (name: string): string => `hello ${name}`;\n");
  const git = (...args: string[]): void => {
    execFileSync("git", ["-c", "user.name=Example", "-c", "user.email=dev@example.com", ...args], { cwd, stdio: "ignore" });
  };
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("commit", "-q", "-m", "Initial commit");
}

async function main(): Promise<void> {
  const { out, keep, dump } = parseArgs(process.argv.slice(2));
  if (claudeBinary() === undefined) throw new Error("Claude Code binary not found: npm install");

  const tmp = mkdtempSync(join(tmpdir(), "cc-record-"));
  const home = join(tmp, "home");
  const cwd = join(home, "work", "shop-api");
  const hooksLog = join(home, "hooks.jsonl");
  mkdirSync(home, { recursive: true });
  createProject(cwd);
  const settings = loggingHookSettings(home, hooksLog);

  const stub = await startAnthropicStub({ scenarios: recorderScenarios(cwd) });
  const sessions = new Map<string, string>();
  const manifest: { session: string; sessionId: string; model: string; prompt: string; exercises: string; requests: string[] }[] = [];
  try {
    for (const step of STEPS) {
      const resume = sessions.get(step.session);
      const before = stub.requests.length;
      const result = await runClaude({
        home,
        cwd,
        prompt: step.prompt,
        baseUrl: stub.url,
        model: step.model,
        resume,
        settings,
        // The `haiku` alias of 2.1.330 means claude-haiku-5-5; pin it to a model price tables know.
        env: { ANTHROPIC_DEFAULT_HAIKU_MODEL: "claude-haiku-4-5" },
        timeoutMs: 120_000,
      });
      const requests = stub.requests.slice(before);
      const summary = requests.map(describeRequest);
      console.log(`[${step.session}] ${step.prompt} → exit ${String(result.exitCode)}, session ${result.sessionId ?? "?"}`);
      for (const line of summary) console.log(`    ${line}`);
      if (result.exitCode !== 0 || result.sessionId === undefined) {
        throw new Error(`claude failed (exit ${String(result.exitCode)}, timedOut ${String(result.timedOut)}):\n${result.stdout}\n${result.stderr}`);
      }
      sessions.set(step.session, result.sessionId);
      manifest.push({ session: step.session, sessionId: result.sessionId, model: step.model, prompt: step.prompt, exercises: step.exercises, requests: summary });
    }
  } finally {
    await stub.stop();
    if (dump !== undefined) writeFileSync(dump, JSON.stringify(stub.requests, null, 1));
  }

  const rawProjects = join(home, ".claude", "projects");
  const replacements: PathReplacements = [
    [projectDirName(cwd), projectDirName(NEUTRAL_CWD)],
    [cwd, NEUTRAL_CWD],
    [home, NEUTRAL_HOME],
    [tmp, "/tmp/recording"],
  ];
  checkCompaction(rawProjects, sessions.get("long"));

  const projectsOut = join(out, "projects");
  rmSync(projectsOut, { recursive: true, force: true });
  const files = sanitizeTree(rawProjects, projectsOut, replacements);
  const hooksOut = join(out, "hooks.jsonl");
  writeFileSync(hooksOut, sanitizeJsonl(readFileSync(hooksLog, "utf8"), replacements));
  const version = execFileSync(claudeBinary()!, ["--version"], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: home } }).trim();
  writeFileSync(
    join(out, "recording.json"),
    `${JSON.stringify(sanitizeManifest({ claudeCode: version, projectDir: projectDirName(NEUTRAL_CWD), steps: manifest }, replacements), null, 2)}\n`,
  );
  assertClean(out, [tmp, "sk-ant-stub"]);

  console.log(`\nwrote ${files.length} transcript files to ${projectsOut}`);
  for (const file of files) console.log(`  ${file}`);
  console.log(`wrote ${hooksOut} and ${join(out, "recording.json")}`);
  if (keep) console.log(`raw recording kept in ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
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
    const summary = lines.findIndex((line) => line.includes('"isCompactSummary":true'));
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

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
