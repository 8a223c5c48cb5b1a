/**
 * The stub and the sanitizer on their own (no CLI needed): routing by marker and step, the SSE
 * stream, side endpoints, and what sanitizing keeps and removes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isCompactionRequest, selectScenario, startAnthropicStub, type AnthropicStub, type MessagesRequest } from "./anthropic-stub.js";
import { projectDirName, sanitizeJsonl, sanitizeValue } from "./sanitize.js";

const toolTurn = (id: string): MessagesRequest["messages"] => [
  { role: "assistant", content: [{ type: "tool_use", id, name: "Bash", input: {} }] },
  { role: "user", content: [{ type: "tool_result", tool_use_id: id, content: "scenario:not-this-one", is_error: false }] },
];

describe("selectScenario", () => {
  it("takes the latest prompt with a marker and counts tool_result turns after it", () => {
    const body: MessagesRequest = {
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "<system-reminder>x</system-reminder>" },
            { type: "text", text: "scenario:long go" },
          ],
        },
        ...toolTurn("a")!,
        { role: "assistant", content: [{ type: "text", text: "done" }] },
        { role: "user", content: "scenario:big resumed" },
        ...toolTurn("b")!,
        ...toolTurn("c")!,
      ],
    };
    expect(selectScenario(body)).toEqual({ name: "big", step: 2, prompt: "scenario:big resumed" });
  });

  it("returns undefined without a marker", () => {
    expect(selectScenario({ messages: [{ role: "user", content: "hello" }] })).toBeUndefined();
  });

  it("recognises Claude Code's compaction request, 2.1.330's and the older one", () => {
    const text = "CRITICAL: Respond with TEXT ONLY. Do NOT call any tools.\n\nYour task is to create a detailed summary of the conversation so far";
    expect(isCompactionRequest({ messages: [{ role: "user", content: [{ type: "text", text }] }] })).toBe(true);
    const older = "Your task is to create a detailed summary of the conversation so far, paying close attention to the user's explicit requests";
    expect(isCompactionRequest({ messages: [{ role: "user", content: [{ type: "text", text: older }] }] })).toBe(true);
    expect(isCompactionRequest({ messages: [{ role: "user", content: "Please write a 5-10 word title for the following conversation" }] })).toBe(false);
    expect(isCompactionRequest({ messages: [{ role: "user", content: "scenario:x summary please" }] })).toBe(false);
  });
});

/** The conversation's own requests offer tools; side calls do not. */
const TOOLS = [{ name: "Bash" }, { name: "Read" }];

