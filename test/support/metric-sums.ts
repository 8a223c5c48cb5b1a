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
  /** The GenAI conventions' metrics (v0.1.0). */
  genAi: GenAiSums;
}

export interface GenAiSums {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Points per instrument and, for histograms, the count and sum of what they recorded. */
  operationInputCount: number;
  operationInputSum: number;
  operationOutputSum: number;
  inferenceDurationCount: number;
  executeToolCount: number;
  invokeAgentCount: number;
  inferenceCallsSum: number;
  toolCallsSum: number;
  /** Every gen_ai.token.modality seen on the usage counters. */
  modalities: string[];
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
    genAi: {
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      operationInputCount: 0,
      operationInputSum: 0,
      operationOutputSum: 0,
      inferenceDurationCount: 0,
      executeToolCount: 0,
      invokeAgentCount: 0,
      inferenceCallsSum: 0,
      toolCallsSum: 0,
      modalities: [],
    },
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
            case "gen_ai.client.inference.usage.input_tokens":
              into.genAi.inputTokens += v;
              break;
            case "gen_ai.client.inference.usage.output_tokens":
              into.genAi.outputTokens += v;
              break;
            case "gen_ai.client.inference.usage.cache_read.input_tokens":
              into.genAi.cacheReadTokens += v;
              break;
            case "gen_ai.client.inference.usage.cache_write.input_tokens":
              into.genAi.cacheWriteTokens += v;
              break;
          }
          const modality = dp.attributes["gen_ai.token.modality"];
          if (typeof modality === "string" && !into.genAi.modalities.includes(modality)) into.genAi.modalities.push(modality);
        } else if (m.dataPointType === DataPointType.HISTOGRAM && typeof v === "object" && "buckets" in v) {
          if (m.descriptor.name === "claude_code.session.cost") {
            into.sessionCostCount += v.count;
            into.sessionCostSum += v.sum ?? 0;
          }
          const g = into.genAi;
          switch (m.descriptor.name) {
            case "claude_code.tool.duration":
              into.toolDurationCount += v.count;
              break;
            case "gen_ai.client.inference.operation.input_tokens":
              g.operationInputCount += v.count;
              g.operationInputSum += v.sum ?? 0;
              break;
            case "gen_ai.client.inference.operation.output_tokens":
              g.operationOutputSum += v.sum ?? 0;
              break;
            case "gen_ai.client.inference.duration":
              g.inferenceDurationCount += v.count;
              break;
            case "gen_ai.execute_tool.duration":
              g.executeToolCount += v.count;
              break;
            case "gen_ai.invoke_agent.duration":
              g.invokeAgentCount += v.count;
              break;
            case "gen_ai.invoke_agent.inference_calls":
              g.inferenceCallsSum += v.sum ?? 0;
              break;
            case "gen_ai.invoke_agent.tool_calls":
              g.toolCallsSum += v.sum ?? 0;
              break;
          }
        }
      }
    }
  }
  return into;
}
