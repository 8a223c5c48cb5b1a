/**
 * LangSmith keeps at most 25,000 runs per trace and drops the rest without a word. A generated
 * long session (test/support/long-session.ts, seeded: 60 turns over three days of resumes, one
 * autonomous turn of 9,000 requests and 19,000 tool calls, 67 subagents, one of 400 requests; 29k
 * spans) goes to LangSmith as a thread of traces: one per turn, continuation traces past 20,000
 * runs, nothing lost, nothing orphaned. Then the same placement live (the session planned as it
 * grows, against a ledger, as the hooks do) and in one replay; and through the real collector's
 * LangSmith pipeline, which moves every span where this process would.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { ExportedUnits } from "../../src/mapping/plan-export.js";
import { NOTHING_EXPORTED, planExport } from "../../src/mapping/plan-export.js";
import { sessionToSpans } from "../../src/mapping/map-spans.js";
import { toLangsmithShape } from "../../src/mapping/destinations/langsmith-traces.js";
import type { SpanData } from "../../src/mapping/span-data.js";
import type { Session } from "../../src/model/types.js";
import { serializeSpans } from "../../src/sdk/otlp-serialize.js";
import { OUR_RESOURCE } from "../support/otlp-json.js";
import { loadAllSessions } from "../support/sessions.js";
import { LONG_SESSION, writeLongSession, type WrittenSession } from "../support/long-session.js";
import { BASE_CONFIG, OVERLAYS, requireCollector, startCollector } from "../support/collector.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";

const LIMIT = 25_000;

function byTrace(spans: readonly SpanData[]): Map<string, SpanData[]> {
  const out = new Map<string, SpanData[]>();
  for (const s of spans) out.set(s.traceId, [...(out.get(s.traceId) ?? []), s]);
  return out;
}

const meta = (s: SpanData, key: string): unknown => s.attributes[`langsmith.metadata.${key}`];

describe("a long session in LangSmith", () => {
  let root: string;
  let written: WrittenSession;
  let session: Session;
  let core: SpanData[];
  let langsmith: SpanData[];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "cco-langsmith-long-"));
    written = writeLongSession(join(root, "projects"));
    [session] = (await loadAllSessions(join(root, "projects"))) as [Session];
    core = sessionToSpans(session, { final: true, destinations: false });
    langsmith = toLangsmithShape(sessionToSpans(session, { final: true }));
  }, 600_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("as one trace it would lose thousands of runs; as a thread of traces none, each under 25,000 runs", () => {
    expect(session.turns).toHaveLength(LONG_SESSION.turns);
    expect([session.requests.length, session.toolCalls.length, session.subagents.length]).toEqual([written.counts.requests, written.counts.toolCalls, written.counts.subagents]);
    expect(core.length).toBeGreaterThan(LIMIT);
    const big = session.turns[written.counts.bigTurnIndex];
    // Every span once, and the roots of the continuation traces besides.
    const parts = langsmith.filter((s) => s.name.endsWith(")") && / \(part \d+\)$/.test(s.name));
    expect(langsmith).toHaveLength(core.length + parts.length);
    expect(new Set(langsmith.map((s) => s.spanId)).size).toBe(langsmith.length);
    expect(parts.map((s) => s.name).sort()).toEqual(["invoke_agent Explore (part 2)", "invoke_agent claude-code (part 2)", "invoke_agent claude-code (part 3)"]);
    const traces = byTrace(langsmith);
    // A trace per turn, the session's own, the big turn's two continuations and the big subagent's one.
    expect(traces.size).toBe(LONG_SESSION.turns + 1 + 3);
    for (const [traceId, runs] of traces) {
      expect(runs.length, traceId).toBeLessThanOrEqual(20_001);
      const ids = new Set(runs.map((r) => r.spanId));
      // One root per trace, and every parent in the trace: no run waits for a parent that never comes.
      expect(
        runs.filter((r) => r.parentSpanId === undefined),
        traceId,
      ).toHaveLength(1);
      expect(
        runs.filter((r) => r.parentSpanId !== undefined && !ids.has(r.parentSpanId)),
        traceId,
      ).toEqual([]);
    }
    // The big turn's runs: its own trace and its two continuations hold them all.
    const bigRoot = langsmith.find((s) => s.attributes["claude_code.prompt.id"] === big?.promptId && s.name === "invoke_agent claude-code");
    const bigTraces = langsmith.filter((s) => s.attributes["claude_code.prompt.id"] === big?.promptId && s.parentSpanId === undefined).map((s) => s.traceId);
    expect(bigTraces).toHaveLength(3);
    expect(bigTraces).toContain(bigRoot?.traceId);
    // Together past LangSmith's limit: as one trace, thousands of its runs would have been dropped.
    expect(bigTraces.reduce((n, t) => n + (traces.get(t)?.length ?? 0), 0)).toBeGreaterThan(LIMIT);
  });

  it("what LangSmith's thread and trajectory views need: thread_id on every run, each trace's top run a root of its turn", () => {
    expect(langsmith.filter((s) => meta(s, "thread_id") !== session.sessionId)).toEqual([]);
    const tops = langsmith.filter((s) => s.parentSpanId === undefined);
    const turnTops = tops.filter((s) => s.name.startsWith("invoke_agent claude-code"));
    expect(turnTops).toHaveLength(LONG_SESSION.turns + 2);
    for (const top of turnTops) {
      expect([meta(top, "ls_agent_type"), meta(top, "turn_number")]).toEqual(["root", Number(top.attributes["claude_code.turn.index"]) + 1]);
    }
    expect(tops.filter((s) => !turnTops.includes(s)).map((s) => [s.name, meta(s, "ls_agent_type")])).toEqual(
      expect.arrayContaining([
        ["claude_code.session", "root"],
        ["invoke_agent Explore (part 2)", "subagent"],
      ]),
    );
    // No placement attribute and no Langfuse key is left on what LangSmith gets; the session span has no usage totals.
    expect(langsmith.flatMap((s) => Object.keys(s.attributes)).filter((k) => k.startsWith("claude_code.langsmith.") || k.startsWith("langfuse."))).toEqual([]);
    expect(Object.keys(langsmith.find((s) => s.name === "claude_code.session")?.attributes ?? {}).filter((k) => k.startsWith("gen_ai.usage."))).toEqual([]);
  });

  it("live (planned as the transcripts grow, against a ledger) and in one replay: the same run in the same place", async () => {
    const cutsDir = join(root, "cuts");
    const lines = written.files.map((f) => ({ file: f, lines: readFileSync(f, "utf8").split("\n").filter(Boolean) }));
    const times = lines.flatMap((f) => f.lines.map((l) => Date.parse((JSON.parse(l) as { timestamp: string }).timestamp))).sort((a, b) => a - b);
    // Six moments: in the big turn (before and after its first continuation is due), and later.
    const cuts = [0.1, 0.3, 0.45, 0.6, 0.8].map((q) => times[Math.floor(q * (times.length - 1))] as number);
    const exported: { spanUnits: Set<string>; metricUnits: Set<string> } = { spanUnits: new Set(), metricUnits: new Set() };
    const live = new Map<string, [string, string | undefined]>();
    const planAt = async (cut: number | undefined): Promise<void> => {
      rmSync(cutsDir, { recursive: true, force: true });
      for (const f of lines) {
        const target = join(cutsDir, relative(join(root, "projects"), f.file));
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, "");
        const kept = cut === undefined ? f.lines : f.lines.filter((l) => Date.parse((JSON.parse(l) as { timestamp: string }).timestamp) <= cut);
        if (kept.length > 0) appendFileSync(target, `${kept.join("\n")}\n`);
      }
      for (const file of written.files.filter((f) => f.endsWith(".jsonl") && f.includes("/subagents/"))) {
        const src = file.replace(/\.jsonl$/, ".meta.json");
        writeFileSync(join(cutsDir, relative(join(root, "projects"), src)), readFileSync(src));
      }
      const [grown] = (await loadAllSessions(cutsDir)) as [Session];
      const plan = planExport(grown, exported as ExportedUnits, { final: cut === undefined, provisionalSpans: false, langsmithShape: true });
      for (const s of plan.spans) {
        expect(live.has(s.spanId), `${s.name} ${s.spanId} sent twice`).toBe(false);
        live.set(s.spanId, [s.traceId, s.parentSpanId]);
      }
      for (const k of plan.spanKeys) exported.spanUnits.add(k);
    };
    for (const cut of cuts) await planAt(cut);
    await planAt(undefined);
    const replay = planExport(session, NOTHING_EXPORTED, { final: true, provisionalSpans: false, langsmithShape: true });
    expect(live.size).toBe(replay.spans.length);
    const moved = replay.spans.filter((s) => JSON.stringify(live.get(s.spanId)) !== JSON.stringify([s.traceId, s.parentSpanId]));
    expect(moved.map((s) => s.name)).toEqual([]);
  }, 900_000);

  const bin = requireCollector();
  it.skipIf(!bin)(
    "the collector's LangSmith pipeline moves every span where this process would; Langfuse never gets a continuation root",
    async () => {
      const [langsmithIn, langfuseIn] = await Promise.all([startOtlpReceiver(), startOtlpReceiver()]);
      const collector = await startCollector({
        configs: [BASE_CONFIG, OVERLAYS.langfuse, OVERLAYS.langsmith],
        env: {
          LANGSMITH_OTLP_ENDPOINT: `${langsmithIn.url}/otel`,
          LANGSMITH_API_KEY: "lsv2_test",
          LANGFUSE_OTLP_ENDPOINT: `${langfuseIn.url}/api/public/otel`,
          LANGFUSE_PUBLIC_KEY: "pk-lf-test",
          LANGFUSE_SECRET_KEY: "sk-lf-test",
        },
      });
      try {
        // Through the collector: the spans as the mapping makes them (the placement in attributes).
        const sent = sessionToSpans(session, { final: true });
        for (const chunk of serializeSpans(sent, resourceFromAttributes(OUR_RESOURCE), "pb")) {
          const res = await fetch(`${collector.otlpHttpUrl}/v1/traces`, { method: "POST", headers: { "content-type": "application/x-protobuf" }, body: chunk.body });
          expect(res.status).toBe(200);
        }
        const deadline = Date.now() + 120_000;
        while ((langsmithIn.spans.length < sent.length || langfuseIn.spans.length < core.length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
        const want = new Map(langsmith.map((s) => [s.spanId, [s.traceId, s.parentSpanId]]));
        expect(langsmithIn.spans).toHaveLength(sent.length);
        expect(langsmithIn.spans.filter((s) => JSON.stringify([s.traceId, s.parentSpanId]) !== JSON.stringify(want.get(s.spanId))).map((s) => s.name)).toEqual([]);
        expect(langsmithIn.spans.flatMap((s) => Object.keys(s.attributes)).filter((k) => k.startsWith("claude_code.langsmith."))).toEqual([]);
        // Langfuse: one trace for the session as before, every span but LangSmith's continuation roots.
        expect(langfuseIn.spans).toHaveLength(core.length);
        expect(new Set(langfuseIn.spans.map((s) => s.traceId)).size).toBe(1);
      } finally {
        await collector.stop();
        await Promise.all([langsmithIn.close(), langfuseIn.close()]);
      }
    },
    300_000,
  );
});
