/**
 * The scripted conversations of the insights corpus (`npm run record:insights`,
 * test/fixtures/insights-<version>/): what a compaction lost and what the session read again,
 * an auto-compaction, large tool outputs, and hooks that fail. Token figures are fixed per step
 * and follow the content: a result of B bytes adds about B/4 tokens to the next request, written
 * to the cache there and read from it afterwards.
 */
import { join } from "node:path";
import type { MessagesRequest, Scenario, ScriptedResponse, ScriptedUsage } from "./anthropic-stub.js";

function usage(input_tokens: number, output_tokens: number, cache_read_input_tokens: number, cache_write_5m = 0, cache_write_1h = 0): ScriptedUsage {
  return { input_tokens, output_tokens, cache_read_input_tokens, cache_write_5m, cache_write_1h };
}

function done(text: string, u: ScriptedUsage): ScriptedResponse {
  return { text, usage: u };
}

/** The project's large data file: 1,500 rows of 38 bytes (57,000 bytes; about 16,000 tokens once Read numbers its lines). */
export function bigDataFile(): string {
  let text = "";
  for (let i = 0; i < 1500; i++) text += `row ${String(i).padStart(4, "0")}: ${"abcdefghij".repeat(2)}abcdefg\n`;
  return text;
}

/** Files the insights recording adds to the project (besides README.md and src/index.ts). */
export const INSIGHTS_FILES: Readonly<Record<string, string>> = { "data/big.txt": bigDataFile() };

/** The marker the auto-compaction's summary carries, so the conversation goes on scripted after it. */
const AFTER_AUTO = "scenario:fill-after";

export function insightsScenarios(cwd: string): Record<string, Scenario> {
  const readme = join(cwd, "README.md");
  const index = join(cwd, "src", "index.ts");
  const big = join(cwd, "data", "big.txt");
  const read = (file_path: string): ScriptedResponse["toolUses"] => [{ name: "Read", input: { file_path } }];
  // The too-long answer is given once: should Claude Code come back to `fill` after compacting, it finishes.
  let refused = false;
  return {
    /** Reads two small files in parallel, prints 3,000 numbers, reads the large file. */
    reads: ({ step }) => {
      switch (step) {
        case 0:
          return { text: "Reading the project files.", toolUses: [...(read(readme) ?? []), ...(read(index) ?? [])], usage: usage(1_200, 150, 0, 2_400, 18_500) };
        case 1:
          return { toolUses: [{ name: "Bash", input: { command: "seq 1 3000", description: "Print the row numbers" } }], usage: usage(90, 80, 20_900, 260) };
        case 2:
          return { toolUses: read(big), usage: usage(110, 70, 21_160, 3_640) };
        default:
          return done("Read README.md, src/index.ts and data/big.txt.", usage(130, 90, 24_800, 16_200));
      }
    },

    /** After a /compact: reads README.md (restored by the compaction) and data/big.txt (only referenced) again. */
    rereads: ({ step }) => {
      switch (step) {
        case 0:
          return { toolUses: read(readme), usage: usage(2_600, 60, 0, 5_800) };
        case 1:
          return { toolUses: read(big), usage: usage(80, 60, 5_800, 180) };
        case 2:
          return { toolUses: [{ name: "Bash", input: { command: "wc -l data/big.txt", description: "Count the rows" } }], usage: usage(90, 70, 5_980, 16_150) };
        default:
          return done("data/big.txt has 1500 rows.", usage(100, 60, 22_130, 200));
      }
    },

    /** After two /compact in a row (the second one summarises a summary): reads src/index.ts again. */
    "after-dup": ({ step }) => {
      if (step === 0) return { toolUses: read(index), usage: usage(2_500, 50, 0, 5_600) };
      return done("src/index.ts exports greet.", usage(90, 40, 5_600, 150));
    },

    /**
     * Reads the large file, then the next request is refused as too long: Claude Code compacts
     * the conversation (trigger auto) and retries; the summary carries AFTER_AUTO.
     */
    fill: ({ step }) => {
      switch (step) {
        case 0:
          return { text: "Loading the data.", toolUses: read(big), usage: usage(1_300, 120, 0, 2_500, 18_600) };
        case 1:
          return { toolUses: [{ name: "Bash", input: { command: "echo loaded", description: "Mark the data loaded" } }], usage: usage(150, 90, 21_100, 16_300) };
        default:
          if (refused) return done("The data is loaded.", usage(160, 40, 37_400, 300));
          refused = true;
          return { error: { status: 400, type: "invalid_request_error", message: "prompt is too long: 201384 tokens > 200000 maximum" } };
      }
    },

    /**
     * The conversation after the auto-compaction: reads the large file again, then answers. The
     * retried request still carries the last tool result (Claude Code preserves it): step 1.
     */
    "fill-after": ({ step }) => {
      if (step <= 1) return { toolUses: read(big), usage: usage(2_700, 70, 0, 6_100) };
      return done("The data is loaded again.", usage(120, 50, 6_100, 16_200));
    },

    /**
     * Large tool outputs: 40,000 numbers from Bash, the large file through Read and through cat.
     * Claude Code keeps a Bash output over 30,000 characters in a file and gives the model a
     * 2 KB preview; Read gives the whole file.
     */
    "big-outputs": ({ step }) => {
      switch (step) {
        case 0:
          return {
            text: "Dumping the logs.",
            toolUses: [{ name: "Bash", input: { command: "seq 1 40000", description: "Print 40,000 numbers" } }],
            usage: usage(1_100, 130, 0, 2_300, 18_200),
          };
        case 1:
          return { toolUses: read(big), usage: usage(140, 80, 20_500, 700) };
        case 2:
          return { toolUses: [{ name: "Bash", input: { command: "cat data/big.txt", description: "Print the data file" } }], usage: usage(150, 90, 21_200, 16_100) };
        default:
          return done("Printed the numbers and the data file twice.", usage(160, 70, 37_300, 700));
      }
    },

    /** One Bash call, then an answer: the session whose claude-code-otel hooks fail. */
    "hooks-fail": ({ step }) => {
      if (step === 0)
        return {
          text: "Checking the shell.",
          toolUses: [{ name: "Bash", input: { command: "echo ok", description: "Check the shell" } }],
          usage: usage(1_150, 90, 0, 2_350, 18_300),
        };
      return done("The shell works.", usage(120, 40, 20_650, 230));
    },
  };
}

/**
 * Answers Claude Code's summary requests: the auto-compaction of the `fill` session gets a
 * summary carrying AFTER_AUTO (the conversation then continues as `fill-after`); any other one a
 * plain summary.
 */
export const insightsCompact: Scenario = ({ body }) => {
  const auto = conversationMentions(body, "scenario:fill ");
  return {
    text:
      "<analysis>\nScripted recording session.\n</analysis>\n<summary>\n1. Primary request: work with the project files.\n" +
      (auto ? `2. Continue: ${AFTER_AUTO} load the data again.\n` : "2. Next: continue when asked.\n") +
      "</summary>",
    usage: usage(3_050, 380, 0),
  };
};

function conversationMentions(body: MessagesRequest, needle: string): boolean {
  for (const message of body.messages ?? []) {
    const content = message.content;
    if (typeof content === "string" ? content.includes(needle) : content.some((b) => b.type === "text" && (b.text ?? "").includes(needle))) return true;
  }
  return false;
}
