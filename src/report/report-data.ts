import type { Session } from "../model/types.js";
import type { ParseStats } from "../transcript/line-types.js";
import type { SessionDigest } from "./session-digest.js";
import { REQUEST_FIELDS, TOOL_CALL_FIELDS, digestSession } from "./session-digest.js";
import type { TokenTotals } from "../model/token-totals.js";
import type { SessionSummary } from "./session-summary.js";
import { cacheHitRatio } from "./session-summary.js";
import { dayOf } from "../util/day-of.js";
import { foldModelWarnings } from "../util/model-warnings.js";
import { UsdSum, roundUsd } from "../util/usd.js";

export interface ToolStats {
  tool: string;
  calls: number;
  failures: number;
  failureRate: number;
  /** What its calls cost: their attributed shares of the requests they took part in (model/tool-costs.ts). */
  costUsd: number;
}

export interface DailyRow {
  date: string;
  sessions: number;
  requests: number;
  tokens: TokenTotals;
  costUsd: number;
  toolCalls: number;
  toolFailures: number;
  compactions: number;
}

export interface ReportTotals {
  sessions: number;
  costUsd: number;
  costComplete: boolean;
  turns: number;
  requests: number;
  tokens: TokenTotals;
  toolCalls: number;
  toolFailures: number;
  failureRate: number;
  compactions: number;
  cacheHitRatio: number;
}

export interface ReportData {
  sessions: SessionSummary[];
  totals: ReportTotals;
  topTools: ToolStats[];
  topFailingTools: ToolStats[];
  /** The tools whose calls cost most (a share of `totals.costUsd`, never more). */
  topToolsByCost: ToolStats[];
  daily: DailyRow[];
  warnings: string[];
  parse: ParseStats & {
    files: number;
    /** Files of sessions with no activity (no timestamped prompt or response): summary-only files, stray JSONL. */
    skippedFiles?: number;
    unreadable: { path: string; reason: string }[];
    /** Sessions whose figures came from the report cache (their files unchanged, not read again). */
    cachedSessions?: number;
  };
}

/** Incrementally folds sessions into report data, so a large history is never held in memory. */
export class ReportBuilder {
  private readonly summaries: SessionSummary[] = [];
  private readonly tools = new Map<string, ToolStats>();
  private readonly days = new Map<string, DailyRow>();
  private readonly warnings: string[] = [];

  constructor(private readonly timeZone: string) {}

  add(session: Session): void {
    this.addDigest(digestSession(session));
  }

  addDigest(d: SessionDigest): void {
    this.summaries.push(d.summary);
    for (const w of d.warnings) this.warnings.push(`${d.summary.sessionId}: ${w}`);
    const tools = d.toolNames.map((name) => {
      let t = this.tools.get(name);
      if (t === undefined) {
        t = { tool: name, calls: 0, failures: 0, failureRate: 0, costUsd: 0 };
        this.tools.set(name, t);
      }
      return t;
    });
    for (let i = 0; i < d.toolCalls.length; i += TOOL_CALL_FIELDS) {
      const t = tools[d.toolCalls[i] as number] as ToolStats;
      const failed = d.toolCalls[i + 1] === 1;
      t.calls++;
      if (failed) t.failures++;
      t.costUsd += d.toolCalls[i + 3] as number;
      const day = this.day(d.toolCalls[i + 2] as number);
      day.toolCalls++;
      if (failed) day.toolFailures++;
    }
    const r = d.requests;
    for (let i = 0; i < r.length; i += REQUEST_FIELDS) {
      const day = this.day(r[i] as number);
      day.requests++;
      day.costUsd += r[i + 1] as number;
      day.tokens.input += r[i + 2] as number;
      day.tokens.output += r[i + 3] as number;
      day.tokens.cacheRead += r[i + 4] as number;
      day.tokens.cacheCreation += r[i + 5] as number;
    }
    for (const end of d.compactionEnds) this.day(end).compactions++;
    // Ledger-only cost (e.g. the compaction call) lands on the day the session ended; a session
    // that merely ends after midnight adds no row for the next day.
    if (d.summary.unattributedCostUsd !== 0) this.day(d.endTime).costUsd += d.summary.unattributedCostUsd;
    this.day(d.startTime).sessions++;
  }

  private day(ms: number): DailyRow {
    const date = dayOf(ms, this.timeZone);
    let row = this.days.get(date);
    if (row === undefined) {
      row = { date, sessions: 0, requests: 0, tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 }, costUsd: 0, toolCalls: 0, toolFailures: 0, compactions: 0 };
      this.days.set(date, row);
    }
    return row;
  }

  finish(parse: ReportData["parse"], topN = 10): ReportData {
    const sessions = [...this.summaries].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.sessionId.localeCompare(b.sessionId));
    const tokens: TokenTotals = { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };
    const costUsd = new UsdSum();
    let turns = 0;
    let requests = 0;
    let toolCalls = 0;
    let toolFailures = 0;
    let compactions = 0;
    let costComplete = true;
    for (const s of sessions) {
      costUsd.add(s.costUsd);
      turns += s.turns;
      requests += s.requests;
      toolCalls += s.toolCalls;
      toolFailures += s.toolFailures;
      compactions += s.compactions;
      costComplete &&= s.costComplete;
      tokens.input += s.tokens.input;
      tokens.output += s.tokens.output;
      tokens.cacheRead += s.tokens.cacheRead;
      tokens.cacheCreation += s.tokens.cacheCreation;
    }
    const tools = [...this.tools.values()].map((t) => ({ ...t, failureRate: t.calls === 0 ? 0 : t.failures / t.calls, costUsd: roundUsd(t.costUsd) }));
    const topTools = [...tools].sort((a, b) => b.calls - a.calls || a.tool.localeCompare(b.tool)).slice(0, topN);
    const topFailingTools = tools
      .filter((t) => t.failures > 0)
      .sort((a, b) => b.failures - a.failures || b.failureRate - a.failureRate || a.tool.localeCompare(b.tool))
      .slice(0, topN);
    const topToolsByCost = tools
      .filter((t) => t.costUsd > 0)
      .sort((a, b) => b.costUsd - a.costUsd || a.tool.localeCompare(b.tool))
      .slice(0, topN);
    const daily = [...this.days.values()].sort((a, b) => a.date.localeCompare(b.date)).map((d) => ({ ...d, costUsd: roundUsd(d.costUsd) }));
    return {
      sessions,
      totals: {
        sessions: sessions.length,
        costUsd: roundUsd(costUsd.value),
        costComplete,
        turns,
        requests,
        tokens,
        toolCalls,
        toolFailures,
        failureRate: toolCalls === 0 ? 0 : toolFailures / toolCalls,
        compactions,
        cacheHitRatio: cacheHitRatio(tokens),
      },
      topTools,
      topFailingTools,
      topToolsByCost,
      daily,
      warnings: foldModelWarnings(this.warnings),
      parse,
    };
  }
}
