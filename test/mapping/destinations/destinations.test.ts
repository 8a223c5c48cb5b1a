// Reads the recorded fixtures (test/fixtures: Claude Code 2.1.330 sessions).
// Exact Langfuse and LangSmith attribute maps per span kind, each tied to the product's
// documented ingestion rule (sources in src/mapping/destinations/*.ts and test/support/destination-readers.ts).
import { beforeAll, describe, expect, it } from "vitest";
import type { Session } from "../../../src/model/types.js";
import { destinationAttributes, destinationContext, destinationOptionsFromResource } from "../../../src/mapping/destinations/index.js";
import { langfuseAttributes } from "../../../src/mapping/destinations/langfuse.js";
import { langsmithAttributes } from "../../../src/mapping/destinations/langsmith.js";
import { sessionToSpans } from "../../../src/mapping/map-spans.js";
import { packageVersion } from "../../../src/sdk/resource.js";
import type { SpanData } from "../../../src/mapping/span-data.js";
import { langfuseObservation, langsmithRun } from "../../support/destination-readers.js";
import { byId, loadAllSessions } from "../../support/sessions.js";
import { CC_2_1_330, RECORDED_CWD, ledgers } from "../../support/recorded-fixtures.js";
import { reportTotals } from "../../support/exported-spans.js";
import { readFileSync } from "node:fs";

/** Claude Code's prompt id, from the transcript's first user line. */
function promptIdOf(transcript: string): string {
  const line = readFileSync(transcript, "utf8")
    .split("\n")
    .find((l) => l.includes('"type":"user"'));
  return (JSON.parse(line ?? "{}") as { promptId: string }).promptId;
}

const core = (s: Session): SpanData[] => sessionToSpans(s, { final: true, destinations: false });
const one = (spans: SpanData[], pred: (x: SpanData) => boolean): SpanData => {
  const found = spans.find(pred);
  if (found === undefined) throw new Error("span not found");
  return found;
};

