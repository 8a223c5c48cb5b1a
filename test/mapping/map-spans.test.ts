// Reads the recorded Claude Code 2.1.330 sessions (test/fixtures).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { beforeAll, describe, expect, it } from "vitest";
import type { Session } from "../../src/model/types.js";
import { sessionSpanId, spanIdFor, traceIdFor } from "../../src/mapping/ids.js";
import { sessionToSpans } from "../../src/mapping/map-spans.js";
import { byId, loadAllSessions } from "../support/sessions.js";
import { CC_2_1_330, lastLedger, ledgers } from "../support/recorded-fixtures.js";
import { transcriptTimes } from "../support/transcript-times.js";
import { exportedSpans, view, type SpanView } from "../support/exported-spans.js";

/** Bytes of every tool result of `user` lines before a line of a transcript, from its raw lines. */
function resultBytesBefore(transcript: string, uuid: string): number {
  let bytes = 0;
  for (const line of readFileSync(transcript, "utf8").split("\n")) {
    if (line.includes(`"uuid":"${uuid}"`)) return bytes;
    if (!line.includes('"tool_result"')) continue;
    const parsed = JSON.parse(line) as { type: string; message: { content: { type: string; content?: unknown }[] } };
    if (parsed.type !== "user") continue;
    for (const b of parsed.message.content) if (b.type === "tool_result" && typeof b.content === "string") bytes += Buffer.byteLength(b.content);
  }
  throw new Error(`no line ${uuid}`);
}

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

/** claude-sonnet-4-6 list prices (USD per million tokens) for scripted usage [in, out, read, 5m, 1h]. */
const sonnet46 = (u: number[]): number => ((u[0] ?? 0) * 3 + (u[1] ?? 0) * 15 + (u[2] ?? 0) * 0.3 + (u[3] ?? 0) * 3.75 + (u[4] ?? 0) * 6) / 1e6;

