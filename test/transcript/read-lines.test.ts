import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createPricer } from "../../src/cost/price-request.js";
import { buildSession } from "../../src/model/build-session.js";
import type { TranscriptLine } from "../../src/transcript/line-types.js";
import { readTranscriptLinesSync } from "../../src/transcript/read-lines.js";
import { skippableType } from "../../src/transcript/line-head.js";

function tempFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), "cco-reader-"));
  const path = join(dir, "s.jsonl");
  writeFileSync(path, content);
  return path;
}

const usage = (output: number, stop: string | null) => ({
  input_tokens: 10,
  output_tokens: output,
  cache_read_input_tokens: 1000,
  cache_creation_input_tokens: 200,
  stop_reason: stop,
});

function assistant(uuid: string, parent: string | null, output: number, stop: string | null, content: unknown[], extra: Record<string, unknown> = {}) {
  const u = usage(output, stop);
  return JSON.stringify({
    parentUuid: parent,
    isSidechain: false,
    type: "assistant",
    uuid,
    timestamp: "2025-07-01T10:00:01.000Z",
    sessionId: "s1",
    requestId: "req_1",
    message: { id: "msg_1", model: "claude-sonnet-4-20250514", content, stop_reason: stop, usage: u },
    ...extra,
  });
}

describe("readTranscriptLinesSync", () => {
  it("skips blank, truncated and non-JSON lines, counts them, and keeps going", async () => {
    const path = tempFile(
      [
        JSON.stringify({ type: "user", uuid: "u1", parentUuid: null, timestamp: "2025-07-01T10:00:00.000Z", message: { role: "user", content: "hi" } }),
        "",
        "not json at all",
        '{"type":"assistant","message":{"id":"msg_trunc"',
        JSON.stringify({ type: "brand-new-line-type", payload: 1 }),
        JSON.stringify({ type: "attachment", attachment: { type: "prompt_snapshot", text: "x".repeat(5000) } }),
        JSON.stringify({ parentUuid: "u1", isSidechain: false, attachment: { type: "prompt_snapshot" }, type: "attachment" }),
        "[1,2,3]",
        "",
      ].join("\n"),
    );
    const seen: TranscriptLine[] = [];
    const result = readTranscriptLinesSync(path, (l) => seen.push(l), { includeUnterminatedTail: true });
    expect(result.stats).toEqual({ lines: 7, skipped: 2, parsed: 2, invalid: 3, unknownTypes: { "brand-new-line-type": 1 }, bytes: result.size });
    expect(seen.map((l) => l.kind)).toEqual(["prompt", "other"]);
  });

  it("commits offsets only past complete lines, so a live tail never reads half a line", async () => {
    const first = JSON.stringify({ type: "summary", summary: "a", leafUuid: "x" });
    const path = tempFile(`${first}\n{"type":"summary","summ`);
    const result = readTranscriptLinesSync(path, () => undefined);
    expect(result.committedOffset).toBe(Buffer.byteLength(first) + 1);
    expect(result.stats.invalid).toBe(0);
  });

  it("reads lines longer than its chunk size (10 MB tool output) in bounded steps", async () => {
    const big = JSON.stringify({
      type: "user",
      uuid: "u2",
      timestamp: "2025-07-01T10:00:00.000Z",
      message: { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", is_error: true, content: "E".repeat(10 * 1024 * 1024) }] },
    });
    const path = tempFile(`${big}\n`);
    const seen: TranscriptLine[] = [];
    readTranscriptLinesSync(path, (l) => seen.push(l));
    expect(seen).toHaveLength(1);
    const line = seen[0];
    expect(line?.kind === "tool-results" && line.results[0]?.errorText?.length).toBe(2000);
  });

  it("decides from the head alone which modern lines need no parse", () => {
    const cases: [string, string | undefined][] = [
      ['{"type":"api-request-shape","x":1}', "api-request-shape"],
      ['{"type":"api-request-blob","x":1}', "api-request-blob"],
      ['{"type":"api-request","id":"a"}', undefined],
      ['{"parentUuid":"p","isSidechain":false,"attachment":{"type":"prompt_snapshot"}}', "attachment"],
      ['{"parentUuid":"p","isSidechain":false,"message":{"content":"\\"attachment\\":{"}}', undefined],
      ['{"type":"assistant"}', undefined],
      ['{"type":"cost-state"}', undefined],
    ];
    for (const [line, expected] of cases) {
      const buf = Buffer.from(line);
      expect(skippableType(buf, 0, buf.length), line).toBe(expected);
    }
  });
});

describe("buildSession on hand-made edge cases", () => {
  const pricer = createPricer();

  it("keeps the largest copy of a streamed response (placeholder first, final later)", async () => {
    const path = tempFile(
      [
        JSON.stringify({ type: "user", uuid: "u1", parentUuid: null, timestamp: "2025-07-01T10:00:00.000Z", sessionId: "s1", message: { role: "user", content: "go" } }),
        assistant("a1", "u1", 1, null, [{ type: "text", text: "thinking" }]),
        assistant("a2", "a1", 250, "tool_use", [{ type: "tool_use", id: "toolu_1", name: "Task", input: { prompt: "look", description: "explore", subagent_type: "Explore" } }]),
      ].join("\n") + "\n",
    );
    const main: TranscriptLine[] = [];
    readTranscriptLinesSync(path, (l) => main.push(l));
    const s = buildSession({ sessionId: "s1", projectDir: "-tmp-x", main, agents: [] }, pricer);
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]?.usage.output).toBe(250);
    expect(s.requests[0]?.stopReason).toBe("tool_use");
    expect(s.toolCalls.map((c) => [c.name, c.outcome])).toEqual([["Task", "pending"]]);
  });

  it("an unknown model is a warning and an incomplete cost, never a silent $0", async () => {
    const line = JSON.parse(assistant("a1", null, 5, "end_turn", [{ type: "text", text: "hi" }])) as { message: { model: string } };
    line.message.model = "claude-imaginary-9";
    const path = tempFile(JSON.stringify(line) + "\n");
    const main: TranscriptLine[] = [];
    readTranscriptLinesSync(path, (l) => main.push(l));
    const s = buildSession({ sessionId: "s1", projectDir: "-tmp-x", main, agents: [] }, pricer);
    expect(s.cost.complete).toBe(false);
    expect(s.cost.unknownModels).toEqual(["claude-imaginary-9"]);
    expect(s.warnings).toEqual(['no price for model "claude-imaginary-9": session cost is incomplete']);
  });

  it("user price overrides win, and price unknown models", async () => {
    const line = JSON.parse(assistant("a1", null, 1_000_000, "end_turn", [])) as { message: { model: string; usage: Record<string, number> } };
    line.message.model = "claude-imaginary-9";
    line.message.usage = { input_tokens: 1_000_000, output_tokens: 1_000_000, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
    const path = tempFile(JSON.stringify(line) + "\n");
    const main: TranscriptLine[] = [];
    readTranscriptLinesSync(path, (l) => main.push(l));
    const custom = createPricer({ overrides: [{ model: "claude-imaginary-*", input_mtok: 2, output_mtok: 8 }] });
    const s = buildSession({ sessionId: "s1", projectDir: "-tmp-x", main, agents: [] }, custom);
    expect(s.cost.totalUsd).toBe(10);
    expect(s.cost.complete).toBe(true);
  });
});
