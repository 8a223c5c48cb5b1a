/**
 * What each recording runs: the CLI invocations (steps), in order, per output set.
 *
 * - `examples`: the five sessions of `examples/` (what `npm run demo` reports).
 * - `fixtures`: the test corpus `test/fixtures/claude-code-<version>/`, one per CLI release. The
 *   steps depend on the release's era: what its tools are called, which options they take, and
 *   which models existed when it shipped.
 * - `models`: `test/fixtures/models-<version>/`, the cost corpus: short sessions on model ids the
 *   price library misprices or lacks, each priced by Claude Code's own ledger.
 * - `insights`: `test/fixtures/insights-<version>/`: compactions (and what they lost), large tool
 *   outputs, failing hooks.
 */
import type { Scenario } from "./anthropic-stub.js";
import { INSIGHTS_FILES, insightsCompact, insightsScenarios } from "./insights-scenarios.js";
import type { ScenarioOptions } from "./scenarios.js";

/** One CLI invocation. */
export interface Step {
  /** Session label; steps with the same label continue the same session (`--resume`). */
  session: string;
  prompt: string;
  model: string;
  exercises: string;
  /**
   * A rewind: resume the session at the last assistant line of its `rewindTo`-th run (0-based,
   * counting this session's runs), with `--resume-session-at`. The new prompt becomes a sibling of
   * the prompt that followed that line, as when a user rewinds the conversation.
   */
  rewindTo?: number;
  /** Hook entries added to the logging hooks for this run only (event → matcher groups), given the run's HOME. */
  hooks?: (home: string) => Record<string, unknown[]>;
}

export interface RecordingPlan {
  /** `examples`, `fixtures`, `models` or `insights`. */
  set: "examples" | "fixtures" | "models" | "insights";
  /** The era the steps were written for (documentation only). */
  era: string;
  steps: Step[];
  scenarioOptions: ScenarioOptions;
  /** `--allowedTools`. */
  allowedTools: string;
  /** Extra environment for every run. */
  env: Record<string, string>;
  /**
   * Fixed id tag (ids `msg_<tag>_<n>`, `req_...`, `toolu_...`) and fixed session ids (`--session-id`,
   * derived from the version and the session label), so a re-recording keeps them. Undefined:
   * a time-based tag and session ids of the CLI's choosing.
   */
  fixedIds?: string;
  /** Scenarios beside the recorder's own (recorderScenarios), given the project directory. */
  scenarios?: (cwd: string) => Record<string, Scenario>;
  /** Answers Claude Code's summary (compaction) requests instead of the stub's default. */
  compact?: Scenario;
  /** Files added to the project (path relative to it → content) before the first run. */
  files?: Readonly<Record<string, string>>;
}

/** `haiku` means claude-haiku-5-5 in 2.1.330, which price tables do not know yet; pin it. */
const HAIKU_4_5 = { ANTHROPIC_DEFAULT_HAIKU_MODEL: "claude-haiku-4-5" };

const PARALLEL_FAIL = "scenario:parallel-fail check the project and the missing directory";
const EDIT_FILES = "scenario:edit-files write the notes file, mark it reviewed, check the changelog";
const AGENT = "scenario:agent survey the project with a subagent";
const AGENT_BG = "scenario:agent-bg survey the project in the background";
const LONG = "scenario:long run the six steps";
const BIG = "scenario:big read the large generated file";
const AFTER_COMPACT = "scenario:after-compact continue";

/** The steps of `examples/` (unchanged since they were first recorded with 2.1.330). */
export function examplesPlan(): RecordingPlan {
  return {
    set: "examples",
    era: "2.1.63 and later (Agent tool)",
    allowedTools: "Bash Read Write Edit Agent",
    scenarioOptions: {},
    env: HAIKU_4_5,
    steps: [
      {
        session: "parallel-fail",
        prompt: PARALLEL_FAIL,
        model: "claude-sonnet-4-6",
        exercises: "parallel tool calls (Bash ok, Bash failing with exit 2, Read ok); 1h + 5m cache writes",
      },
      { session: "edit-files", prompt: EDIT_FILES, model: "claude-haiku-4-5", exercises: "Write, Edit, failing Read of a missing file" },
      {
        session: "agent",
        prompt: AGENT,
        model: "claude-opus-4-6",
        exercises: "Agent tool starting a foreground general-purpose subagent on claude-haiku-4-5 (two models in one session); 1h cache writes",
      },
      {
        session: "agent-bg",
        prompt: AGENT_BG,
        model: "claude-sonnet-4-6",
        exercises:
          "Agent tool starting a background subagent (the 2.1.330 default; inherits the model); the main turn ends, then the task notification arrives as a new user message and is answered",
      },
      ...longSession("claude-sonnet-4-5[1m]", true),
    ],
  };
}

