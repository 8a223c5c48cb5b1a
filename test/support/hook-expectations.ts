/** What a complete, exactly-once delivery of the fixture sessions must look like at the receiver. */
import { settleUpserts } from "./upserts.js";
import { expect } from "vitest";
import type { Session } from "../../src/model/types.js";
import { sessionToSpans } from "../../src/mapping/map-spans.js";
import type { SpanData } from "../../src/mapping/span-data.js";
import { applyToolDurations } from "../../src/state/tool-durations.js";
import { runCli } from "./cli.js";
import { loadAllSessions } from "./sessions.js";
import type { ReceivedPoint, ReceivedSpan } from "./otlp-receiver.js";
import { receivedTotals } from "./otlp-receiver.js";

/** Measured durations from PostToolUse(Failure) payloads. */
export function durationsOf(payloads: readonly Record<string, unknown>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of payloads) {
    const id = p["tool_use_id"];
    const ms = p["duration_ms"];
    if (typeof id === "string" && typeof ms === "number" && (p["hook_event_name"] === "PostToolUse" || p["hook_event_name"] === "PostToolUseFailure")) out[id] ??= ms;
  }
  return out;
}

const TOOL_COST = "claude_code.tool.cost_usd";

export function expectedSpans(sessions: readonly Session[], durations: Record<string, number>): SpanData[] {
  return sessions.flatMap((s) => sessionToSpans(applyToolDurations(s, durations), { final: true }));
}

/**
 * Every expected span exactly once, with its parent, name, times, attributes and status.
 * `orEnd`: acceptable alternative end times by span id (a tool span a Stop released before its
 * PostToolUse trigger arrived ends where the transcript says). Returns how many used them.
 */
export function expectSpansExactlyOnce(all: readonly ReceivedSpan[], expected: readonly SpanData[], orEnd: ReadonlyMap<string, number> = new Map()): number {
  // A running session's provisional root is upserted by its final copy (same id): not a duplicate.
  const received = settleUpserts(all);
  let alternatives = 0;
  const counts = new Map<string, number>();
  for (const s of received) counts.set(s.spanId, (counts.get(s.spanId) ?? 0) + 1);
  const duplicated = [...counts].filter(([, n]) => n > 1);
  expect(duplicated, "spans received more than once").toEqual([]);
  expect(received.length).toBe(expected.length);
  const byId = new Map(received.map((s) => [s.spanId, s]));
  for (const e of expected) {
    const r = byId.get(e.spanId);
    expect(r, `span ${e.name} ${e.spanId} (${e.unitKey}) missing`).toBeDefined();
    if (r === undefined) continue;
    const alt = orEnd.get(e.spanId);
    const endOk = alt !== undefined && r.endMs === alt && r.endMs !== Math.max(e.endTimeMs, e.startTimeMs);
    if (endOk) alternatives++;
    // A tool span sent while its session ran carries no cost yet (README, Cost per tool call); one sent at the end, the whole cost.
    const { [TOOL_COST]: cost, ...rest } = e.attributes;
    const attributes = r.attributes[TOOL_COST] === undefined && cost !== undefined ? rest : e.attributes;
    expect({ traceId: r.traceId, parent: r.parentSpanId, name: r.name, start: r.startMs, end: r.endMs, attributes: r.attributes, status: r.status.code }).toEqual({
      traceId: e.traceId,
      parent: e.parentSpanId,
      name: e.name,
      start: e.startTimeMs,
      end: endOk ? alt : Math.max(e.endTimeMs, e.startTimeMs),
      attributes,
      status: { UNSET: 0, OK: 1, ERROR: 2 }[e.status.code],
    });
  }
  return alternatives;
}

/** Tool span end times as the transcript alone gives them. */
export function transcriptToolEnds(sessions: readonly Session[]): Map<string, number> {
  return new Map(
    sessions.flatMap((s) =>
      sessionToSpans(s, { final: true })
        .filter((x) => x.unitKey.startsWith("tool:"))
        .map((x): [string, number] => [x.spanId, Math.max(x.endTimeMs, x.startTimeMs)]),
    ),
  );
}

/** Delta windows of one writer: each batch starts where the previous ended, none repeats. */
export function expectContiguousWindows(points: readonly ReceivedPoint[]): void {
  const windows = [...new Map(points.map((p) => [`${p.startMs}-${p.timeMs}`, { start: p.startMs, time: p.timeMs }])).values()].sort((a, b) => a.time - b.time);
  for (let i = 1; i < windows.length; i++) expect(windows[i]?.start, `window ${i} starts where ${i - 1} ended`).toBe(windows[i - 1]?.time);
  for (const p of points) expect(p.temporality).toBe(1); // DELTA
}

/** Metric sums equal `report --json` totals for the same transcripts. */
export async function expectTotalsEqualReport(points: readonly ReceivedPoint[], projectsDir: string): Promise<void> {
  const r = await runCli(["report", "--json", "--projects-dir", projectsDir]);
  expect(r.code).toBe(0);
  const totals = (
    JSON.parse(r.stdout) as {
      totals: { sessions: number; costUsd: number; turns: number; toolCalls: number; toolFailures: number; compactions: number; tokens: Record<string, number> };
    }
  ).totals;
  const got = receivedTotals(points);
  const sessions = await loadAllSessions(projectsDir);
  expect(got.costUsd).toBeCloseTo(
    sessions.reduce((sum, s) => sum + s.cost.totalUsd, 0),
    9,
  );
  expect({ ...got, costUsd: 0 }).toEqual({
    sessions: totals.sessions,
    costUsd: 0,
    tokens: totals.tokens,
    turns: totals.turns,
    toolCalls: totals.toolCalls,
    toolFailures: totals.toolFailures,
    compactions: totals.compactions,
  });
  // One session.cost observation per finished session.
  const sessionCost = points.filter((p) => p.name === "claude_code.session.cost");
  expect(sessionCost.reduce((n, p) => n + (p.count ?? 0), 0)).toBe(totals.sessions);
}
