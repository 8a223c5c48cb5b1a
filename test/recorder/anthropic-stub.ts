/**
 * A scripted stand-in for the Anthropic Messages API, served on loopback, that the real
 * Claude Code CLI can talk to (`ANTHROPIC_BASE_URL=<stub.url>`).
 *
 * How a response is chosen:
 * - The *scenario* comes from a marker `scenario:<name>` in the latest user prompt of the
 *   conversation (the last `user` message whose text, outside tool results, holds a marker).
 *   A subagent's conversation starts with the prompt the Agent tool was given, so putting a
 *   marker in that prompt (`scenario:sub-explore ...`) routes the subagent's own requests to
 *   their own scenario.
 * - The *step* is the number of `tool_result` user messages after that prompt. A resumed
 *   session (`--resume`) sends the whole history, so the step is still right.
 * - A compaction request (Claude Code asks for a summary of the conversation) is answered by
 *   `options.compact` (default: a short summary), title/topic side requests by
 *   `options.sideRequest`, and anything without a marker the same way.
 * - `POST /v1/messages/count_tokens` answers a deterministic estimate; unknown paths get a
 *   JSON 404 in the API's error shape.
 *
 * Every request is recorded (`stub.requests`) without secrets, for assertions.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A `tool_use` block the scripted model emits. Several in one response = parallel calls. */
export interface ScriptedToolUse {
  name: string;
  input: Record<string, unknown>;
  /** Defaults to `toolu_<name>_<tag>_<response n>_<index among the tool calls>` (unique per stub). */
  id?: string;
}

/** Token figures of one scripted response, in Anthropic's meaning (`input_tokens` = uncached input only). */
export interface ScriptedUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  /** Cache writes with the 5-minute TTL. */
  cache_write_5m?: number;
  /** Cache writes with the 1-hour TTL. */
  cache_write_1h?: number;
}

/** One scripted model response. */
export interface ScriptedResponse {
  /** Leading text block (omit for a response that is only tool calls). */
  text?: string;
  toolUses?: ScriptedToolUse[];
  /** Defaults to `tool_use` when there are tool calls, else `end_turn`. */
  stopReason?: "end_turn" | "tool_use" | "max_tokens" | "stop_sequence";
  /** Model reported in the response; defaults to the requested model. */
  model?: string;
  /** Defaults to a deterministic figure derived from the request size and the step. */
  usage?: ScriptedUsage;
  /**
   * Answer with an API error instead of a message (e.g. 400 `invalid_request_error` "prompt is
   * too long: N tokens > M maximum", which makes Claude Code compact the conversation and retry).
   */
  error?: { status: number; type: string; message: string };
}

/** What kind of request Claude Code sent, as the stub classified it. */
export type RequestKind = "scenario" | "compact" | "side" | "count_tokens" | "unknown";

/** What a scenario (or handler) sees when a request arrives. */
export interface ScenarioContext {
  /** The parsed request body. */
  body: MessagesRequest;
  /** Number of tool_result turns since the prompt that selected the scenario (0 = first call). */
  step: number;
  /** The scenario name from the marker (empty for side and compaction requests). */
  scenario: string;
  /** The text of the prompt that selected the scenario. */
  prompt: string;
  /** The requested model. */
  model: string;
  /** Claude Code's session id (`x-claude-code-session-id` header). */
  sessionId: string | undefined;
  /** The subagent's id (`x-claude-code-agent-id` header) when a subagent sent the request. */
  agentId: string | undefined;
  /** 0-based index of this request among all requests the stub received. */
  requestIndex: number;
}

/** A scenario: request state in, scripted response out. */
export type Scenario = (ctx: ScenarioContext) => ScriptedResponse;

/** Loosely typed Messages API request body (only what the stub reads). */
export interface MessagesRequest {
  model?: string;
  stream?: boolean;
  system?: string | { type: string; text?: string }[];
  messages?: { role: string; content: string | ContentBlock[] }[];
  tools?: { name?: string }[];
  max_tokens?: number;
  [key: string]: unknown;
}