/** The six-round session, resumed: a >200k request (when `big`), a manual /compact, one more turn. */
function longSession(model: string, big: boolean): Step[] {
  return [
    { session: "long", prompt: LONG, model, exercises: "six sequential tool rounds, two failing; growing cache reads" },
    ...(big ? [{ session: "long", prompt: BIG, model, exercises: "--resume; one request with 212,520 input tokens (>200k tier)" }] : []),
    { session: "long", prompt: "/compact", model, exercises: "--resume + manual /compact: compact_boundary line, summary line, compaction API call with no assistant line" },
    { session: "long", prompt: AFTER_COMPACT, model, exercises: "--resume after compaction" },
  ];
}

/** Two turns, then a rewind to the end of the first and a different second turn. */
function rewindSession(model: string): Step[] {
  return [
    { session: "rewind", prompt: "scenario:rewind-a first question", model, exercises: "one tool round and an answer" },
    { session: "rewind", prompt: "scenario:rewind-b second question", model, exercises: "--resume: a second turn (the branch left behind)" },
    {
      session: "rewind",
      prompt: "scenario:rewind-c the second question, asked differently",
      model,
      rewindTo: 0,
      exercises: "--resume --resume-session-at <first turn's last assistant line>: a rewind; two prompts share one parent, both branches were billed",
    },
  ];
}

/** Releases by era; each gets the models of its time and the tool names it knows. */
export function fixturesPlan(version: string): RecordingPlan {
  const [major = 0, minor = 0, patch = 0] = version.split(".").map(Number);
  const at = (a: number, b: number, c: number): boolean => major > a || (major === a && (minor > b || (minor === b && patch >= c)));
  const fixedIds = `v${version.replace(/\./g, "_")}`;
  if (at(2, 1, 63)) {
    return {
      set: "fixtures",
      era: "2.1.63 and later: the Agent tool, subagents/ folder with .meta.json, background agents by default, cost-state ledger lines",
      allowedTools: "Bash Read Write Edit Agent",
      scenarioOptions: {},
      env: HAIKU_4_5,
      fixedIds,
      steps: [...examplesPlan().steps, ...rewindSession("claude-sonnet-4-6")],
    };
  }
  if (at(2, 1, 0)) {
    return {
      set: "fixtures",
      era: "2.1.0 to 2.1.62: the Task tool, subagents/ folder, streaming placeholder usage (before 2.1.97)",
      allowedTools: "Bash Read Write Edit Task",
      scenarioOptions: { agentTool: "Task" },
      env: {},
      fixedIds,
      steps: [
        { session: "parallel-fail", prompt: PARALLEL_FAIL, model: "claude-sonnet-4-5-20250929", exercises: "parallel tool calls, one failing" },
        { session: "agent", prompt: AGENT, model: "claude-opus-4-5-20251101", exercises: "Task tool, foreground subagent on haiku (two models in one session)" },
        ...longSession("claude-sonnet-4-5-20250929", false),
        ...rewindSession("claude-sonnet-4-5-20250929"),
      ],
    };
  }
  if (at(2, 0, 0)) {
    return {
      set: "fixtures",
      era: "2.0.x: the Task tool, subagent transcripts as sibling agent-<id>.jsonl files, Warmup sidechains",
      allowedTools: "Bash Read Write Edit Task",
      scenarioOptions: { agentTool: "Task" },
      env: {},
      fixedIds,
      steps: [
        { session: "parallel-fail", prompt: PARALLEL_FAIL, model: "claude-sonnet-4-5-20250929", exercises: "parallel tool calls, one failing; Warmup sidechain files" },
        { session: "agent", prompt: AGENT, model: "claude-opus-4-5-20251101", exercises: "Task tool, foreground subagent on haiku in a sibling agent-<id>.jsonl" },
        ...longSession("claude-sonnet-4-5-20250929", false),
      ],
    };
  }
  return {
    set: "fixtures",
    era: "1.0.x: the Task tool without model options, inline sidechains in the session file, summary lines",
    allowedTools: "Bash Read Write Edit Task",
    scenarioOptions: { agentTool: "Task", agentOptions: false },
    env: {},
    fixedIds,
    steps: [
      { session: "parallel-fail", prompt: PARALLEL_FAIL, model: "claude-sonnet-4-20250514", exercises: "parallel tool calls, one failing" },
      { session: "agent", prompt: AGENT, model: "claude-opus-4-1-20250805", exercises: "Task tool; the subagent's lines inline in the session file (isSidechain)" },
      ...longSession("claude-sonnet-4-20250514", false),
    ],
  };
}

/**
 * The cost corpus: model ids on which genai-prices and Claude Code disagree. claude-sonnet-5-5
 * is matched by the library's claude-sonnet-5 entry (cache reads at $0.20/Mtok where Claude Code
 * charges $0.10); claude-haiku-5-5 and claude-fable-5-2 are in Claude Code's catalog but not in the
 * library; claude-nova-1 is in neither (Claude Code then charges its default model's rates and
 * says so, `hasUnknownModelCost`). The resumed haiku step takes claude-haiku-5-5 over its 100k
 * long-prompt threshold.
 */
