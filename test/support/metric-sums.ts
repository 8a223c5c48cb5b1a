import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { DataPointType } from "@opentelemetry/sdk-metrics";

export interface MetricSums {
  sessions: number;
  costUsd: number;
  tokens: { input: number; output: number; cacheRead: number; cacheCreation: number };
  turns: number;
  toolCalls: number;
  toolFailures: number;
  compactions: number;
  sessionCostCount: number;
  sessionCostSum: number;
  toolDurationCount: number;
}

export function emptySums(): MetricSums {
  return {
    sessions: 0,
    costUsd: 0,
    tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 },
    turns: 0,
    toolCalls: 0,
    toolFailures: 0,
    compactions: 0,
    sessionCostCount: 0,
    sessionCostSum: 0,
    toolDurationCount: 0,
  };
}

/** Folds exported metric batches into report-comparable totals. */
export function addSums(into: MetricSums, rm: ResourceMetrics): MetricSums {
  for (const sm of rm.scopeMetrics) {
    for (const m of sm.metrics) {
      for (const dp of m.dataPoints) {
        const v = dp.value;
        if (m.dataPointType === DataPointType.SUM && typeof v === "number") {
          switch (m.descriptor.name) {
            case "claude_code.session.count":
              into.sessions += v;
              break;
            case "claude_code.cost.usage":
              into.costUsd += v;
              break;
            case "claude_code.cost.overcount":
              into.costUsd -= v;
              break;
            case "claude_code.token.usage":
              into.tokens[dp.attributes["type"] as keyof MetricSums["tokens"]] += v;
              break;
            case "claude_code.turn.count":
              into.turns += v;
              break;
            case "claude_code.tool.calls":
              into.toolCalls += v;
              if (dp.attributes["outcome"] === "failure") into.toolFailures += v;
              break;
            case "claude_code.compaction.count":
              into.compactions += v;
              break;
          }
        } else if (m.dataPointType === DataPointType.HISTOGRAM && typeof v === "object" && "buckets" in v) {
          if (m.descriptor.name === "claude_code.session.cost") {
            into.sessionCostCount += v.count;
            into.sessionCostSum += v.sum ?? 0;
          }
          if (m.descriptor.name === "claude_code.tool.duration") into.toolDurationCount += v.count;
        }
      }
    }
  }
  return into;
}
