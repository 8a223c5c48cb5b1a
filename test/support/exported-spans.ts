import { hrTimeToMilliseconds } from "@opentelemetry/core";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { Session } from "../../src/model/types.js";
import type { SpanMapOptions } from "../../src/mapping/map-spans.js";
import { sessionToSpans } from "../../src/mapping/map-spans.js";
import { toReadableSpan } from "../../src/sdk/readable-span.js";
import { buildResource } from "../../src/sdk/resource.js";
import type { ReportTotals } from "../../src/report/report-data.js";
import { ReportBuilder } from "../../src/report/report-data.js";
import { emptyParseStats } from "../../src/transcript/line-types.js";
import { expect } from "vitest";
import type { ReceivedPoint } from "./otlp-receiver.js";
import { receivedTotals } from "./otlp-receiver.js";

/** Maps a session and pushes it through the SDK's in-memory exporter, as a real pipeline would. */
export async function exportedSpans(session: Session, options: SpanMapOptions = { final: true, destinations: false }): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const resource = buildResource({});
  const spans = sessionToSpans(session, options).map((s) => toReadableSpan(s, resource));
  await new Promise<void>((resolve) => exporter.export(spans, () => resolve()));
  return exporter.getFinishedSpans();
}

export interface SpanView {
  name: string;
  parent: string | null;
  kind: number;
  start: string;
  end: string;
  status: { code: number; message?: string };
  events: { name: string; time: string; attributes: Record<string, unknown> }[];
  attributes: Record<string, unknown>;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** A span as comparable data: the parent by name+id so that trees read well in failures. */
export function view(span: ReadableSpan, all: readonly ReadableSpan[]): SpanView {
  const parentId = span.parentSpanContext?.spanId;
  const parent = parentId === undefined ? undefined : all.find((s) => s.spanContext().spanId === parentId);
  return {
    name: span.name,
    parent: parent === undefined ? (parentId === undefined ? null : `missing ${parentId}`) : `${parent.name} ${parentId}`,
    kind: span.kind,
    start: iso(hrTimeToMilliseconds(span.startTime)),
    end: iso(hrTimeToMilliseconds(span.endTime)),
    status: { ...span.status },
    events: span.events.map((e) => ({ name: e.name, time: iso(hrTimeToMilliseconds(e.time)), attributes: { ...e.attributes } })),
    attributes: { ...span.attributes },
  };
}

export function reportTotals(sessions: readonly Session[]): ReportTotals {
  const b = new ReportBuilder("UTC");
  for (const s of sessions) b.add(s);
  return b.finish({ ...emptyParseStats(), files: 0, unreadable: [] }).totals;
}

/** What a receiver got adds up to the report: cost (usage minus overcount, to 1e-9), tokens by type, sessions, turns, tool calls, failures, compactions. */
export function expectTotalsEqualReport(points: readonly ReceivedPoint[], sessions: readonly Session[]): void {
  const report = reportTotals(sessions);
  const got = receivedTotals(points);
  expect(Math.abs(got.costUsd - report.costUsd)).toBeLessThan(1e-9);
  expect(got.tokens).toEqual(report.tokens);
  expect([got.sessions, got.turns, got.toolCalls, got.toolFailures, got.compactions]).toEqual([
    report.sessions,
    report.turns,
    report.toolCalls,
    report.toolFailures,
    report.compactions,
  ]);
}
