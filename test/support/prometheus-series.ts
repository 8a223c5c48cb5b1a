// The Prometheus series names of every instrument in src/semconv/names.ts (METRIC), as the
// collector's prometheus exporter writes them (UnderscoreEscapingWithSuffixes: dots to
// underscores, the unit as a suffix unless it is a {annotation}, _total on counters).
// test/deploy/collector-metrics.test.ts proves this list against a real collector fed by our
// own mapping and encoder; the dashboard and rule tests accept only names from it.
import { METRIC } from "../../src/semconv/names.js";
import type { HealthMetricKey, MetricKey } from "../../src/semconv/names.js";

/** The family name (without _total / _bucket / _sum / _count) of each instrument. */
export const PROMETHEUS_FAMILY: Readonly<Record<MetricKey, string>> = {
  sessionCount: "claude_code_session_count",
  costUsage: "claude_code_cost_usage_USD",
  costOvercount: "claude_code_cost_overcount_USD",
  tokenUsage: "claude_code_token_usage_tokens",
  tokenUnpriced: "claude_code_token_unpriced_tokens",
  turnCount: "claude_code_turn_count",
  toolCalls: "claude_code_tool_calls",
  toolDuration: "claude_code_tool_duration_seconds",
  compactionCount: "claude_code_compaction_count",
  hookErrors: "claude_code_hook_errors",
  compactionRereads: "claude_code_compaction_rereads",
  toolCost: "claude_code_tool_cost_USD",
  sessionCost: "claude_code_session_cost_USD",
  inferenceInputTokens: "gen_ai_client_inference_usage_input_tokens",
  inferenceOutputTokens: "gen_ai_client_inference_usage_output_tokens",
  inferenceCacheReadTokens: "gen_ai_client_inference_usage_cache_read_input_tokens",
  inferenceCacheWriteTokens: "gen_ai_client_inference_usage_cache_write_input_tokens",
  inferenceOperationInputTokens: "gen_ai_client_inference_operation_input_tokens",
  inferenceOperationOutputTokens: "gen_ai_client_inference_operation_output_tokens",
  inferenceDuration: "gen_ai_client_inference_duration_seconds",
  executeToolDuration: "gen_ai_execute_tool_duration_seconds",
  invokeAgentDuration: "gen_ai_invoke_agent_duration_seconds",
  invokeAgentInferenceCalls: "gen_ai_invoke_agent_inference_calls",
  invokeAgentToolCalls: "gen_ai_invoke_agent_tool_calls",
  genAiTokenUsage: "gen_ai_client_token_usage",
};

/** Every series name of one instrument. */
export function seriesNames(key: MetricKey): string[] {
  const family = PROMETHEUS_FAMILY[key];
  return METRIC[key].kind === "counter" ? [`${family}_total`] : ["_bucket", "_sum", "_count"].map((s) => `${family}${s}`);
}

/** Every series name we write; the v1.41.0 ones only with gen_ai_latest_experimental/dup. */
export const ALL_SERIES: ReadonlySet<string> = new Set((Object.keys(METRIC) as MetricKey[]).flatMap(seriesNames));

/**
 * The heartbeat's gauges (HEALTH_METRIC), as the collector writes them: gauges take no _total.
 * test/deploy/collector-health.test.ts proves them against a real collector.
 */
export const HEALTH_SERIES: Readonly<Record<HealthMetricKey, string>> = {
  heartbeat: "claude_code_telemetry_heartbeat_seconds",
  outboxRequests: "claude_code_telemetry_outbox_requests",
  outboxBytes: "claude_code_telemetry_outbox_size_bytes",
  outboxAge: "claude_code_telemetry_outbox_age_seconds",
  spoolTriggers: "claude_code_telemetry_spool_triggers",
  logErrors: "claude_code_telemetry_log_errors",
};

/** The collector's own count of Claude Code's api_request events (collector/config.yaml, count/claude_code_native). */
export const NATIVE_REQUEST_SERIES = "claude_code_native_api_request_count_total";

/** Every series the collector writes for us: our instruments, the heartbeat's gauges, and its count of Claude Code's own events. */
export const COLLECTOR_SERIES: ReadonlySet<string> = new Set([...ALL_SERIES, ...Object.values(HEALTH_SERIES), NATIVE_REQUEST_SERIES]);