/** A content block of a request message. */
export interface ContentBlock {
  type: string;
  text?: string;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
  [key: string]: unknown;
}

/** One request the stub received. Secret headers are dropped. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  kind: RequestKind;
  model: string | undefined;
  /** Claude Code's session id (`x-claude-code-session-id` header). */
  sessionId: string | undefined;
  /** Set when a subagent sent the request (`x-claude-code-agent-id` header). */
  agentId: string | undefined;
  scenario: string | undefined;
  step: number | undefined;
  stream: boolean;
  body: MessagesRequest | undefined;
  /** Response status sent back. */
  status: number;
  /** `message.id` of the response, when one was sent. */
  messageId?: string;
  /** `request-id` header of the response, when one was sent. */
  requestId?: string;
}

export interface AnthropicStubOptions {
  /** Scenarios by name; a prompt selects one with `scenario:<name>`. */
  scenarios: Record<string, Scenario>;
  /** Answers compaction (summary) requests. Default: a short summary with fixed usage. */
  compact?: Scenario;
  /** Answers requests with no scenario marker (titles, topics, ...). Default: a short text. */
  sideRequest?: Scenario;
  /** Tag woven into message, request and tool ids so that ids differ between recordings. Default: base36 time. */
  idTag?: string;
  /** Port to listen on (127.0.0.1). Default: a free port. */
  port?: number;
  /** Wait this long before answering a scenario's request, as a model takes time to answer. Default 0. */
  responseDelayMs?: number;
}

export interface AnthropicStub {
  /** Base URL for `ANTHROPIC_BASE_URL`, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  /** Closes the server (and any open connections). */
  stop(): Promise<void>;
}

const SECRET_HEADERS = new Set(["x-api-key", "authorization", "cookie", "proxy-authorization"]);
const MARKER = /scenario:([A-Za-z0-9_-]+)/;

/** Starts the stub on 127.0.0.1. */
export async function startAnthropicStub(options: AnthropicStubOptions): Promise<AnthropicStub> {
  const requests: RecordedRequest[] = [];
  const tag = options.idTag ?? Date.now().toString(36);
  let counter = 0;
  const compact = options.compact ?? defaultCompact;
  const side = options.sideRequest ?? defaultSide;

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, apiError("api_error", String(error)));
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? "/", "http://stub");
    const path = url.pathname;
    let body: MessagesRequest | undefined;
    try {
      body = raw.length > 0 ? (JSON.parse(raw) as MessagesRequest) : undefined;
    } catch {
      body = undefined;
    }
    const headers = safeHeaders(req);
    const record: RecordedRequest = {
      method: req.method ?? "GET",
      path,
      headers,
      sessionId: headers["x-claude-code-session-id"],
      agentId: headers["x-claude-code-agent-id"],
      kind: "unknown",
      model: typeof body?.model === "string" ? body.model : undefined,
      scenario: undefined,
      step: undefined,
      stream: body?.stream === true,
      body,
      status: 0,
    };
    requests.push(record);
    const requestIndex = requests.length - 1;

    if (req.method === "POST" && path === "/v1/messages/count_tokens") {
      record.kind = "count_tokens";
      record.status = 200;
      sendJson(res, 200, { input_tokens: estimateTokens(raw) });
      return;
    }
    if (req.method !== "POST" || path !== "/v1/messages" || body === undefined) {
      record.status = 404;
      sendJson(res, 404, apiError("not_found_error", `stub: no route for ${req.method ?? "?"} ${path}`));
      return;
    }

    const model = body.model ?? "claude-sonnet-4-6";
    const selected = selectScenario(body);
    const base = { body, model, requestIndex, sessionId: record.sessionId, agentId: record.agentId };
    let ctx: ScenarioContext;
    let scripted: ScriptedResponse;
    if (isCompactionRequest(body)) {
      record.kind = "compact";
      ctx = { ...base, step: 0, scenario: "", prompt: "" };
      scripted = compact(ctx);
    } else if (selected !== undefined && options.scenarios[selected.name] !== undefined && offersTools(body)) {
      record.kind = "scenario";
      record.scenario = selected.name;
      record.step = selected.step;
      ctx = { ...base, step: selected.step, scenario: selected.name, prompt: selected.prompt };
      scripted = options.scenarios[selected.name]!(ctx);
    } else {
      record.kind = "side";
      ctx = { ...base, step: 0, scenario: "", prompt: selected?.prompt ?? "" };
      scripted = side(ctx);
    }

    if (record.kind === "scenario" && (options.responseDelayMs ?? 0) > 0) await new Promise((r) => setTimeout(r, options.responseDelayMs));
    if (scripted.error !== undefined) {
      record.status = scripted.error.status;
      sendJson(res, scripted.error.status, apiError(scripted.error.type, scripted.error.message), { "request-id": `req_${tag}_error_${requestIndex}` });
      return;
    }
    counter += 1;
    const n = counter;
    const message = buildMessage(scripted, ctx, raw, `msg_${tag}_${n}`, (name, i) => `toolu_${name}_${tag}_${n}_${i}`);
    const requestId = `req_${tag}_${n}`;
    record.messageId = message.id;
    record.requestId = requestId;
    record.status = 200;
    if (body.stream === true) sendStream(res, message, requestId);
    else sendJson(res, 200, message, { "request-id": requestId });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface SelectedScenario {
  name: string;
  step: number;
  prompt: string;
}