export function modelsPlan(version: string): RecordingPlan {
  return {
    set: "models",
    era: "2.1.63 and later, priced by Claude Code's model catalog",
    allowedTools: "Bash Read Write Edit Agent",
    scenarioOptions: {},
    env: { ANTHROPIC_DEFAULT_HAIKU_MODEL: "claude-haiku-5-5" },
    fixedIds: `models_v${version.replace(/\./g, "_")}`,
    steps: [
      { session: "sonnet-5-5", prompt: PARALLEL_FAIL, model: "claude-sonnet-5-5", exercises: "the library prices cache reads at twice Claude Code's rate; 1h + 5m writes" },
      ...longSession("claude-sonnet-5-5", false),
      { session: "haiku-5-5", prompt: EDIT_FILES, model: "claude-haiku-5-5", exercises: "a model the library lacks" },
      { session: "haiku-5-5", prompt: BIG, model: "claude-haiku-5-5", exercises: "--resume; a 212,520-token request: Claude Code's long-prompt rates (over 100k) for this model" },
      { session: "agent-mixed", prompt: AGENT, model: "claude-sonnet-5-5", exercises: "two models in one session: a subagent on claude-haiku-5-5, which the library lacks" },
      { session: "fable-5-2", prompt: EDIT_FILES, model: "claude-fable-5-2", exercises: "a model the library lacks" },
      { session: "unknown", prompt: EDIT_FILES, model: "claude-nova-1", exercises: "a model neither Claude Code nor the library knows (hasUnknownModelCost)" },
    ],
  };
}

const OTEL_HOOK_EVENTS = ["SessionStart", "UserPromptSubmit", "PostToolUse", "PostToolUseFailure", "Stop", "SubagentStop", "PreCompact", "PostCompact", "SessionEnd"];
const MATCHER_EVENTS = new Set(["PostToolUse", "PostToolUseFailure", "SubagentStop", "PreCompact", "PostCompact", "SessionStart", "SessionEnd"]);

/**
 * claude-code-otel's hook entries as `install` writes them (async, absolute node and bin paths),
 * pointing at a package that is no longer there (moved or uninstalled after `install`): every
 * run of them fails, and Claude Code records each failure in the transcript.
 */
export function brokenOtelHooks(home: string): Record<string, unknown[]> {
  const command = `'/usr/bin/node' '${home}/.npm-global/lib/node_modules/claude-code-otel/bin/claude-code-otel.cjs' hook`;
  const hooks: Record<string, unknown[]> = {};
  for (const event of OTEL_HOOK_EVENTS) {
    hooks[event] = [{ ...(MATCHER_EVENTS.has(event) ? { matcher: "*" } : {}), hooks: [{ type: "command", command, async: true, timeout: 10 }] }];
  }
  return hooks;
}

/**
 * The insights corpus (`npm run record:insights`, test/fixtures/insights-<version>/): a session
 * that reads files, compacts, reads some again, and compacts twice in a row; an auto-compaction
 * (Claude Code compacts when the API refuses a prompt as too long); large tool outputs; a
 * session whose claude-code-otel hooks fail.
 */
export function insightsPlan(version: string): RecordingPlan {
  const sonnet = "claude-sonnet-4-5";
  return {
    set: "insights",
    era: "2.1.63 and later: compact_boundary with preservedMessages, file and compact_file_reference attachments after a compaction, async_hook_response attachments",
    allowedTools: "Bash Read Write Edit Agent",
    scenarioOptions: {},
    env: HAIKU_4_5,
    fixedIds: `insights_v${version.replace(/\./g, "_")}`,
    scenarios: insightsScenarios,
    compact: insightsCompact,
    files: INSIGHTS_FILES,
    steps: [
      {
        session: "reread",
        prompt: "scenario:reads read the project files",
        model: sonnet,
        exercises: "two parallel Reads, a 13,893-byte Bash output, a Read of a 57,000-byte file",
      },
      { session: "reread", prompt: "/compact", model: sonnet, exercises: "--resume + manual /compact: the small files restored (file attachments), the large one only referenced" },
      { session: "reread", prompt: "scenario:rereads check the files again", model: sonnet, exercises: "--resume: README.md (restored) and data/big.txt (lost) read again" },
      { session: "reread", prompt: "/compact", model: sonnet, exercises: "--resume + a second /compact" },
      { session: "reread", prompt: "/compact", model: sonnet, exercises: "--resume + a third /compact right after the second: the same conversation summarised again" },
      { session: "reread", prompt: "scenario:after-dup continue", model: sonnet, exercises: "--resume: src/index.ts read again" },
      {
        session: "auto-compact",
        prompt: "scenario:fill load the data",
        model: sonnet,
        exercises: "the API refuses the third request as too long: an auto-compaction, then the large file read again",
      },
      {
        session: "big-outputs",
        prompt: "scenario:big-outputs dump the logs",
        model: "claude-haiku-4-5",
        exercises: "a 228,894-byte Bash output, the large file through Read and through cat",
      },
      {
        session: "hooks-fail",
        prompt: "scenario:hooks-fail check the shell",
        model: sonnet,
        exercises: "claude-code-otel's hooks installed from a package that is gone: every async hook run fails",
        hooks: brokenOtelHooks,
      },
    ],
  };
}
