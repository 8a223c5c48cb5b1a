/**
 * The kit's trace path, end to end with real processes on loopback: `claude-code-otel replay` of
 * the recorded examples (examples/projects) → our collector build with collector/config.yaml →
 * Jaeger (jaeger/config.yaml, in-memory store). Every session's trace must come back from
 * Jaeger's query API whole: under the id DESIGN.md derives from the session id, every span the
 * collector received present once, every parent present, one root, as many spans as replay says
 * it sent, and no warnings from Jaeger. The collector's file overlay records what it received,
 * so a loss between the collector and Jaeger is told apart from one before the collector.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJsonRequest, type ReceivedSpan } from "../support/otlp-receiver.js";
import { BASE_CONFIG, OVERLAYS, requireCollector, startCollector, type RunningCollector } from "../support/collector.js";
import { loadDashboards } from "../support/dashboards.js";
import { parentOf, requireJaeger, startJaeger, type JaegerTrace, type RunningJaeger } from "../support/jaeger.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";
import { BIN, requireBuild, runProcess } from "../support/hook-harness.js";

const PROJECTS = join(REPO_ROOT, "examples", "projects");
const collectorBin = requireCollector();
const jaegerBin = collectorBin ? requireJaeger() : undefined;

/** DESIGN.md's contract: trace id = first 32 hex of SHA-256("claude-code-otel/trace/" + session id). */
const traceIdOf = (sessionId: string): string => createHash("sha256").update(`claude-code-otel/trace/${sessionId}`).digest("hex").slice(0, 32);

/** Session ids of the examples: the top-level transcripts of every project folder. */
function exampleSessions(): string[] {
  return readdirSync(PROJECTS).flatMap((project) =>
    readdirSync(join(PROJECTS, project))
      .filter((f) => f.endsWith(".jsonl"))
      .map((f) => f.slice(0, -".jsonl".length)),
  );
}

/** The data-link URLs of the Sessions dashboard that search Jaeger by the tag `tag` (the row's value). */
function jaegerSearchLinks(tag: string): string[] {
  const dashboard = loadDashboards().find((d) => d.json.uid === "claude-code-sessions");
  const urls: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") {
      const record = value as Record<string, unknown>;
      if (typeof record["url"] === "string" && record["url"].includes("${__value.raw}")) urls.push(record["url"]);
      Object.values(record).forEach(walk);
    }
  };
  walk(dashboard?.json.panels);
  return urls.filter((u) => u.startsWith("${trace_url}/search?") && u.includes(`tags=%7B%22${tag}%22%3A%22\${__value.raw}%22%7D`));
}

/**
 * Renders a data link as Grafana does for a row (`value`; the dashboard range from the epoch to
 * now) and asks Jaeger's API with the parameters the UI's /search page sends; the trace ids found.
 */
async function searchThroughLink(queryUrl: string, template: string, value: string): Promise<string[]> {
  const url = template.replaceAll("${trace_url}", queryUrl).replaceAll("${__value.raw}", value).replaceAll("${__from}", "0").replaceAll("${__to}", String(Date.now()));
  expect(url, template).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/search\?/);
  const res = await fetch(url.replace("/search?", "/api/traces?"), { signal: AbortSignal.timeout(10_000) });
  expect(res.status, url).toBe(200);
  return (((await res.json()) as { data: JaegerTrace[] | null }).data ?? []).map((t) => t.traceID);
}

function spansInFile(file: string): ReceivedSpan[] {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line) => decodeJsonRequest(line).spans);
}