/** Finds the latest user prompt with a marker and counts the tool_result turns after it. */
export function selectScenario(body: MessagesRequest): SelectedScenario | undefined {
  const messages = body.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.role !== "user") continue;
    const text = promptText(message.content);
    const match = MARKER.exec(text);
    if (match === null) continue;
    let step = 0;
    for (const later of messages.slice(i + 1)) {
      if (later.role === "user" && hasToolResult(later.content)) step += 1;
    }
    return { name: match[1]!, step, prompt: text };
  }
  return undefined;
}

/** Text of a user message outside tool results (prompts and reminders). */
function promptText(content: string | ContentBlock[]): string {
  if (typeof content === "string") return content;
  return content
    .filter((block) => block.type === "text" && typeof block.text === "string")
    .map((block) => block.text)
    .join("\n");
}

function hasToolResult(content: string | ContentBlock[]): boolean {
  return typeof content !== "string" && content.some((block) => block.type === "tool_result");
}

/**
 * Claude Code's compaction call: the whole conversation, then a last user message asking for a
 * detailed summary of the conversation so far (2.1.330: "Respond with TEXT ONLY ..."; 1.0.x to
 * 2.1.x: "Your task is to create a detailed summary of the conversation so far ...").
 */
export function isCompactionRequest(body: MessagesRequest): boolean {
  const messages = body.messages ?? [];
  // Newer models get a trailing `system`-role reminder after the request (2.1.330 on claude-*-5-5).
  let end = messages.length - 1;
  while (end >= 0 && messages[end]?.role === "system") end--;
  const last = messages[end];
  if (last === undefined || last.role !== "user") return false;
  const text = promptText(last.content).toLowerCase();
  if (/your task is to create a detailed summary of the conversation/.test(text)) return true;
  return /respond with text only/.test(text) && /summary of the conversation|detailed summary|summarize the conversation/.test(text);
}

/**
 * The conversation's own calls offer tools; side calls (titles, topics, the Bash output check
 * of older releases) offer none, though they may quote a prompt with a scenario marker.
 */
function offersTools(body: MessagesRequest): boolean {
  return Array.isArray(body.tools) && body.tools.length > 0;
}

const defaultCompact: Scenario = () => ({
  text:
    "<analysis>\nScripted recording session: the user ran numbered steps, two of them failed.\n</analysis>\n" +
    "<summary>\n1. Primary request: run the steps and report.\n2. Work so far: steps ran; failures were in steps 2 and 5.\n3. Next: continue when asked.\n</summary>",
  usage: { input_tokens: 3_120, output_tokens: 412, cache_read_input_tokens: 0, cache_write_5m: 0, cache_write_1h: 0 },
});

/**
 * Side calls: a session title when asked for one (older releases write it as a `summary`
 * line), else a short JSON-ish text (topic detection).
 */
