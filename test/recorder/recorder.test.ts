/**
 * End to end: the real Claude Code CLI against the scripted stub, with the logging hook on
 * every event. Skipped (with a message) when the CLI binary is not installed, except on CI.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAnthropicStub, type AnthropicStub } from "./anthropic-stub.js";
import { hookEventsOf, loggingHookSettings } from "./logging-hooks.js";
import { testClaudeCli } from "./claude-cli.js";
import { runClaude, type RunClaudeResult } from "./run-claude.js";
import { projectDirName } from "./sanitize.js";
import { recorderScenarios } from "./scenarios.js";

const cli = testClaudeCli();
if (cli === undefined && process.env.CI === "true") {
  throw new Error("Claude Code CLI binary missing on CI: npm ci must install @anthropic-ai/claude-code with its platform package");
}
if (cli === undefined) {
  console.warn("recorder.test.ts skipped: @anthropic-ai/claude-code binary not found under node_modules (npm install)");
}

type Line = Record<string, unknown> & { type?: string; message?: { id?: string; content?: unknown; usage?: Record<string, unknown> } };

describe.skipIf(cli === undefined)(`real Claude Code CLI ${cli?.version ?? ""} against the scripted stub`, () => {
  let tmp: string;
  let home: string;
  let cwd: string;
  let hooksLog: string;
  let stub: AnthropicStub;
  let run: RunClaudeResult;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "cc-e2e-"));
    home = join(tmp, "home");
    cwd = join(tmp, "project");
    hooksLog = join(tmp, "hooks.jsonl");
    mkdirSync(home, { recursive: true });
    stub = await startAnthropicStub({ scenarios: recorderScenarios(cwd), idTag: "e2e" });
    run = await runClaude({
      cli,
      home,
      cwd,
      prompt: "scenario:e2e-smoke echo a marker",
      baseUrl: stub.url,
      model: "claude-sonnet-4-6",
      settings: loggingHookSettings(home, hooksLog, hookEventsOf(cli!)),
      // Seconds alone; a minute when two cores are shared by several test runs.
      timeoutMs: 90_000,
    });
  }, 100_000);

  afterAll(async () => {
    await stub?.stop();
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  });

  it("exits 0 and reports the session", () => {
    expect(run.timedOut).toBe(false);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.result?.result).toBe("Done.");
  });

  it("sent the scenario's two requests to the stub, and nothing else", () => {
    const messages = stub.requests.filter((request) => request.path === "/v1/messages");
    expect(messages.map((request) => [request.kind, request.scenario, request.step, request.model])).toEqual([
      ["scenario", "e2e-smoke", 0, "claude-sonnet-4-6"],
      ["scenario", "e2e-smoke", 1, "claude-sonnet-4-6"],
    ]);
    expect(messages.every((request) => request.sessionId === run.sessionId)).toBe(true);
    expect(stub.requests.every((request) => request.status === 200)).toBe(true);
    expect(JSON.stringify(stub.requests.map((request) => request.headers))).not.toContain("sk-ant-stub");
  });

  it("wrote a transcript with the tool call, its result and the scripted usage", () => {
    const file = join(home, ".claude", "projects", projectDirName(cwd), `${run.sessionId ?? ""}.jsonl`);
    expect(existsSync(file)).toBe(true);
    const lines = readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Line);

    const assistant = lines.filter((line) => line.type === "assistant");
    const toolUses = assistant.flatMap((line) =>
      (line.message?.content as { type: string; id?: string; name?: string; input?: unknown }[]).filter((block) => block.type === "tool_use"),
    );
    expect(toolUses).toEqual([{ type: "tool_use", id: "toolu_Bash_e2e_1_0", name: "Bash", input: { command: "echo e2e", description: "Echo a marker" } }]);
    // One line per content block, each repeating the same message id, request id and usage.
    const first = assistant.filter((line) => line.message?.id === "msg_e2e_1");
    expect(first).toHaveLength(2);
    expect(first.every((line) => line.requestId === "req_e2e_1")).toBe(true);
    expect(first[0]?.message?.usage).toMatchObject({
      input_tokens: 1_000,
      output_tokens: 50,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 10_000,
      cache_creation: { ephemeral_5m_input_tokens: 2_000, ephemeral_1h_input_tokens: 8_000 },
    });
    const last = assistant.find((line) => line.message?.id === "msg_e2e_2");
    expect(last?.message?.usage).toMatchObject({ input_tokens: 200, output_tokens: 20, cache_read_input_tokens: 10_000 });

    const results = lines
      .filter((line) => line.type === "user" && Array.isArray(line.message?.content))
      .flatMap((line) => line.message?.content as { type: string; tool_use_id?: string; content?: unknown; is_error?: boolean }[])
      .filter((block) => block.type === "tool_result");
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ tool_use_id: "toolu_Bash_e2e_1_0", is_error: false });
    expect(String(results[0]?.content)).toContain("e2e");
    expect(lines.some((line) => line.type === "cost-state")).toBe(true);
  });

  it("fired the logging hook for PreToolUse, PostToolUse and Stop", () => {
    const payloads = readFileSync(hooksLog, "utf8")
      .split("\n")
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const events = payloads.map((payload) => payload.hook_event_name);
    expect(events).toEqual(expect.arrayContaining(["SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop", "SessionEnd"]));
    const pre = payloads.find((payload) => payload.hook_event_name === "PreToolUse");
    const post = payloads.find((payload) => payload.hook_event_name === "PostToolUse");
    const stop = payloads.find((payload) => payload.hook_event_name === "Stop");
    expect(pre).toMatchObject({ session_id: run.sessionId, tool_name: "Bash", tool_use_id: "toolu_Bash_e2e_1_0", cwd });
    expect(post).toMatchObject({ tool_name: "Bash", tool_use_id: "toolu_Bash_e2e_1_0", tool_response: { stdout: "e2e" } });
    expect(typeof post?.duration_ms).toBe("number");
    expect(stop).toMatchObject({ session_id: run.sessionId, last_assistant_message: "Done." });
    expect(String(stop?.transcript_path)).toContain(projectDirName(cwd));
  });
});
