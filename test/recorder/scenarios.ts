/**
 * The scripted conversations the recorder plays against the real Claude Code CLI.
 *
 * Each scenario is selected by `scenario:<name>` in a prompt and answers by step (tool-result
 * turns since that prompt). Token figures are fixed per step so recordings are deterministic
 * and exercise cost: 5m and 1h cache writes, cache reads, and one request above 200k input
 * tokens (tiered pricing).
 */
import { join } from "node:path";
import type { MessagesRequest, Scenario, ScriptedResponse, ScriptedUsage } from "./anthropic-stub.js";

/** A missing path used by the failing Bash and Read calls. */
export const MISSING_DIR = "/nonexistent";

function usage(input_tokens: number, output_tokens: number, cache_read_input_tokens: number, cache_write_5m = 0, cache_write_1h = 0): ScriptedUsage {
  return { input_tokens, output_tokens, cache_read_input_tokens, cache_write_5m, cache_write_1h };
}

/** Text of the last user message (prompt or notification), outside tool results. */
function lastUserText(messages: MessagesRequest["messages"]): string {
  const last = [...(messages ?? [])].reverse().find((message) => message.role === "user");
  if (last === undefined) return "";
  if (typeof last.content === "string") return last.content;
  return last.content.map((block) => (block.type === "text" ? (block.text ?? "") : "")).join("\n");
}

function done(text: string, u: ScriptedUsage): ScriptedResponse {
  return { text, usage: u };
}

/** What differs between Claude Code releases in the scenarios' tool calls. */
export interface ScenarioOptions {
  /** The subagent tool: `Agent` (2.1.63 on), `Task` before. Default `Agent`. */
  agentTool?: "Agent" | "Task";
  /**
   * Whether the subagent tool takes `model` and `run_in_background` (2.0.x on; 1.0.x rejects
   * unknown keys). Default true.
   */
  agentOptions?: boolean;
}

/**
 * All recorder scenarios. `cwd` is the project directory the CLI runs in (Write/Edit/Read need
 * absolute paths inside it).
 */