const defaultSide: Scenario = ({ body }) => {
  const last = body.messages?.[body.messages.length - 1];
  const asked = last === undefined ? "" : promptText(last.content);
  if (/word title/i.test(asked)) return { text: "Scripted project survey", usage: { input_tokens: 180, output_tokens: 6 } };
  return { text: '{"title": "Scripted session", "isNewTopic": false}', usage: { input_tokens: 180, output_tokens: 14 } };
};

interface ApiMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: ({ type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> })[];
  stop_reason: string;
  stop_sequence: null;
  usage: ApiUsage;
}

interface ApiUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  service_tier: "standard";
}

function buildMessage(scripted: ScriptedResponse, ctx: ScenarioContext, raw: string, id: string, toolId: (name: string, index: number) => string): ApiMessage {
  const content: ApiMessage["content"] = [];
  if (scripted.text !== undefined) content.push({ type: "text", text: scripted.text });
  (scripted.toolUses ?? []).forEach((tool, index) => {
    content.push({ type: "tool_use", id: tool.id ?? toolId(tool.name, index), name: tool.name, input: tool.input });
  });
  if (content.length === 0) content.push({ type: "text", text: "" });
  const usage = scripted.usage ?? defaultUsage(raw, ctx.step);
  const w5 = usage.cache_write_5m ?? 0;
  const w1 = usage.cache_write_1h ?? 0;
  return {
    id,
    type: "message",
    role: "assistant",
    model: scripted.model ?? ctx.model,
    content,
    stop_reason: scripted.stopReason ?? ((scripted.toolUses ?? []).length > 0 ? "tool_use" : "end_turn"),
    stop_sequence: null,
    usage: {
      input_tokens: usage.input_tokens,
      output_tokens: usage.output_tokens,
      cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
      cache_creation_input_tokens: w5 + w1,
      cache_creation: { ephemeral_5m_input_tokens: w5, ephemeral_1h_input_tokens: w1 },
      service_tier: "standard",
    },
  };
}

/** Deterministic usage for responses that script none: grows with the request and the step. */
function defaultUsage(raw: string, step: number): ScriptedUsage {
  const total = estimateTokens(raw);
  const read = step === 0 ? 0 : Math.floor(total * 0.8);
  const write = step === 0 ? Math.floor(total * 0.9) : Math.floor(total * 0.15);
  return {
    input_tokens: Math.max(1, total - read - write),
    output_tokens: 40 + 25 * step,
    cache_read_input_tokens: read,
    cache_write_5m: write,
  };
}

/** About four bytes per token, like the usual rule of thumb. */
function estimateTokens(raw: string): number {
  return Math.max(1, Math.ceil(Buffer.byteLength(raw) / 4));
}

function sendStream(res: ServerResponse, message: ApiMessage, requestId: string): void {
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "request-id": requestId,
  });
  const event = (name: string, data: unknown): void => {
    res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  // message_start carries the input side of usage; message_delta the final figures, as the API does.
  event("message_start", {
    type: "message_start",
    message: { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } },
  });
  message.content.forEach((block, index) => {
    if (block.type === "text") {
      event("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } });
      for (const piece of chunk(block.text, 24)) {
        event("content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: piece } });
      }
    } else {
      event("content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: block.id, name: block.name, input: {} },
      });
      for (const piece of chunk(JSON.stringify(block.input), 32)) {
        event("content_block_delta", {
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: piece },
        });
      }
    }
    event("content_block_stop", { type: "content_block_stop", index });
  });
  event("message_delta", {
    type: "message_delta",
    delta: { stop_reason: message.stop_reason, stop_sequence: null },
    usage: message.usage,
  });
  event("message_stop", { type: "message_stop" });
  res.end();
}

function chunk(text: string, size: number): string[] {
  if (text.length === 0) return [""];
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

function sendJson(res: ServerResponse, status: number, data: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(data));
}

function apiError(type: string, message: string): unknown {
  return { type: "error", error: { type, message } };
}

function safeHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (SECRET_HEADERS.has(name) || value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (data: Buffer) => chunks.push(data));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
