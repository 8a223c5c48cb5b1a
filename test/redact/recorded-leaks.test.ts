/**
 * Issue 16.1 end to end: the secret corpus (60+ kinds) goes through a session recorded with the
 * REAL Claude Code CLI, then through `replay` into a real OTLP receiver, with content capture off
 * and on. The session writes every corpus text to files (Write: tool input), prints them on
 * stderr of failing commands (Bash: error texts), runs command lines holding credentials (Bash:
 * tool input), and the prompt and the model's answer quote some (input and output messages).
 * Nothing of any secret may reach the receiver; with capture on, the content itself still does.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayCommand } from "../../src/cli/replay-command.js";
import { CAPTURE_CONTENT_ENV } from "../../src/semconv/names.js";
import { captureIO } from "../support/cli.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import type { AnthropicStub, Scenario } from "../recorder/anthropic-stub.js";
import { startAnthropicStub } from "../recorder/anthropic-stub.js";
import { testClaudeCli } from "../recorder/claude-cli.js";
import { runClaude } from "../recorder/run-claude.js";
import { SECRET_CASES } from "./secrets-corpus.js";

const cli = testClaudeCli();
if (cli === undefined && process.env["CI"] === "true") throw new Error("Claude Code CLI binary missing on CI");

/** Corpus texts in files of at most ~1,500 characters: a failing `cat` of one stays under the 2,000 characters kept of an error text. */
function chunks(): string[] {
  const out: string[] = [];
  let current = "";
  for (const c of SECRET_CASES) {
    const entry = `## ${c.name}\n${c.text}\n`;
    if (current.length + entry.length > 1_500 && current !== "") {
      out.push(current);
      current = "";
    }
    current += entry;
  }
  if (current !== "") out.push(current);
  return out;
}

/** Single-line corpus texts as a shell comment: in the command (tool input), never run. */
const COMMAND_LINES = SECRET_CASES.filter((c) => !c.text.includes("\n")).map((c) => c.text);

function leakScenario(cwd: string, files: readonly string[]): Scenario {
  return ({ step }) => {
    const u = { input_tokens: 900, output_tokens: 120, cache_read_input_tokens: 0, cache_write_5m: 0, cache_write_1h: 0 };
    if (step === 0) {
      return {
        text: "Writing the files first.",
        toolUses: files.map((content, i) => ({ name: "Write", input: { file_path: join(cwd, `chunk-${i}.txt`), content } })),
        usage: u,
      };
    }
    if (step === 1) {
      return {
        text: "Now reading them back the hard way.",
        toolUses: [
          ...files.map((_c, i) => ({ name: "Bash", input: { command: `cat chunk-${i}.txt >&2; exit 3`, description: `Fail with chunk ${i} on stderr` } })),
          { name: "Bash", input: { command: `true # ${COMMAND_LINES.join(" # ")}`, description: "Command lines with credentials" } },
        ],
        usage: u,
      };
    }
    // The model quotes what it saw: assistant output holds secrets too.
    return { text: `Done. The first file started with:\n${files[0]?.slice(0, 600) ?? ""}`, usage: u };
  };
}

interface Outcome {
  readonly bytes: Buffer;
  readonly leaked: string[];
  readonly spans: number;
}

describe.skipIf(cli === undefined)("the secret corpus through a session recorded with the real Claude Code CLI", { timeout: 180_000 }, () => {
  let tmp: string;
  let projects: string;
  let stub: AnthropicStub;
  const files = chunks();
  const secrets = SECRET_CASES.flatMap((c) => c.secrets);
  /** How a secret can appear on the wire: as it is, JSON-escaped (inside captured tool input), or one line of a multi-line one. */
  const forms = (s: string): string[] => [s, JSON.stringify(s).slice(1, -1), ...s.split("\n").filter((l) => l.length >= 16)];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "cco-leaks-"));
    const home = join(tmp, "home");
    const cwd = join(tmp, "project");
    mkdirSync(home, { recursive: true });
    mkdirSync(cwd, { recursive: true });
    stub = await startAnthropicStub({ scenarios: { "leak-corpus": leakScenario(cwd, files) }, idTag: "leaks" });
    const run = await runClaude({
      cli,
      home,
      cwd,
      prompt: `scenario:leak-corpus please debug this: ${SECRET_CASES[0]?.text ?? ""}`,
      baseUrl: stub.url,
      model: "claude-sonnet-4-6",
      timeoutMs: 120_000,
    });
    if (run.exitCode !== 0) throw new Error(`claude exited ${run.exitCode}: ${run.stderr}`);
    projects = join(home, ".claude", "projects");
  }, 180_000);

  afterAll(async () => {
    await stub?.stop();
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  });

  async function replay(capture: boolean): Promise<Outcome> {
    const receiver: OtlpReceiver = await startOtlpReceiver();
    try {
      const io = captureIO(capture ? { [CAPTURE_CONTENT_ENV]: "true" } : {});
      const state = join(tmp, `state-${capture ? "on" : "off"}`);
      const code = await replayCommand(["--projects-dir", projects, "--endpoint", receiver.url, "--state-dir", state, "--idle-minutes", "0"], io);
      if (code !== 0) throw new Error(`replay exit ${code}: ${io.stderr()}`);
      const bytes = Buffer.concat(receiver.requests.map((r) => r.bytes));
      const leaked = secrets.filter((s) => forms(s).some((f) => bytes.includes(f)));
      for (const s of leaked) {
        const f = forms(s).find((x) => bytes.includes(x)) as string;
        const at = bytes.indexOf(f);
        console.log(`LEAK ${JSON.stringify(bytes.subarray(Math.max(0, at - 80), at + f.length + 20).toString("utf8"))}`);
      }
      console.log(`capture ${capture ? "on" : "off"}: ${secrets.length} secrets of ${SECRET_CASES.length} kinds, ${leaked.length} leaked, ${receiver.spans.length} spans`);
      return { bytes, leaked, spans: receiver.spans.length };
    } finally {
      await receiver.close();
    }
  }

  it("the recording holds every secret where it should: tool inputs, failing commands' stderr, prompt and answer", () => {
    const sent = JSON.stringify(stub.requests.map((r) => r.body));
    // Claude Code sent the tool results back to the model: every secret went through the session.
    expect(secrets.filter((s) => !forms(s).some((f) => sent.includes(f)))).toEqual([]);
    expect(sent).toContain("Exit code 3");
  });

  it("capture off: 0 leaks; each failed call still says what failed", async () => {
    const off = await replay(false);
    expect(off.leaked).toEqual([]);
    expect(off.bytes.includes("Exit code 3")).toBe(true);
    expect(off.bytes.includes("[REDACTED]")).toBe(true);
    expect(off.bytes.includes("please debug")).toBe(false);
    expect(off.bytes.includes("gen_ai.tool.call.arguments")).toBe(false);
  });

  it("capture on: 0 leaks, and the content (prompt, tool inputs, answer, error texts) still arrives", async () => {
    const on = await replay(true);
    expect(on.leaked).toEqual([]);
    for (const kept of [
      "please debug this",
      "chunk-0.txt",
      "cat chunk-1.txt >&2; exit 3",
      "The first file started with",
      "true # export ANTHROPIC_API_KEY=[REDACTED]",
      "## Anthropic API key",
    ]) {
      expect(on.bytes.includes(kept), kept).toBe(true);
    }
    expect(on.bytes.includes("gen_ai.tool.call.arguments")).toBe(true);
  });
});