export function recorderScenarios(cwd: string, options: ScenarioOptions = {}): Record<string, Scenario> {
  const notes = join(cwd, "notes.md");
  const agentTool = options.agentTool ?? "Agent";
  const agentOptions = options.agentOptions ?? true;
  return {
    /** Two parallel Bash calls (one fails with exit code 2) plus a parallel Read, then an answer. */
    "parallel-fail": ({ step }) => {
      if (step === 0) {
        return {
          text: "I'll look at the project and the missing directory at the same time.",
          toolUses: [
            { name: "Bash", input: { command: "echo hello && ls", description: "Say hello and list files" } },
            { name: "Bash", input: { command: `ls ${MISSING_DIR}`, description: "List a missing directory" } },
            { name: "Read", input: { file_path: join(cwd, "README.md") } },
          ],
          // First call of a session: the system prompt and tools are written to the 1h cache.
          usage: usage(1_204, 318, 0, 2_210, 18_452),
        };
      }
      return done("The project has a README; `/nonexistent` does not exist (ls exited with code 2).", usage(1_580, 96, 20_662, 1_930));
    },

    /** Write a file, edit it, then fail to read a missing file; answer. */
    "edit-files": ({ step }) => {
      switch (step) {
        case 0:
          return {
            text: "Creating the notes file.",
            toolUses: [{ name: "Write", input: { file_path: notes, content: "# Notes\n\nstatus: draft\n" } }],
            usage: usage(860, 142, 0, 19_874),
          };
        case 1:
          return {
            toolUses: [{ name: "Edit", input: { file_path: notes, old_string: "status: draft", new_string: "status: reviewed" } }],
            usage: usage(312, 118, 19_874, 1_020),
          };
        case 2:
          return {
            text: "Checking the changelog too.",
            toolUses: [{ name: "Read", input: { file_path: join(cwd, "CHANGELOG.md") } }],
            usage: usage(288, 64, 20_894, 744),
          };
        default:
          return done("Notes written and marked reviewed; there is no CHANGELOG.md.", usage(402, 51, 21_638, 611));
      }
    },

    /** Starts a foreground subagent (general-purpose, on haiku) through the Agent tool. */
    agent: ({ step }) => {
      if (step === 0) {
        return {
          text: "I'll delegate the survey to a subagent.",
          toolUses: [
            {
              name: agentTool,
              input: {
                description: "Survey the project",
                prompt: "scenario:sub-survey List the files in the project directory and report what you find.",
                subagent_type: "general-purpose",
                ...(agentOptions ? { model: "haiku", run_in_background: false } : {}),
              },
            },
          ],
          usage: usage(1_390, 244, 0, 3_106, 19_220),
        };
      }
      return done("The subagent found a README and a source folder.", usage(506, 88, 22_326, 1_412, 0));
    },

    /**
     * Starts a background subagent (the Agent tool's default in 2.1.330). The main turn ends at
     * once; in `-p` mode Claude Code waits for the agent and then sends its result back as a new
     * user message (a task notification), which this scenario answers last.
     */
    "agent-bg": ({ step, body }) => {
      if (lastUserText(body.messages).includes("<task-notification>")) {
        return done("The background survey reported README.md and src/.", usage(640, 58, 24_120, 1_180));
      }
      if (step === 0) {
        return {
          text: "Starting a background survey.",
          toolUses: [
            {
              name: agentTool,
              input: {
                description: "Survey in background",
                prompt: "scenario:sub-survey List the files in the project directory and report what you find.",
                subagent_type: "general-purpose",
              },
            },
          ],
          usage: usage(1_402, 198, 0, 2_980, 19_540),
        };
      }
      return done("The survey is running in the background.", usage(455, 40, 22_520, 1_600));
    },

    /** The subagent's own conversation: one Bash call, then its report. */
    "sub-survey": ({ step }) => {
      if (step === 0) {
        return {
          toolUses: [{ name: "Bash", input: { command: "ls -la", description: "List project files" } }],
          usage: usage(2_940, 77, 0, 9_812),
        };
      }
      return done("Found README.md and src/ in the project directory.", usage(388, 42, 9_812, 655));
    },

    /** Six tool rounds, some failing, with a growing cached prefix (1h writes on the first call). */
    long: ({ step }) => {
      if (step < 6) {
        const failing = step === 2 || step === 5;
        return {
          text: step === 0 ? "Working through the steps one at a time." : undefined,
          toolUses: [
            {
              name: "Bash",
              input: failing ? { command: `ls ${MISSING_DIR}/step${step}`, description: `Step ${step}` } : { command: `echo step${step}`, description: `Step ${step}` },
            },
          ],
          usage: step === 0 ? usage(1_310, 201, 0, 4_420, 17_930) : usage(180 + 40 * step, 90 + 10 * step, 22_350 + 1_100 * (step - 1), 1_100),
        };
      }
      return done("All six steps ran; steps 2 and 5 failed.", usage(420, 133, 28_850, 1_240));
    },

    /**
     * A resumed turn whose context has grown past 200k tokens (a large file pulled in):
     * one request with 212k input tokens in total, priced at the long-context tier.
     */
    big: ({ step }) => {
      if (step === 0) {
        return {
          text: "Reading the large generated file.",
          toolUses: [{ name: "Bash", input: { command: "wc -c README.md", description: "Measure the file" } }],
          usage: usage(2_140, 160, 30_090, 4_870),
        };
      }
      return done("The context is now very large; consider compacting.", usage(11_250, 412, 34_960, 166_310));
    },

    /** A short turn after compaction. */
    "after-compact": ({ step }) => {
      if (step === 0) {
        return {
          toolUses: [{ name: "Bash", input: { command: "echo resumed", description: "Check the shell" } }],
          usage: usage(2_480, 71, 0, 6_020),
        };
      }
      return done("Back to work after the compaction.", usage(310, 36, 6_020, 402));
    },

    /** The first turn of the rewind session: one Bash call, then an answer. */
    "rewind-a": ({ step }) => {
      if (step === 0) {
        return {
          text: "Counting the files.",
          toolUses: [{ name: "Bash", input: { command: "ls | wc -l", description: "Count files" } }],
          usage: usage(1_150, 84, 0, 2_640, 18_210),
        };
      }
      return done("There are two entries in the project.", usage(236, 31, 20_850, 412));
    },

    /** The second turn, later rewound (its branch stays in the transcript). */
    "rewind-b": () => done("The README is the only documentation.", usage(318, 27, 21_262, 486)),

    /** The second turn asked again after the rewind: one Bash call, then an answer. */
    "rewind-c": ({ step }) => {
      if (step === 0) {
        return {
          toolUses: [{ name: "Bash", input: { command: "git log --oneline | wc -l", description: "Count commits" } }],
          usage: usage(344, 58, 21_262, 530),
        };
      }
      return done("One commit so far.", usage(212, 22, 21_792, 298));
    },

    /** The short end-to-end test scenario: one Bash call, then an answer. */
    "e2e-smoke": ({ step }) => {
      if (step === 0) {
        return {
          text: "Running one command.",
          toolUses: [{ name: "Bash", input: { command: "echo e2e", description: "Echo a marker" } }],
          usage: usage(1_000, 50, 0, 2_000, 8_000),
        };
      }
      return done("Done.", usage(200, 20, 10_000, 300));
    },
  };
}
