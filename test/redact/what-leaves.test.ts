/**
 * What leaves the machine with content capture off (the default), as README's "Security" lists
 * it: every attribute key on the resource, the spans, their events and the metric points of a
 * replay of the recorded 2.1.330 sessions (parallel tools, a failure, subagents, a compaction),
 * exactly. A new attribute must be added here and to the README; no prompt text leaves.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayCommand } from "../../src/cli/replay-command.js";
import { captureIO } from "../support/cli.js";
import { CC_2_1_330 } from "../support/recorded-fixtures.js";

interface Attr {
  key: string;
}
interface Exported {
  resource: Set<string>;
  span: Set<string>;
  event: Set<string>;
  point: Set<string>;
  text: string;
}

const sorted = (s: Set<string>): string[] => [...s].sort();

describe("content capture off: what leaves", () => {
  let dir: string;
  const out: Exported = { resource: new Set(), span: new Set(), event: new Set(), point: new Set(), text: "" };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cco-leaves-"));
    const io = captureIO({ CLAUDE_CODE_OTEL_HOME: join(dir, "otel") });
    const code = await replayCommand(
      ["--projects-dir", CC_2_1_330.projects, "--output-dir", join(dir, "out"), "--state-dir", join(dir, "state"), "--idle-minutes", "0", "--jobs", "1"],
      io,
    );
    if (code !== 0) throw new Error(io.stderr());
    const traces = readFileSync(join(dir, "out", "traces.jsonl"), "utf8");
    const metrics = readFileSync(join(dir, "out", "metrics.jsonl"), "utf8");
    out.text = traces + metrics;
    for (const line of traces.trimEnd().split("\n")) {
      for (const rs of (
        JSON.parse(line) as { resourceSpans: { resource: { attributes: Attr[] }; scopeSpans: { spans: { attributes?: Attr[]; events?: { attributes?: Attr[] }[] }[] }[] }[] }
      ).resourceSpans) {
        for (const a of rs.resource.attributes) out.resource.add(a.key);
        for (const s of rs.scopeSpans.flatMap((x) => x.spans)) {
          for (const a of s.attributes ?? []) out.span.add(a.key);
          for (const a of (s.events ?? []).flatMap((e) => e.attributes ?? [])) out.event.add(a.key);
        }
      }
    }
    type Points = { dataPoints: { attributes?: Attr[] }[] };
    for (const line of metrics.trimEnd().split("\n")) {
      for (const rm of (JSON.parse(line) as { resourceMetrics: { resource: { attributes: Attr[] }; scopeMetrics: { metrics: { sum?: Points; histogram?: Points }[] }[] }[] })
        .resourceMetrics) {
        for (const a of rm.resource.attributes) out.resource.add(a.key);
        for (const m of rm.scopeMetrics.flatMap((x) => x.metrics))
          for (const p of (m.sum ?? m.histogram)?.dataPoints ?? []) for (const a of p.attributes ?? []) out.point.add(a.key);
      }
    }
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the resource: our name, version and source", () => {
    expect(sorted(out.resource)).toEqual(["claude_code.telemetry.source", "service.name", "service.version"]);
  });

  it("spans: ids, the project, working directory and branch, models, counts, tokens, costs, tool names and outcomes; no content", () => {
    expect(sorted(out.span)).toEqual([
      "claude_code.agent.id",
      "claude_code.compaction.cache_rebuild_usd",
      "claude_code.compaction.dropped_tokens",
      "claude_code.compaction.files",
      "claude_code.compaction.files_lost",
      "claude_code.compaction.files_restored",
      "claude_code.compaction.kept_lines",
      "claude_code.compaction.post_tokens",
      "claude_code.compaction.pre_tokens",
      "claude_code.compaction.reread_cost_usd",
      "claude_code.compaction.reread_duration_ms",
      "claude_code.compaction.rereads",
      "claude_code.compaction.summary_bytes",
      "claude_code.compaction.tool_output_bytes",
      "claude_code.compaction.tool_outputs",
      "claude_code.compaction.trigger",
      "claude_code.compactions",
      "claude_code.cost.complete",
      "claude_code.cost.source",
      "claude_code.cost.unattributed_usd",
      "claude_code.cost_usd",
      "claude_code.langsmith.parent_span_id",
      "claude_code.langsmith.trace_id",
      "claude_code.ledger.index",
      "claude_code.ledger.total_usd",
      "claude_code.project",
      "claude_code.prompt.id",
      "claude_code.request.id",
      "claude_code.requests",
      "claude_code.subagents",
      "claude_code.tool.cost_usd",
      "claude_code.tool.outcome",
      "claude_code.tool_calls",
      "claude_code.tool_failures",
      "claude_code.turn.index",
      "claude_code.turn.origin",
      "claude_code.turns",
      "claude_code.version",
      "error.type",
      "gen_ai.agent.name",
      "gen_ai.conversation.id",
      "gen_ai.operation.name",
      "gen_ai.provider.name",
      "gen_ai.request.model",
      "gen_ai.response.finish_reasons",
      "gen_ai.response.id",
      "gen_ai.response.model",
      "gen_ai.system",
      "gen_ai.tool.call.id",
      "gen_ai.tool.name",
      "gen_ai.usage.cache_read.input_tokens",
      "gen_ai.usage.cache_write.input_tokens",
      "gen_ai.usage.input_tokens",
      "gen_ai.usage.output_tokens",
      "langfuse.observation.cost_details",
      "langfuse.observation.level",
      "langfuse.observation.metadata.dropped_tokens",
      "langfuse.observation.metadata.post_tokens",
      "langfuse.observation.metadata.pre_tokens",
      "langfuse.observation.metadata.trigger",
      "langfuse.observation.status_message",
      "langfuse.observation.type",
      "langfuse.observation.usage_details",
      "langfuse.release",
      "langfuse.session.id",
      "langfuse.trace.metadata.git_branch",
      "langfuse.trace.metadata.project",
      "langfuse.trace.tags",
      "langsmith.metadata.git_branch",
      "langsmith.metadata.ls_agent_purpose",
      "langsmith.metadata.ls_agent_runtime",
      "langsmith.metadata.ls_agent_type",
      "langsmith.metadata.ls_agent_version",
      "langsmith.metadata.ls_integration",
      "langsmith.metadata.ls_integration_version",
      "langsmith.metadata.ls_model_name",
      "langsmith.metadata.ls_provider",
      "langsmith.metadata.ls_subagent_id",
      "langsmith.metadata.ls_subagent_type",
      "langsmith.metadata.ls_tool_name",
      "langsmith.metadata.ls_trace_schema_version",
      "langsmith.metadata.project",
      "langsmith.metadata.thread_id",
      "langsmith.metadata.turn_id",
      "langsmith.metadata.turn_number",
      "langsmith.metadata.working_directory",
      "langsmith.span.kind",
      "langsmith.span.tags",
      "langsmith.usage_metadata",
      "session.id",
      "vcs.ref.head.name",
    ]);
    expect(sorted(out.event)).toEqual(["exception.message", "exception.type"]);
  });

  it("metric points: project, model, token type, tool name, outcome, compaction trigger", () => {
    expect(sorted(out.point)).toEqual([
      "cost_source",
      "error.type",
      "gen_ai.agent.name",
      "gen_ai.operation.name",
      "gen_ai.provider.name",
      "gen_ai.request.model",
      "gen_ai.response.model",
      "gen_ai.token.modality",
      "gen_ai.tool.name",
      "model",
      "outcome",
      "project",
      "tool_name",
      "trigger",
      "type",
    ]);
  });

  it("no prompt of the recording leaves", () => {
    const prompts = CC_2_1_330.steps.map((s) => s.prompt.replace(/^scenario:\S+ /, "")).filter((p) => p.length > 8);
    expect(prompts.length).toBeGreaterThan(5);
    expect(prompts.filter((p) => out.text.includes(p))).toEqual([]);
  });
});