describe.runIf(collectorBin !== undefined && jaegerBin !== undefined)("replay → collector → Jaeger: every session's trace whole", () => {
  let jaeger: RunningJaeger;
  let collector: RunningCollector;
  let dir: string;
  let sent = 0;
  let received: ReceivedSpan[] = [];
  const traces = new Map<string, JaegerTrace>();
  const sessions = exampleSessions();

  beforeAll(async () => {
    requireBuild();
    dir = mkdtempSync(join(tmpdir(), "cco-jaeger-e2e-"));
    jaeger = await startJaeger();
    collector = await startCollector({
      configs: [BASE_CONFIG, OVERLAYS.file],
      env: {
        OTELCOL_JAEGER_ENDPOINT: jaeger.otlpHttpUrl,
        OTELCOL_FILE_TRACES: join(dir, "traces.jsonl"),
        OTELCOL_FILE_METRICS: join(dir, "metrics.jsonl"),
      },
    });
    // A fresh user: own HOME and state folder; the examples' files are as old as the checkout,
    // so --idle-minutes 0 makes every session final (no provisional root).
    const env = { ...process.env, HOME: join(dir, "home"), CLAUDE_CODE_OTEL_HOME: join(dir, "otel") };
    const replay = await runProcess([BIN, "replay", "--projects-dir", PROJECTS, "--endpoint", collector.otlpHttpUrl, "--idle-minutes", "0"], env, undefined, 120_000);
    expect(replay.code, `${replay.stdout}${replay.stderr}`).toBe(0);
    sent = Number(/sent (\d+) spans/.exec(replay.stdout + replay.stderr)?.[1] ?? NaN);

    // Wait, bounded, until the collector has written every span it accepted and Jaeger holds them all.
    const deadline = Date.now() + 60_000;
    for (;;) {
      received = spansInFile(join(dir, "traces.jsonl"));
      traces.clear();
      for (const id of sessions.map(traceIdOf)) {
        const t = await jaeger.trace(id);
        if (t) traces.set(id, t);
      }
      const inJaeger = [...traces.values()].reduce((n, t) => n + t.spans.length, 0);
      if (received.length >= sent && inJaeger >= sent) break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 240_000);

  afterAll(async () => {
    await collector?.stop();
    await jaeger?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("replay sends every example session, and the collector receives every span once", () => {
    expect(sessions).toHaveLength(5);
    expect(sent).toBeGreaterThan(0);
    expect(received).toHaveLength(sent);
    expect(new Set(received.map((s) => `${s.traceId}/${s.spanId}`)).size).toBe(sent);
    expect(new Set(received.map((s) => s.traceId))).toEqual(new Set(sessions.map(traceIdOf)));
  });

  it("Jaeger returns each session's trace under its derived id, with exactly the spans the collector received", () => {
    for (const sessionId of sessions) {
      const id = traceIdOf(sessionId);
      const trace = traces.get(id);
      expect(trace, `trace ${id} of session ${sessionId}`).toBeDefined();
      const want = received.filter((s) => s.traceId === id);
      expect(trace?.spans.map((s) => s.spanID).sort(), sessionId).toEqual(want.map((s) => s.spanId).sort());
      // Same parent for every span as sent.
      const parents = new Map(want.map((s) => [s.spanId, s.parentSpanId]));
      for (const s of trace?.spans ?? []) expect(parentOf(s), `${sessionId} ${s.operationName}`).toBe(parents.get(s.spanID));
    }
    expect([...traces.values()].reduce((n, t) => n + t.spans.length, 0)).toBe(sent);
  });

  it("every trace is one tree: one claude_code.session root, every parent present, no warnings", () => {
    for (const [id, trace] of traces) {
      const ids = new Set(trace.spans.map((s) => s.spanID));
      const roots = trace.spans.filter((s) => parentOf(s) === undefined);
      expect(
        roots.map((s) => s.operationName),
        id,
      ).toEqual(["claude_code.session"]);
      for (const s of trace.spans) {
        const parent = parentOf(s);
        if (parent !== undefined) expect(ids.has(parent), `${id}: ${s.operationName} has no parent ${parent}`).toBe(true);
        expect(s.warnings ?? [], `${id}: ${s.operationName}`).toEqual([]);
      }
      expect(trace.warnings ?? [], id).toEqual([]);
      expect(Object.values(trace.processes).map((p) => p.serviceName)).toEqual(expect.arrayContaining(["claude-code-otel"]));
    }
  });

  it("finds each session by its session.id tag", async () => {
    expect(await jaeger.services()).toContain("claude-code-otel");
    for (const sessionId of sessions) {
      const found = await jaeger.search("claude-code-otel", { "session.id": sessionId });
      expect(
        found.map((t) => t.traceID),
        sessionId,
      ).toEqual([traceIdOf(sessionId)]);
    }
  });

  it("the Sessions dashboard's session links open a Jaeger search that finds exactly that session's trace", async () => {
    const links = jaegerSearchLinks("session.id");
    expect(links.length).toBeGreaterThan(0);
    for (const template of links) {
      for (const sessionId of sessions) expect(await searchThroughLink(jaeger.queryUrl, template, sessionId), template).toEqual([traceIdOf(sessionId)]);
    }
  });

  it("the Sessions dashboard's project links open a Jaeger search that finds that project's sessions", async () => {
    const links = jaegerSearchLinks("claude_code.project");
    expect(links.length).toBeGreaterThan(0);
    const roots = [...traces.values()].flatMap((t) => t.spans.filter((s) => s.operationName === "claude_code.session"));
    const projects = new Set(roots.map((s) => String(s.tags.find((t) => t.key === "claude_code.project")?.value)));
    expect([...projects]).toEqual(["shop-api"]);
    for (const template of links) {
      expect((await searchThroughLink(jaeger.queryUrl, template, "shop-api")).sort(), template).toEqual(sessions.map(traceIdOf).sort());
      expect(await searchThroughLink(jaeger.queryUrl, template, "no-such-project"), template).toEqual([]);
    }
  });
});