describe("startAnthropicStub", () => {
  let stub: AnthropicStub;
  beforeAll(async () => {
    stub = await startAnthropicStub({
      idTag: "t",
      scenarios: {
        pair: ({ step }) =>
          step === 0
            ? {
                text: "two calls",
                toolUses: [
                  { name: "Bash", input: { command: "echo 1" } },
                  { name: "Read", input: { file_path: "/x" } },
                ],
                usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 7, cache_write_5m: 3, cache_write_1h: 4 },
              }
            : { text: "end" },
        refuse: () => ({ error: { status: 400, type: "invalid_request_error", message: "prompt is too long: 201384 tokens > 200000 maximum" } }),
      },
    });
  });
  afterAll(async () => stub.stop());

  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${stub.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "secret", "x-claude-code-session-id": "s-1" },
      body: JSON.stringify(body),
    });

  it("streams a scripted response with parallel tool_use blocks and full usage", async () => {
    const response = await post("/v1/messages", { model: "claude-opus-4-6", stream: true, tools: TOOLS, messages: [{ role: "user", content: "scenario:pair" }] });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(response.headers.get("request-id")).toBe("req_t_1");
    const events = (await response.text())
      .split("\n\n")
      .filter((chunk) => chunk.length > 0)
      .map((chunk) => JSON.parse(chunk.split("\n")[1]!.slice("data: ".length)) as Record<string, unknown> & { type: string });
    expect(events.map((event) => event.type)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events[0]).toMatchObject({ message: { id: "msg_t_1", model: "claude-opus-4-6" } });
    expect(events[4]).toMatchObject({ content_block: { type: "tool_use", id: "toolu_Bash_t_1_0", name: "Bash" } });
    expect(events[5]).toMatchObject({ delta: { type: "input_json_delta", partial_json: '{"command":"echo 1"}' } });
    expect(events[10]).toEqual({
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: {
        input_tokens: 10,
        output_tokens: 5,
        cache_read_input_tokens: 7,
        cache_creation_input_tokens: 7,
        cache_creation: { ephemeral_5m_input_tokens: 3, ephemeral_1h_input_tokens: 4 },
        service_tier: "standard",
      },
    });
  });

  it("answers non-streaming requests, token counting and unknown paths", async () => {
    const side = await post("/v1/messages", { model: "claude-haiku-4-5", messages: [{ role: "user", content: "title?" }] });
    expect(await side.json()).toMatchObject({ type: "message", role: "assistant", stop_reason: "end_turn" });
    // A title request quotes the prompt, marker included, but offers no tools: a side call, answered with a title.
    const title = await post("/v1/messages", {
      model: "claude-haiku-4-5",
      messages: [{ role: "user", content: "Please write a 5-10 word title for the following conversation:\n\nUser: scenario:pair go" }],
    });
    expect(await title.json()).toMatchObject({ content: [{ type: "text", text: "Scripted project survey" }], usage: { input_tokens: 180, output_tokens: 6 } });
    const count = await post("/v1/messages/count_tokens", { messages: [{ role: "user", content: "abcd".repeat(10) }] });
    expect(await count.json()).toMatchObject({ input_tokens: expect.any(Number) as number });
    const missing = await post("/v1/unknown", {});
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
  });

  it("answers a scripted API error with the API's error body, counting no response", async () => {
    const refused = await post("/v1/messages", { model: "claude-sonnet-4-5", stream: true, tools: TOOLS, messages: [{ role: "user", content: "scenario:refuse" }] });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("request-id")).toBe("req_t_error_5");
    expect(await refused.json()).toEqual({ type: "error", error: { type: "invalid_request_error", message: "prompt is too long: 201384 tokens > 200000 maximum" } });
  });

  it("records requests without secrets", () => {
    expect(stub.requests.map((request) => [request.path, request.kind, request.status])).toEqual([
      ["/v1/messages", "scenario", 200],
      ["/v1/messages", "side", 200],
      ["/v1/messages", "side", 200],
      ["/v1/messages/count_tokens", "count_tokens", 200],
      ["/v1/unknown", "unknown", 404],
      ["/v1/messages", "scenario", 400],
    ]);
    expect(stub.requests[0]).toMatchObject({ scenario: "pair", step: 0, sessionId: "s-1", messageId: "msg_t_1" });
    expect(stub.requests.every((request) => !("x-api-key" in request.headers))).toBe(true);
  });
});

describe("sanitize", () => {
  const replacements: [string, string][] = [
    [projectDirName("/tmp/r1/home/work/app"), projectDirName("/home/user/work/app")],
    ["/tmp/r1/home/work/app", "/home/user/work/app"],
    ["/tmp/r1/home", "/home/user"],
  ];

  it("rewrites paths and fills long strings with x of the same length", () => {
    const long = "You are Claude. ".repeat(30);
    const out = sanitizeValue({ cwd: "/tmp/r1/home/work/app", path: "/tmp/r1/home/.claude/projects/-tmp-r1-home-work-app/s.jsonl", system: [long], n: 3 }, replacements);
    expect(out).toEqual({
      cwd: "/home/user/work/app",
      path: "/home/user/.claude/projects/-home-user-work-app/s.jsonl",
      system: ["x".repeat(long.length)],
      n: 3,
    });
  });

  it("keeps every line of a JSONL file, wrapping lines that are not JSON", () => {
    expect(sanitizeJsonl('{"a":"/tmp/r1/home"}\nnot json\n\n', replacements)).toBe('{"a":"/home/user"}\n{"unparsedLine":"not json"}\n');
  });
});