describe("destination attributes on the recorded Claude Code 2.1.330 sessions", () => {
  let sessions: Session[];
  beforeAll(async () => {
    sessions = await loadAllSessions(CC_2_1_330.projects);
  });

  // Trace-level keys on EVERY span: Langfuse filters and aggregates per observation
  // ("Propagating Trace Attributes to All Spans"); release and tags are trace-level fields.
  const langfuseCommon = (sid: string) => ({
    "langfuse.session.id": sid,
    "langfuse.trace.tags": ["claude-code", "shop-api"],
    "langfuse.release": "2.1.330",
  });
  // coding-agent-v1 identity block, required on every run; thread_id on every run or child
  // runs drop out of thread totals (LangSmith threads / cost-tracking docs).
  const langsmithCommon = (sid: string, agentType: string, kind: string) => ({
    "langsmith.span.kind": kind,
    "langsmith.span.tags": "claude-code,shop-api",
    "langsmith.metadata.thread_id": sid,
    "langsmith.metadata.ls_agent_type": agentType,
    "langsmith.metadata.ls_agent_purpose": "coding",
    "langsmith.metadata.ls_integration": "claude-code-otel",
    "langsmith.metadata.ls_integration_version": packageVersion(),
    "langsmith.metadata.ls_agent_runtime": "Claude Code",
    "langsmith.metadata.ls_agent_version": "2.1.330",
    "langsmith.metadata.ls_trace_schema_version": "coding-agent-v1",
    "langsmith.metadata.project": "shop-api",
    "langsmith.metadata.git_branch": "main",
    "langsmith.metadata.working_directory": RECORDED_CWD,
  });

  it("parallel-fail: session, turn, chat and a failed tool, exact maps for both products", () => {
    const s = byId(sessions, CC_2_1_330.sessionId("parallel-fail"));
    const sid = s.sessionId;
    const ctx = destinationContext(s, { integrationVersion: packageVersion() });
    const spans = core(s);
    const lf = (x: SpanData) => langfuseAttributes(x, ctx);
    const ls = (x: SpanData) => langsmithAttributes(x, ctx);

    const session = one(spans, (x) => x.name === "claude_code.session");
    // Session root: a plain span; usage_details {} because Langfuse reads gen_ai.usage.* on any
    // span and would add the session totals to the chat spans' usage; project and branch as
    // top-level (filterable) trace metadata.
    expect(lf(session)).toEqual({
      ...langfuseCommon(sid),
      "langfuse.observation.type": "span",
      "langfuse.observation.usage_details": "{}",
      "langfuse.trace.metadata.project": "shop-api",
      "langfuse.trace.metadata.git_branch": "main",
    });
    expect(ls(session)).toEqual(langsmithCommon(sid, "root", "chain"));

    const turn = one(spans, (x) => x.name === "invoke_agent claude-code");
    expect(lf(turn)).toEqual({ ...langfuseCommon(sid), "langfuse.observation.type": "agent" });
    // Turn markers of the contract: 1-based turn_number, turn_id = Claude Code's prompt id.
    expect(ls(turn)).toEqual({
      ...langsmithCommon(sid, "root", "chain"),
      "langsmith.metadata.turn_number": 1,
      "langsmith.metadata.turn_id": promptIdOf(CC_2_1_330.transcript("parallel-fail")),
    });

    const chat = one(spans, (x) => x.attributes["gen_ai.response.id"] === s.requests[0]?.messageId);
    const r = s.requests[0];
    if (r === undefined) throw new Error("no request");
    // Langfuse: usage_details as is, in Langfuse's canonical keys (input = UNCACHED input, as its
    // own OTel mapping produces from gen_ai.usage.cache_*); cost_details.total is authoritative.
    expect(lf(chat)).toEqual({
      ...langfuseCommon(sid),
      "langfuse.observation.type": "generation",
      "langfuse.observation.usage_details": JSON.stringify({
        input: r.usage.input,
        output: r.usage.output,
        input_cached_tokens: r.usage.cacheRead,
        input_cache_creation: r.usage.cacheCreation,
      }),
      "langfuse.observation.cost_details": JSON.stringify({ total: r.cost.usd }),
    });
    // Scripted (scenarios.ts): 1,204 uncached input, 318 output, no cache read, 2,210 + 18,452 cache writes.
    expect(r.usage).toMatchObject({ input: 1_204, output: 318, cacheRead: 0, cacheCreation: 20_662 });
    // LangSmith: llm run; usage_metadata.input_tokens is ALL input ("sum of all input token types"),
    // cache split in input_token_details; total_cost states our price; ls_model_name/ls_provider.
    expect(ls(chat)).toEqual({
      ...langsmithCommon(sid, "root", "llm"),
      "langsmith.metadata.ls_model_name": "claude-sonnet-4-6",
      "langsmith.metadata.ls_provider": "anthropic",
      "langsmith.usage_metadata": JSON.stringify({
        input_tokens: 1_204 + 0 + 20_662,
        output_tokens: 318,
        total_tokens: 1_204 + 0 + 20_662 + 318,
        input_token_details: { cache_read: 0, cache_creation: 20_662 },
        total_cost: r.cost.usd,
      }),
    });
    // LangSmith reads gen_ai.system (→ metadata.ls_provider): the core chat span has it.
    expect(chat.attributes["gen_ai.system"]).toBe("anthropic");

    const failed = one(spans, (x) => x.name === "execute_tool Bash" && x.status.code === "ERROR");
    // Langfuse: explicit ERROR level and status message (it would also infer them from the status).
    expect(lf(failed)).toEqual({
      ...langfuseCommon(sid),
      "langfuse.observation.type": "tool",
      "langfuse.observation.level": "ERROR",
      "langfuse.observation.status_message": "Exit code 2\nls: cannot access '/nonexistent': No such file or directory",
    });
    // LangSmith: tool run; the error comes from the core span's `exception` event.
    expect(ls(failed)).toEqual({ ...langsmithCommon(sid, "root", "tool"), "langsmith.metadata.ls_tool_name": "Bash" });
    expect(failed.events.map((e) => e.name)).toEqual(["exception"]);
    const ok = one(spans, (x) => x.name === "execute_tool Read");
    expect(lf(ok)).toEqual({ ...langfuseCommon(sid), "langfuse.observation.type": "tool" });
  });

  it("agent-bg: the background subagent and its own chat and tool spans", () => {
    const s = byId(sessions, CC_2_1_330.sessionId("agent-bg"));
    const agentId = s.subagents[0]?.agentId as string;
    expect(agentId).toMatch(/^a[0-9a-f]{16}$/);
    const sid = s.sessionId;
    const ctx = destinationContext(s, { integrationVersion: packageVersion() });
    const spans = core(s);
    const sub = one(spans, (x) => x.name === "invoke_agent general-purpose");
    expect(langfuseAttributes(sub, ctx)).toEqual({ ...langfuseCommon(sid), "langfuse.observation.type": "agent" });
    // Subagent runs: ls_agent_type subagent, ls_subagent_id and ls_subagent_type (always, per the contract).
    expect(langsmithAttributes(sub, ctx)).toEqual({
      ...langsmithCommon(sid, "subagent", "chain"),
      "langsmith.metadata.ls_subagent_id": agentId,
      "langsmith.metadata.ls_subagent_type": "general-purpose",
    });
    // Runs inside the subagent are typed subagent too; ls_subagent_* stay on the subagent run only.
    const subTool = one(spans, (x) => x.name === "execute_tool Bash" && x.attributes["claude_code.agent.id"] === agentId);
    expect(langsmithAttributes(subTool, ctx)).toEqual({ ...langsmithCommon(sid, "subagent", "tool"), "langsmith.metadata.ls_tool_name": "Bash" });
    const subChat = one(spans, (x) => x.name.startsWith("chat ") && x.attributes["claude_code.agent.id"] === agentId);
    expect(langsmithAttributes(subChat, ctx)["langsmith.metadata.ls_agent_type"]).toBe("subagent");
    expect(langfuseAttributes(subChat, ctx)["langfuse.observation.type"]).toBe("generation");
    const agentTool = one(spans, (x) => x.name === "execute_tool Agent");
    expect(langsmithAttributes(agentTool, ctx)).toEqual({ ...langsmithCommon(sid, "root", "tool"), "langsmith.metadata.ls_tool_name": "Agent" });
  });

  it("long: the compaction is a span with its figures and the summarising call's cost", () => {
    const s = byId(sessions, CC_2_1_330.sessionId("long"));
    const sid = s.sessionId;
    const ctx = destinationContext(s, { integrationVersion: packageVersion() });
    const c = one(core(s), (x) => x.name === "claude_code.compaction");
    const usd = s.compactions[0]?.unattributedCostUsd;
    // Claude Code's ledger grew by the compaction call alone across /compact.
    const totals = ledgers(CC_2_1_330.transcript("long")).map((l) => l.totalCostUSD);
    expect(usd).toBeCloseTo((totals[2] ?? 0) - (totals[1] ?? 0), 12);
    // Langfuse: figures under langfuse.observation.metadata.* (top-level, filterable metadata);
    // cost_details on a non-generation observation still counts in the trace's cost.
    expect(langfuseAttributes(c, ctx)).toEqual({
      ...langfuseCommon(sid),
      "langfuse.observation.type": "span",
      "langfuse.observation.metadata.trigger": "manual",
      "langfuse.observation.metadata.pre_tokens": 212_932,
      "langfuse.observation.metadata.post_tokens": 2_717,
      "langfuse.observation.metadata.dropped_tokens": 210_215,
      // The span's cost, as exported (15 significant digits).
      "langfuse.observation.cost_details": JSON.stringify({ total: 0.01554 }),
    });
    // LangSmith: ls_agent_type compaction; the cost as an "Other" cost (usage_metadata.total_cost on a chain run).
    expect(langsmithAttributes(c, ctx)).toEqual({ ...langsmithCommon(sid, "compaction", "chain"), "langsmith.usage_metadata": JSON.stringify({ total_cost: 0.01554 }) });
  });

  it("user.id from the resource goes to both products; unknown options leave no keys", () => {
    const s = byId(sessions, CC_2_1_330.sessionId("parallel-fail"));
    const opts = destinationOptionsFromResource({ "user.id": "alice" }, "9.9.9");
    const session = one(core(s), (x) => x.name === "claude_code.session");
    const attrs = destinationAttributes(session, destinationContext(s, opts));
    expect(attrs["langfuse.user.id"]).toBe("alice");
    expect(attrs["langsmith.metadata.user_id"]).toBe("alice");
    expect(attrs["langsmith.metadata.ls_integration_version"]).toBe("9.9.9");
    expect(destinationOptionsFromResource({ "user.id": " " })).toEqual({ userId: undefined, integrationVersion: undefined });
  });

  it("the default mapping carries both sets on every span and never overwrites a core attribute", () => {
    for (const s of sessions) {
      const plain = core(s);
      const full = sessionToSpans(s, { final: true });
      expect(full.map((x) => x.spanId)).toEqual(plain.map((x) => x.spanId));
      full.forEach((x, i) => {
        const p = plain[i] as SpanData;
        for (const [k, v] of Object.entries(p.attributes)) expect(x.attributes[k]).toEqual(v);
        expect(x.attributes["langfuse.session.id"]).toBe(s.sessionId);
        expect(x.attributes["langsmith.metadata.thread_id"]).toBe(s.sessionId);
        expect(typeof x.attributes["langsmith.span.kind"]).toBe("string");
      });
    }
  });

  it("read the way each product reads them: one session per trace, and tokens and cost equal the report", () => {
    const totals = reportTotals(sessions);
    let lfCost = 0;
    let lsCost = 0;
    for (const s of sessions) {
      const spans = sessionToSpans(s, { final: true });
      const obs = spans.map((x) => langfuseObservation(x.attributes, { code: x.status.code === "ERROR" ? 2 : 0, message: x.status.message }));
      expect(new Set(obs.map((o) => o.sessionId))).toEqual(new Set([s.sessionId]));
      expect(obs.filter((o) => o.type === "generation").length).toBe(s.requests.length);
      expect(obs.filter((o) => o.type === "tool").length).toBe(s.toolCalls.length);
      expect(obs.filter((o) => o.type === "agent").length).toBe(s.turns.length + s.subagents.length);
      expect(obs.filter((o) => o.level === "ERROR").length).toBe(s.toolCalls.filter((c) => c.outcome === "failure").length);
      // Only generations carry usage (the session span's totals are neutralised).
      expect(obs.filter((o) => o.type !== "generation" && Object.keys(o.usage).length > 0)).toEqual([]);
      const t = s.requests.reduce(
        (a, r) => ({ input: a.input + r.usage.input, output: a.output + r.usage.output, read: a.read + r.usage.cacheRead, write: a.write + r.usage.cacheCreation }),
        { input: 0, output: 0, read: 0, write: 0 },
      );
      expect(obs.reduce((a, o) => a + o.inputTokens, 0)).toBe(t.input + t.read + t.write);
      expect(obs.reduce((a, o) => a + o.outputTokens, 0)).toBe(t.output);
      const traceCost = obs.reduce((a, o) => a + (o.cost ?? 0), 0);
      // The chat, compaction and ledger spans: the session's cost (Claude Code's ledger), on every session.
      expect(traceCost).toBeCloseTo(s.cost.totalUsd, 9);
      lfCost += traceCost;

      // LangSmith, after the collector's LangSmith pipeline removed the session span's gen_ai.usage.*.
      const runs = spans.map((x) =>
        langsmithRun(x.name === "claude_code.session" ? Object.fromEntries(Object.entries(x.attributes).filter(([k]) => !k.startsWith("gen_ai.usage."))) : x.attributes),
      );
      expect(runs.every((r) => r.threadId === s.sessionId)).toBe(true);
      expect(runs.filter((r) => r.runType === "llm").length).toBe(s.requests.length);
      expect(runs.filter((r) => r.runType === "tool").length).toBe(s.toolCalls.length);
      expect(runs.reduce((a, r) => a + r.inputTokens, 0)).toBe(t.input + t.read + t.write);
      expect(runs.reduce((a, r) => a + r.cacheRead, 0)).toBe(t.read);
      expect(runs.reduce((a, r) => a + r.outputTokens, 0)).toBe(t.output);
      const runCost = runs.reduce((a, r) => a + (r.cost ?? 0), 0);
      expect(runCost).toBeCloseTo(s.cost.totalUsd, 9);
      lsCost += runCost;
      // Without that collector step, the session span would be counted beside its llm runs.
      expect(langsmithRun(one(spans, (x) => x.name === "claude_code.session").attributes).inputTokens).toBe(t.input + t.read + t.write);
    }
    const exported = sessions.reduce((sum, s) => sum + s.cost.totalUsd, 0);
    expect(lfCost).toBeCloseTo(exported, 9);
    expect(lsCost).toBeCloseTo(exported, 9);
    // And the report's: Claude Code's ledger, the long session's >200k request included.
    expect(exported).toBeCloseTo(totals.costUsd, 9);
  });
});
