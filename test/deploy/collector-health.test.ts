// Telemetry health as Prometheus sees it from the real collector: the heartbeat's gauges
// (delivery/heartbeat.ts) and claude_code.hook.errors under their names, and Claude Code's own
// api_request events (logs, as its 2.1.330 binary sends them) counted by the collector's count
// connector into claude_code_native_api_request_count_total: the conversation's calls only.
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OtlpDestination } from "../../src/delivery/destination.js";
import { resolveDestination } from "../../src/delivery/destination.js";
import { postHeartbeat } from "../../src/delivery/heartbeat.js";
import { buildResource } from "../../src/sdk/resource.js";
import { packageVersion } from "../../src/util/package-version.js";
import { requireCollector, startCollector, type RunningCollector } from "../support/collector.js";
import { HEALTH_SERIES, NATIVE_REQUEST_SERIES } from "../support/prometheus-series.js";
import { apiRequestEvent } from "../support/team-health.js";
import { findSamples, logsRequest, metricsRequest, postOtlpJson, scrape, type LogSpec, type PromSample } from "../support/otlp-json.js";

const NOW = Date.now() - 30_000;
/** What Claude Code 2.1.330 puts on every event (support/team-health.ts builds its api_request events). */
const COMMON = { "user.id": "657e2f20", "session.id": "s-native", "terminal.type": "dumb" };
const apiRequest = (querySource: string, model: string, i: number): LogSpec => apiRequestEvent("s-native", model, querySource, i, NOW + i);

const bin = requireCollector();

describe.skipIf(!bin)("collector → Prometheus: telemetry health", () => {
  let collector: RunningCollector;
  let samples: PromSample[] = [];

  beforeAll(async () => {
    collector = await startCollector();
    const events: LogSpec[] = [
      apiRequest("sdk", "claude-sonnet-4-5", 1),
      apiRequest("repl_main_thread", "claude-sonnet-4-5", 2),
      apiRequest("main_thread", "claude-sonnet-4-5", 3),
      apiRequest("agent:builtin:Explore", "claude-haiku-4-5", 4),
      // Calls no transcript records as a response: not counted.
      apiRequest("compact", "claude-sonnet-4-5", 5),
      apiRequest("generate_session_title", "claude-haiku-4-5", 6),
      apiRequest("prompt_suggestion", "claude-haiku-4-5", 7),
      { body: "claude_code.tool_result", timeMs: NOW + 8, attributes: { ...COMMON, "event.name": "tool_result", tool_name: "Bash", success: "true" } },
    ];
    expect(await postOtlpJson(collector.otlpHttpUrl, "logs", logsRequest(events))).toBe(200);
    const destination = resolveDestination({ endpoint: collector.otlpHttpUrl }, {}, {}) as OtlpDestination;
    const resource = buildResource({ OTEL_RESOURCE_ATTRIBUTES: "user.id=dev-7" });
    const snapshot = {
      component: "hooks" as const,
      host: hostname(),
      user: "dev-7",
      timeMs: NOW,
      outboxRequests: 12,
      outboxBytes: 34_567,
      outboxAgeMs: 2_700_000,
      spoolTriggers: 3,
      logErrors: 2,
    };
    expect(await postHeartbeat(destination, snapshot, resource)).toEqual({ kind: "ok", status: 200 });
    const hookErrors = [
      {
        kind: "sum" as const,
        name: "claude_code.hook.errors",
        unit: "{error}",
        value: 2,
        attributes: { project: "demo", hook_event: "PostToolUse", hook: "claude-code-otel" },
        startMs: NOW - 1_000,
        timeMs: NOW,
      },
    ];
    expect(await postOtlpJson(collector.otlpHttpUrl, "metrics", metricsRequest(hookErrors))).toBe(200);
    const deadline = Date.now() + 20_000;
    while ((findSamples(samples, NATIVE_REQUEST_SERIES).length < 2 || findSamples(samples, "claude_code_hook_errors_total").length < 1) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      samples = await scrape(collector.prometheusUrl);
    }
  }, 60_000);
  afterAll(async () => {
    await collector?.stop();
  });

  it("counts Claude Code's api_request events of the main thread and subagents, by session and model, as source=claude-code", () => {
    const counted = findSamples(samples, NATIVE_REQUEST_SERIES).map((s) => [s.labels["source"], s.labels["session_id"], s.labels["model"], s.value]);
    expect(counted.sort()).toEqual([
      ["claude-code", "s-native", "claude-haiku-4-5", 1],
      ["claude-code", "s-native", "claude-sonnet-4-5", 3],
    ]);
  });

  it("the heartbeat's gauges, by component, host, user and version", () => {
    const labels = { source: "claude-code-otel", component: "hooks", host: hostname(), user: "dev-7", version: packageVersion() };
    const gauge = (name: string): number[] => findSamples(samples, name, labels).map((s) => s.value);
    expect(
      Object.values(HEALTH_SERIES).map((n) => [n, gauge(n)]),
      samples
        .filter((s) => s.name.startsWith("claude_code_telemetry"))
        .map((s) => `${s.name} ${JSON.stringify(s.labels)}`)
        .join("\n"),
    ).toEqual([
      ["claude_code_telemetry_heartbeat_seconds", [NOW / 1000]],
      ["claude_code_telemetry_outbox_requests", [12]],
      ["claude_code_telemetry_outbox_size_bytes", [34_567]],
      ["claude_code_telemetry_outbox_age_seconds", [2_700]],
      ["claude_code_telemetry_spool_triggers", [3]],
      ["claude_code_telemetry_log_errors", [2]],
    ]);
  });

  it("claude_code.hook.errors by event and whose hook", () => {
    expect(
      findSamples(samples, "claude_code_hook_errors_total", { source: "claude-code-otel", project: "demo", hook_event: "PostToolUse", hook: "claude-code-otel" }).map(
        (s) => s.value,
      ),
    ).toEqual([2]);
  });
});
