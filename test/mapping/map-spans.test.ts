// Reads ../shared/fixtures (Claude Code 2.1.330 sessions); skips with a message when absent.
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { beforeAll, describe, expect, it } from "vitest";
import type { Session } from "../../src/model/types.js";
import { sessionSpanId, spanIdFor, traceIdFor } from "../../src/mapping/ids.js";
import { sessionToSpans } from "../../src/mapping/map-spans.js";
import { byId, loadAllSessions } from "../support/sessions.js";
import { FIXTURES_2_1_330, requireSharedFixtures } from "../support/shared-fixtures.js";
import { exportedSpans, view } from "../support/exported-spans.js";

const haveFixtures = requireSharedFixtures();

describe("ids", () => {
  it("trace id is the first 32 hex of SHA-256('claude-code-otel/trace/' + session id)", () => {
    // Independently: printf 'claude-code-otel/trace/0704d901-19b8-468e-939e-baa3fdaa9e90' | sha256sum
    expect(traceIdFor("0704d901-19b8-468e-939e-baa3fdaa9e90")).toBe("6c7a8b717d8cb889c13cea93054569b2");
    expect(traceIdFor("x")).toMatch(/^[0-9a-f]{32}$/);
    expect(spanIdFor("x", "tool", "t1")).toBe("6e07dc765065245b"); // sha256("claude-code-otel/span/x/tool/t1")
    expect(spanIdFor("x", "tool", "t1")).not.toBe(spanIdFor("x", "chat", "t1"));
    expect(spanIdFor("x", "tool", "t1")).not.toBe(spanIdFor("y", "tool", "t1"));
  });
});