describe("sessionToSpans on the recorded Claude Code 2.1.330 sessions", () => {
  let sessions: Session[];
  beforeAll(async () => {
    sessions = await loadAllSessions(CC_2_1_330.projects);
  });

  it("every session: one root, every parent present, unique ids, one trace id, session.id everywhere", async () => {
    expect(sessions).toHaveLength(6);
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
      expect(spans).toHaveLength(1 + s.turns.length + s.requests.length + s.toolCalls.length + s.subagents.length + s.compactions.length + s.ledger.length);
    }
  });

  it("parallel-fail: the whole tree, times from the transcript lines, the failed Bash with status and exception event", async () => {
    const sid = CC_2_1_330.sessionId("parallel-fail");
    const s = byId(sessions, sid);
    const spans = await exportedSpans(s);
    const at = transcriptTimes(CC_2_1_330.transcript("parallel-fail"));
    // The prompt line: the first user line (the queue-operation lines before it carry no conversation).
    const prompt = readFileSync(CC_2_1_330.transcript("parallel-fail"), "utf8")
      .split("\n")
      .map((l) => (l === "" ? {} : (JSON.parse(l) as { type?: string; promptId?: string; timestamp?: string })))
      .find((l) => l.type === "user") as { promptId: string; timestamp: string };
    const promptId = prompt.promptId;
    const root = `claude_code.session ${sessionSpanId(sid)}`;
    const turn = `invoke_agent claude-code ${spanIdFor(sid, "turn", promptId)}`;
    // Scripted usage (scenarios.ts): [uncached input, output, cache read, 5m write, 1h write].
    const usage = [
      [1_204, 318, 0, 2_210, 18_452],
      [1_580, 96, 20_662, 1_930, 0],
    ];
    const chat = (n: 1 | 2, finish: string): SpanView => {
      const u = usage[n - 1] as number[];
      const id = `msg_v2_1_330_${n}`;
      return {
        name: "chat claude-sonnet-4-6",
        parent: turn,
        kind: SpanKind.CLIENT,
        start: at.requestSent(id),
        end: at.responseEnd(id),
        status: { code: SpanStatusCode.UNSET },
        events: [],
        attributes: {
          "session.id": sid,
          "gen_ai.operation.name": "chat",
          "gen_ai.provider.name": "anthropic",
          "gen_ai.system": "anthropic",
          "gen_ai.request.model": "claude-sonnet-4-6",
          "gen_ai.response.model": "claude-sonnet-4-6",
          "gen_ai.response.id": id,
          "claude_code.request.id": `req_v2_1_330_${n}`,
          "gen_ai.usage.input_tokens": (u[0] ?? 0) + (u[2] ?? 0) + (u[3] ?? 0) + (u[4] ?? 0),
          "gen_ai.usage.output_tokens": u[1],
          "gen_ai.usage.cache_read.input_tokens": u[2],
          "gen_ai.usage.cache_write.input_tokens": (u[3] ?? 0) + (u[4] ?? 0),
          "claude_code.cost_usd": expect.closeTo(sonnet46(u), 12) as number,
          "claude_code.cost.source": "ledger",
          "gen_ai.response.finish_reasons": [finish],
        },
      };
    };
    // What each call cost (model/tool-costs.ts; the spans leave with the session over): a third of
    // the first response's 318 output tokens, and its result's tokens (bytes / 4, rounded up) at
    // the second request's new-token rate (1,580 uncached + 1,930 written at $3 and $3.75). No
    // request carried them later.
    const newRate = (1_580 * 3 + 1_930 * 3.75) / 1e6 / (1_580 + 1_930);
    const toolCost = (id: string): number => (318 * 15) / 1e6 / 3 + Math.ceil((s.toolCalls.find((c) => c.id === id)?.resultBytes ?? NaN) / 4) * newRate;
    const tool = (id: string, name: string, error?: string): SpanView => ({
      name: `execute_tool ${name}`,
      parent: turn,
      kind: SpanKind.INTERNAL,
      start: at.toolUse(id),
      end: at.toolResult(id),
      status: error === undefined ? { code: SpanStatusCode.UNSET } : { code: SpanStatusCode.ERROR, message: error },
      events: error === undefined ? [] : [{ name: "exception", time: at.toolResult(id), attributes: { "exception.type": "tool_error", "exception.message": error } }],
      attributes: {
        "session.id": sid,
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": name,
        "gen_ai.tool.call.id": id,
        "claude_code.tool.outcome": error === undefined ? "success" : "failure",
        "claude_code.tool.cost_usd": expect.closeTo(toolCost(id), 12) as number,
        ...(error === undefined ? {} : { "error.type": "tool_error" }),
      },
    });
    const ledger = lastLedger(CC_2_1_330.transcript("parallel-fail")).totalCostUSD;
    expect(spans.map((x) => view(x, spans))).toEqual([
      {
        name: "claude_code.session",
        parent: null,
        kind: SpanKind.INTERNAL,
        // From the prompt line to the last line (the stop-hook summary).
        start: prompt.timestamp,
        end: at.last,
        status: { code: SpanStatusCode.UNSET },
        events: [],
        attributes: {
          "session.id": sid,
          "gen_ai.conversation.id": sid,
          "claude_code.project": "shop-api",
          "claude_code.version": "2.1.330",
          "vcs.ref.head.name": "main",
          "claude_code.cost_usd": ledger,
          "claude_code.cost.source": "ledger",
          "claude_code.cost.unattributed_usd": 0,
          "claude_code.cost.complete": true,
          // (1,204 + 20,662) + (1,580 + 20,662 + 1,930)
          "gen_ai.usage.input_tokens": 46_038,
          "gen_ai.usage.output_tokens": 414,
          "gen_ai.usage.cache_read.input_tokens": 20_662,
          "gen_ai.usage.cache_write.input_tokens": 22_592,
          "claude_code.turns": 1,
          "claude_code.requests": 2,
          "claude_code.tool_calls": 3,
          "claude_code.tool_failures": 1,
          "claude_code.compactions": 0,
          "claude_code.subagents": 0,
        },
      },
      {
        name: "invoke_agent claude-code",
        parent: root,
        kind: SpanKind.INTERNAL,
        start: prompt.timestamp,
        end: at.last,
        status: { code: SpanStatusCode.UNSET },
        events: [],
        attributes: {
          "session.id": sid,
          "gen_ai.operation.name": "invoke_agent",
          "gen_ai.agent.name": "claude-code",
          "claude_code.turn.index": 0,
          // -p: the prompt line's turnOrigin is sdk, a person's prompt.
          "claude_code.turn.origin": "user",
          "claude_code.prompt.id": promptId,
        },
      },
      chat(1, "tool_use"),
      chat(2, "end_turn"),
      tool("toolu_Bash_v2_1_330_1_0", "Bash"),
      tool("toolu_Bash_v2_1_330_1_1", "Bash", "Exit code 2\nls: cannot access '/nonexistent': No such file or directory"),
      tool("toolu_Read_v2_1_330_1_2", "Read"),
      {
        // Claude Code's ledger line, written as the process exited, over the stretch it accounts
        // for (the whole session here): nothing to add to the chat spans.
        name: "claude_code.ledger",
        parent: root,
        kind: SpanKind.INTERNAL,
        start: prompt.timestamp,
        end: at.last,
        status: { code: SpanStatusCode.UNSET },
        events: [],
        attributes: { "session.id": sid, "claude_code.ledger.index": 0, "claude_code.ledger.total_usd": ledger, "claude_code.cost_usd": 0, "claude_code.cost.source": "ledger" },
      },
    ]);
    // The two request costs add up to Claude Code's ledger for this session.
    expect(sonnet46(usage[0] as number[]) + sonnet46(usage[1] as number[])).toBeCloseTo(ledger, 12);
  });

  it("agent: the subagent sits under the Agent call's execute_tool span and holds its own chat and tool spans", async () => {
    const sid = CC_2_1_330.sessionId("agent");
    const s = byId(sessions, sid);
    const agentId = s.subagents[0]?.agentId as string;
    const sub = transcriptTimes(join(CC_2_1_330.project, sid, "subagents", `agent-${agentId}.jsonl`));
    const spans = await exportedSpans(s);
    const views = spans.map((x) => view(x, spans));
    const agentToolSpan = `execute_tool Agent ${spanIdFor(sid, "tool", "toolu_Agent_v2_1_330_7_0")}`;
    const subagent = `invoke_agent general-purpose ${spanIdFor(sid, "agent", agentId)}`;
    const turn0 = `invoke_agent claude-code ${spanIdFor(sid, "turn", s.turns[0]?.promptId as string)}`;
    expect(views.find((v) => v.name === "invoke_agent general-purpose")).toEqual({
      name: "invoke_agent general-purpose",
      parent: agentToolSpan,
      kind: SpanKind.INTERNAL,
      start: sub.first,
      end: sub.last,
      status: { code: SpanStatusCode.UNSET },
      events: [],
      // An invoke_agent INTERNAL span (GenAI conventions v0.1.0): no gen_ai.agent.id, no provider, no cache usage.
      attributes: { "session.id": sid, "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "general-purpose", "claude_code.agent.id": agentId },
    });
    expect(views.find((v) => v.name === "execute_tool Agent")?.parent).toBe(turn0);
    const underSub = views
      .filter((v) => v.parent === subagent)
      .map((v) => [v.name, v.attributes["gen_ai.response.id"] ?? v.attributes["gen_ai.tool.call.id"], v.attributes["claude_code.agent.id"]]);
    expect(underSub).toEqual([
      ["chat claude-haiku-4-5", "msg_v2_1_330_8", agentId],
      ["chat claude-haiku-4-5", "msg_v2_1_330_9", agentId],
      ["execute_tool Bash", "toolu_Bash_v2_1_330_8_0", agentId],
    ]);
    // Main-thread requests stay under their turns, never under the subagent.
    expect(views.filter((v) => v.name.startsWith("chat ") && v.parent !== subagent).map((v) => v.attributes["gen_ai.response.id"])).toEqual(["msg_v2_1_330_7", "msg_v2_1_330_10"]);
  });

  it("long: compaction span under the turn it happened in, with trigger, tokens and the summarising call's cost", async () => {
    const sid = CC_2_1_330.sessionId("long");
    const s = byId(sessions, sid);
    const spans = await exportedSpans(s);
    const boundary = JSON.parse(
      readFileSync(CC_2_1_330.transcript("long"), "utf8")
        .split("\n")
        .find((l) => l.includes('"subtype":"compact_boundary"')) ?? "{}",
    ) as { uuid: string; timestamp: string; compactMetadata: { durationMs: number } };
    expect(resultBytesBefore(CC_2_1_330.transcript("long"), boundary.uuid)).toBe(186);
    const totals = ledgers(CC_2_1_330.transcript("long")).map((l) => l.totalCostUSD);
    const c = spans.find((x) => x.name === "claude_code.compaction") as ReadableSpan;
    expect(view(c, spans)).toEqual({
      name: "claude_code.compaction",
      // /compact ran after the `big` turn (the second prompt).
      parent: `invoke_agent claude-code ${spanIdFor(sid, "turn", s.turns[1]?.promptId as string)}`,
      kind: SpanKind.INTERNAL,
      start: new Date(Date.parse(boundary.timestamp) - boundary.compactMetadata.durationMs).toISOString(),
      end: boundary.timestamp,
      status: { code: SpanStatusCode.UNSET },
      events: [],
      attributes: {
        "session.id": sid,
        "claude_code.compaction.trigger": "manual",
        "claude_code.compaction.pre_tokens": 212_932,
        "claude_code.compaction.post_tokens": 2_717,
        "claude_code.compaction.dropped_tokens": 210_215,
        "claude_code.cost_usd": expect.closeTo((totals[2] ?? 0) - (totals[1] ?? 0), 12) as number,
        "claude_code.cost.source": "ledger",
        // The first request after it wrote its 6,020-token context again (scenarios.ts after-compact, $3.75/M).
        "claude_code.compaction.cache_rebuild_usd": (6_020 * 3.75) / 1e6,
        // The seven Bash results before it (six steps, the wc of `big`); no file was read.
        "claude_code.compaction.tool_outputs": 7,
        "claude_code.compaction.tool_output_bytes": resultBytesBefore(CC_2_1_330.transcript("long"), boundary.uuid),
        "claude_code.compaction.files": 0,
        "claude_code.compaction.files_restored": 0,
        "claude_code.compaction.files_lost": 0,
        "claude_code.compaction.rereads": 0,
        "claude_code.compaction.reread_cost_usd": 0,
        "claude_code.compaction.reread_duration_ms": 0,
        "claude_code.compaction.kept_lines": 3,
        "claude_code.compaction.summary_bytes": 1_145,
      },
    });
    expect(s.turns[1]?.promptText).toBe("scenario:big read the large generated file");
    // The first request after it wrote the new context to the cache: 6,020 5-minute writes at
    // $3.75/Mtok, on that request's span (it exists only once the request does) and on the compaction's.
    const rebuilt = spans.filter((x) => x.attributes["claude_code.compaction.cache_rebuild_usd"] !== undefined);
    expect(rebuilt.map((x) => [x.name, x.attributes["gen_ai.response.id"]])).toEqual([
      ["chat claude-sonnet-4-5", s.requests.find((r) => r.startTime >= Date.parse(boundary.timestamp))?.messageId],
      ["claude_code.compaction", undefined],
    ]);
    expect(rebuilt[0]?.attributes["claude_code.compaction.cache_rebuild_usd"]).toBeCloseTo((6_020 * 3.75) / 1e6, 12);
    const root = spans.find((x) => x.parentSpanContext === undefined) as ReadableSpan;
    expect(root.attributes["claude_code.cost_usd"]).toBe(0.9802035);
    // The ledger is below the tier-priced requests (fixture-sessions.test.ts derives both): the chat
    // spans carry their share of it, so what no request explains is the compaction call alone.
    expect(root.attributes["claude_code.cost.unattributed_usd"]).toBeCloseTo(0.01554, 12);
    const chats = spans.filter((x) => x.name.startsWith("chat ")).reduce((a, x) => a + (x.attributes["claude_code.cost_usd"] as number), 0);
    expect(chats + 0.01554).toBeCloseTo(0.9802035, 12);
    expect(root.attributes["claude_code.compactions"]).toBe(1);
    expect(root.attributes["claude_code.tool_failures"]).toBe(2);
    const failed = spans.filter((x) => x.status.code === SpanStatusCode.ERROR);
    expect(failed.map((x) => [x.status.message, x.events.map((e) => e.name)])).toEqual([
      ["Exit code 2\nls: cannot access '/nonexistent/step2': No such file or directory", ["exception"]],
      ["Exit code 2\nls: cannot access '/nonexistent/step5': No such file or directory", ["exception"]],
    ]);
  });

  it("with content on, each chat span carries the response's text (one part per text block, copies of a streamed line once)", () => {
    const s = byId(sessions, CC_2_1_330.sessionId("parallel-fail"));
    // The texts scenarios.ts scripts for parallel-fail.
    const first = "I'll look at the project and the missing directory at the same time.";
    const second = "The project has a README; `/nonexistent` does not exist (ls exited with code 2).";
    expect(s.requests.map((r) => r.textParts)).toEqual([[first], [second]]);
    const chats = (spans: ReturnType<typeof sessionToSpans>): unknown[] => spans.filter((x) => x.name.startsWith("chat ")).map((x) => x.attributes["gen_ai.output.messages"]);
    expect(chats(sessionToSpans(s, { final: true }))).toEqual([undefined, undefined]);
    expect(chats(sessionToSpans(s, { final: true, captureContent: true })).map((m) => JSON.parse(String(m)))).toEqual([
      [{ role: "assistant", parts: [{ type: "text", content: first }] }],
      [{ role: "assistant", parts: [{ type: "text", content: second }] }],
    ]);
  });

  it("invoke_agent spans (turns, subagents) carry no provider name, no cache usage and no gen_ai.agent.id, in every session", () => {
    const invokes = sessions.flatMap((s) => sessionToSpans(s, { final: true, destinations: false })).filter((x) => x.attributes["gen_ai.operation.name"] === "invoke_agent");
    expect(invokes.filter((x) => x.name === "invoke_agent claude-code").length).toBeGreaterThan(5);
    expect(invokes.filter((x) => x.name !== "invoke_agent claude-code").length).toBeGreaterThan(0);
    const forbidden = [
      "gen_ai.provider.name",
      "gen_ai.system",
      "gen_ai.agent.id",
      "gen_ai.usage.cache_read.input_tokens",
      "gen_ai.usage.cache_write.input_tokens",
      "gen_ai.usage.cache_creation.input_tokens",
    ];
    expect(invokes.flatMap((x) => Object.keys(x.attributes).filter((k) => forbidden.includes(k)))).toEqual([]);
  });

  it("OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental/dup adds the v1.41.0 names beside the current ones, and nothing else", () => {
    for (const s of sessions) {
      const current = sessionToSpans(s, { final: true, captureContent: true, destinations: false });
      const legacy = sessionToSpans(s, { final: true, captureContent: true, destinations: false, legacyGenAiNames: true });
      expect(legacy.map((x) => x.spanId)).toEqual(current.map((x) => x.spanId));
      legacy.forEach((x, i) => {
        const now = current[i]?.attributes ?? {};
        const added = Object.fromEntries(Object.entries(x.attributes).filter(([k]) => !(k in now)));
        const expected: Record<string, unknown> = {};
        if ("gen_ai.usage.cache_write.input_tokens" in now) expected["gen_ai.usage.cache_creation.input_tokens"] = now["gen_ai.usage.cache_write.input_tokens"];
        if (x.name.startsWith("invoke_agent ") && "claude_code.agent.id" in now) expected["gen_ai.agent.id"] = now["claude_code.agent.id"];
        expect(added, x.name).toEqual(expected);
        // The output messages keep v1.41.0's finish_reason; everything else is equal.
        const messages = now["gen_ai.output.messages"];
        const changed = Object.keys(now).filter((k) => JSON.stringify(now[k]) !== JSON.stringify(x.attributes[k]));
        expect(changed).toEqual(messages === undefined ? [] : ["gen_ai.output.messages"]);
        if (messages !== undefined) {
          const [old] = JSON.parse(String(x.attributes["gen_ai.output.messages"])) as Array<Record<string, unknown>>;
          expect(old?.["finish_reason"]).toBe((now["gen_ai.response.finish_reasons"] as string[])[0]);
        }
      });
    }
  });

  it("content is off by default; when on, the prompt and tool input are exported redacted", () => {
    const s = byId(sessions, CC_2_1_330.sessionId("parallel-fail"));
    const off = sessionToSpans(s, { final: true });
    expect(off.some((x) => "gen_ai.input.messages" in x.attributes || "gen_ai.tool.call.arguments" in x.attributes)).toBe(false);
    const on = sessionToSpans(s, { final: true, captureContent: true });
    const turn = on.find((x) => x.name === "invoke_agent claude-code");
    expect(JSON.parse(String(turn?.attributes["gen_ai.input.messages"]))).toEqual([
      { role: "user", parts: [{ type: "text", content: "scenario:parallel-fail check the project and the missing directory" }] },
    ]);
    const tool = on.find((x) => x.attributes["gen_ai.tool.call.id"] === "toolu_Bash_v2_1_330_1_1");
    expect(tool?.attributes["claude_code.tool.target"]).toBe("ls /nonexistent");
  });
});