describe.skipIf(!haveFixtures)("sessionToSpans on Claude Code 2.1.330 sessions", () => {
  let sessions: Session[];
  beforeAll(async () => {
    sessions = await loadAllSessions(FIXTURES_2_1_330 as string);
  });

  it("every session: one root, every parent present, unique ids, one trace id, session.id everywhere", async () => {
    for (const s of sessions) {
      const spans = await exportedSpans(s);
      const ids = spans.map((x) => x.spanContext().spanId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(spans.filter((x) => x.parentSpanContext === undefined).map((x) => x.name)).toEqual(["claude_code.session"]);
      for (const x of spans) {
        expect(x.spanContext().traceId).toBe(traceIdFor(s.sessionId));
        if (x.parentSpanContext !== undefined) expect(ids).toContain(x.parentSpanContext.spanId);
        expect(x.attributes["session.id"]).toBe(s.sessionId);
      }
      expect(spans).toHaveLength(1 + s.turns.length + s.requests.length + s.toolCalls.length + s.subagents.length + s.compactions.length);
    }
  });

  it("0704d901: the whole tree, times from the transcript, failed Bash with status and exception event", async () => {
    const s = byId(sessions, "0704d901");
    const spans = await exportedSpans(s);
    const sid = "0704d901-19b8-468e-939e-baa3fdaa9e90";
    const root = `claude_code.session ${sessionSpanId(sid)}`;
    const turn = `invoke_agent claude-code ${spanIdFor(sid, "turn", "5e651524-0c5d-4fb0-a56f-061f87d696fc")}`;
    const chatAttrs = (id: string, req: string, input: number, output: number, read: number, write: number, usd: number, finish: string) => ({
      "session.id": sid,
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "anthropic",
      "gen_ai.system": "anthropic",
      "gen_ai.request.model": "claude-sonnet-4-6",
      "gen_ai.response.model": "claude-sonnet-4-6",
      "gen_ai.response.id": id,
      "claude_code.request.id": req,
      "gen_ai.usage.input_tokens": input + read + write,
      "gen_ai.usage.output_tokens": output,
      "gen_ai.usage.cache_read.input_tokens": read,
      "gen_ai.usage.cache_creation.input_tokens": write,
      "claude_code.cost_usd": usd,
      "gen_ai.response.finish_reasons": [finish],
    });
    const error = "Exit code 2\nls: cannot access '/nonexistent-dir-xyz': No such file or directory";
    expect(spans.map((x) => view(x, spans))).toEqual([
      {
        name: "claude_code.session",
        parent: null,
        kind: SpanKind.INTERNAL,
        start: "2026-11-23T18:52:54.343Z",
        end: "2026-11-23T18:52:54.786Z",
        status: { code: SpanStatusCode.UNSET },
        events: [],
        attributes: {
          "session.id": sid,
          "gen_ai.conversation.id": sid,
          "claude_code.project": "demo-app",
          "claude_code.version": "2.1.330",
          "vcs.ref.head.name": "master",
          "claude_code.cost_usd": s.cost.totalUsd,
          "claude_code.cost.source": "ledger",
          "claude_code.cost.unattributed_usd": 0,
          "claude_code.cost.complete": true,
          // 443+574 uncached + 7793+9724 read + 3211+3948 written
          "gen_ai.usage.input_tokens": 25693,
          "gen_ai.usage.output_tokens": 719,
          "gen_ai.usage.cache_read.input_tokens": 17517,
          "gen_ai.usage.cache_creation.input_tokens": 7159,
          "claude_code.turns": 1,
          "claude_code.requests": 2,
          "claude_code.tool_calls": 2,
          "claude_code.tool_failures": 1,
          "claude_code.compactions": 0,
          "claude_code.subagents": 0,
        },
      },
      {
        name: "invoke_agent claude-code",
        parent: root,
        kind: SpanKind.INTERNAL,
        start: "2026-11-23T18:52:54.343Z",
        end: "2026-11-23T18:52:54.786Z",
        status: { code: SpanStatusCode.UNSET },
        events: [],
        attributes: {
          "session.id": sid,
          "gen_ai.operation.name": "invoke_agent",
          "gen_ai.agent.name": "claude-code",
          "claude_code.turn.index": 0,
          "claude_code.prompt.id": "5e651524-0c5d-4fb0-a56f-061f87d696fc",
        },
      },
      {
        name: "chat claude-sonnet-4-6",
        parent: turn,
        kind: SpanKind.CLIENT,
        // api-request line at .495, last assistant line of the response at .540
        start: "2026-11-23T18:52:54.495Z",
        end: "2026-11-23T18:52:54.540Z",
        status: { code: SpanStatusCode.UNSET },
        events: [],
        attributes: chatAttrs("msg_mwtmiess_3", "req_3_mwtmiess", 443, 311, 7793, 3211, s.requests[0]?.cost.usd ?? NaN, "tool_use"),
      },
      {
        name: "chat claude-sonnet-4-6",
        parent: turn,
        kind: SpanKind.CLIENT,
        start: "2026-11-23T18:52:54.767Z",
        end: "2026-11-23T18:52:54.769Z",
        status: { code: SpanStatusCode.UNSET },
        events: [],
        attributes: chatAttrs("msg_mwtmiezv_4", "req_4_mwtmiezv", 574, 408, 9724, 3948, s.requests[1]?.cost.usd ?? NaN, "end_turn"),
      },
      {
        name: "execute_tool Bash",
        parent: turn,
        kind: SpanKind.INTERNAL,
        start: "2026-11-23T18:52:54.524Z",
        end: "2026-11-23T18:52:54.686Z",
        status: { code: SpanStatusCode.UNSET },
        events: [],
        attributes: {
          "session.id": sid,
          "gen_ai.operation.name": "execute_tool",
          "gen_ai.tool.name": "Bash",
          "gen_ai.tool.call.id": "toolu_Bash_1mwtmiess",
          "claude_code.tool.outcome": "success",
        },
      },
      {
        name: "execute_tool Bash",
        parent: turn,
        kind: SpanKind.INTERNAL,
        start: "2026-11-23T18:52:54.540Z",
        end: "2026-11-23T18:52:54.737Z",
        status: { code: SpanStatusCode.ERROR, message: error },
        events: [{ name: "exception", time: "2026-11-23T18:52:54.737Z", attributes: { "exception.type": "tool_error", "exception.message": error } }],
        attributes: {
          "session.id": sid,
          "gen_ai.operation.name": "execute_tool",
          "gen_ai.tool.name": "Bash",
          "gen_ai.tool.call.id": "toolu_Bash_2mwtmiess",
          "claude_code.tool.outcome": "failure",
          "error.type": "tool_error",
        },
      },
    ]);
    // The two request costs add up to Claude Code's ledger for this session.
    expect((s.requests[0]?.cost.usd ?? 0) + (s.requests[1]?.cost.usd ?? 0)).toBeCloseTo(0.0531621, 9);
  });

  it("02588497: the subagent sits under the Agent call's execute_tool span and holds its own chat and tool spans", async () => {
    const s = byId(sessions, "02588497");
    const sid = s.sessionId;
    const spans = await exportedSpans(s);
    const views = spans.map((x) => view(x, spans));
    const agentToolSpan = `execute_tool Agent ${spanIdFor(sid, "tool", "toolu_Agent_5mwtmifog")}`;
    const subagent = `invoke_agent general-purpose ${spanIdFor(sid, "agent", "a6740b13358acc623")}`;
    const turn0 = `invoke_agent claude-code ${spanIdFor(sid, "turn", "0826cdca-2b7b-4def-bec9-1ce506330efa")}`;
    expect(views.find((v) => v.name === "invoke_agent general-purpose")).toEqual({
      name: "invoke_agent general-purpose",
      parent: agentToolSpan,
      kind: SpanKind.INTERNAL,
      start: "2026-11-23T18:52:55.715Z",
      end: "2026-11-23T18:52:56.240Z",
      status: { code: SpanStatusCode.UNSET },
      events: [],
      attributes: { "session.id": sid, "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "general-purpose", "gen_ai.agent.id": "a6740b13358acc623" },
    });
    expect(views.find((v) => v.name === "execute_tool Agent")?.parent).toBe(turn0);
    const underSub = views
      .filter((v) => v.parent === subagent)
      .map((v) => [v.name, v.attributes["gen_ai.response.id"] ?? v.attributes["gen_ai.tool.call.id"], v.attributes["claude_code.agent.id"]]);
    expect(underSub).toEqual([
      ["chat claude-opus-4-6", "msg_mwtmifw7_9", "a6740b13358acc623"],
      ["chat claude-opus-4-6", "msg_mwtmig4t_10", "a6740b13358acc623"],
      ["execute_tool Bash", "toolu_Bash_8mwtmifw7", "a6740b13358acc623"],
    ]);
    // Main-thread requests stay under their turns, never under the subagent.
    expect(views.filter((v) => v.name.startsWith("chat ") && v.parent !== subagent).map((v) => v.attributes["gen_ai.response.id"])).toEqual([
      "msg_mwtmifog_6",
      "msg_mwtmiftv_7",
      "msg_mwtmigbb_11",
    ]);
  });

  it("d850fcac: compaction span under the turn it happened in, with trigger, tokens and the summarising call's cost", async () => {
    const s = byId(sessions, "d850fcac");
    const sid = s.sessionId;
    const spans = await exportedSpans(s);
    const c = spans.find((x) => x.name === "claude_code.compaction") as ReadableSpan;
    expect(view(c, spans)).toEqual({
      name: "claude_code.compaction",
      parent: `invoke_agent claude-code ${spanIdFor(sid, "turn", "a597f816-edf2-4553-88c4-42a34ef0357b")}`,
      kind: SpanKind.INTERNAL,
      start: "2026-11-23T18:53:00.351Z",
      end: "2026-11-23T18:53:00.487Z",
      status: { code: SpanStatusCode.UNSET },
      events: [],
      attributes: {
        "session.id": sid,
        "claude_code.compaction.trigger": "manual",
        "claude_code.compaction.pre_tokens": 69250,
        "claude_code.compaction.post_tokens": 2651,
        "claude_code.compaction.dropped_tokens": 66599,
        "claude_code.cost_usd": c.attributes["claude_code.cost_usd"],
      },
    });
    expect(c.attributes["claude_code.cost_usd"]).toBeCloseTo(0.07863615, 9);
    const root = spans.find((x) => x.parentSpanContext === undefined) as ReadableSpan;
    expect(root.attributes["claude_code.cost_usd"]).toBeCloseTo(0.66042855, 9);
    expect(root.attributes["claude_code.cost.unattributed_usd"]).toBeCloseTo(0.66042855 - 0.5817924, 7);
    expect(root.attributes["claude_code.compactions"]).toBe(1);
    expect(root.attributes["claude_code.tool_failures"]).toBe(3);
    const failed = spans.filter((x) => x.status.code === SpanStatusCode.ERROR);
    expect(failed.map((x) => [x.status.message, x.events.map((e) => e.name)])).toEqual([
      ["Exit code 1", ["exception"]],
      ["Exit code 1", ["exception"]],
      ["Exit code 2\nls: cannot access '/nonexistent-dir-xyz': No such file or directory", ["exception"]],
    ]);
  });

  it("with content on, each chat span carries the response's text (one part per text block, copies of a streamed line once)", () => {
    const s = byId(sessions, "0704d901");
    expect(s.requests.map((r) => r.textParts)).toEqual([["Running commands."], ["Done."]]);
    const chats = (spans: ReturnType<typeof sessionToSpans>): unknown[] => spans.filter((x) => x.name.startsWith("chat ")).map((x) => x.attributes["gen_ai.output.messages"]);
    expect(chats(sessionToSpans(s, { final: true }))).toEqual([undefined, undefined]);
    expect(chats(sessionToSpans(s, { final: true, captureContent: true })).map((m) => JSON.parse(String(m)))).toEqual([
      [{ role: "assistant", parts: [{ type: "text", content: "Running commands." }], finish_reason: "tool_use" }],
      [{ role: "assistant", parts: [{ type: "text", content: "Done." }], finish_reason: "end_turn" }],
    ]);
  });

  it("content is off by default; when on, the prompt and tool input are exported redacted", () => {
    const s = byId(sessions, "0704d901");
    const off = sessionToSpans(s, { final: true });
    expect(off.some((x) => "gen_ai.input.messages" in x.attributes || "gen_ai.tool.call.arguments" in x.attributes)).toBe(false);
    const on = sessionToSpans(s, { final: true, captureContent: true });
    const turn = on.find((x) => x.name === "invoke_agent claude-code");
    expect(JSON.parse(String(turn?.attributes["gen_ai.input.messages"]))).toEqual([{ role: "user", parts: [{ type: "text", content: s.turns[0]?.promptText }] }]);
    const tool = on.find((x) => x.attributes["gen_ai.tool.call.id"] === "toolu_Bash_2mwtmiess");
    expect(tool?.attributes["claude_code.tool.target"]).toBe("ls /nonexistent-dir-xyz");
  });
});
