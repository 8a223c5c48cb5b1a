import { oneLine } from "../util/terminal-safe.js";
import { bytes, count, duration, localTime, percent, plural, shortModel, tokens, usd } from "./format.js";
import type { ReportData, ToolStats } from "./report-data.js";
import type { TokenTotals } from "../model/token-totals.js";
import type { Column, Style } from "./table.js";
import { renderTable } from "./table.js";

export interface RenderOptions {
  readonly style: Style;
  readonly timeZone: string;
  readonly daily: boolean;
  readonly verbose: boolean;
  /** Characters per line the tables must fit in (the terminal's width). */
  readonly width: number;
}

/** Failure-rate colours match the dashboards: green < 3%, yellow 3–7%, red > 7%. */
export function rateColour(rate: number, style: Style): (s: string) => string {
  if (rate > 0.07) return style.red;
  if (rate >= 0.03) return style.yellow;
  return style.green;
}

export function renderReport(data: ReportData, options: RenderOptions): string {
  const { style, width } = options;
  const parts: string[] = [];
  const t = data.totals;
  parts.push(style.bold(`Claude Code sessions: ${count(t.sessions)}`) + style.dim(`  (${plural(data.parse.files, "file")}, ${bytes(data.parse.bytes)})`) + "\n\n");
  parts.push(sessionTable(data, options));
  if (!t.costComplete) parts.push(style.yellow("* cost incomplete: a model has no known price (see warnings)\n"));

  parts.push("\n" + style.bold("Top tools") + "\n" + toolTable(data.topTools, style, width));
  if (data.topFailingTools.length > 0) parts.push("\n" + style.bold("Top failing tools") + "\n" + toolTable(data.topFailingTools, style, width));
  if (data.topToolsByCost.length > 0) parts.push("\n" + style.bold("Top tools by cost") + "\n" + toolCostTable(data.topToolsByCost, t.costUsd, style, width));
  if (options.daily) parts.push("\n" + style.bold("Daily") + "\n" + dailyTable(data, style, width));
  parts.push(parseNote(data, options.verbose, style));
  return parts.join("");
}

const r = "right" as const;

/** One row per session, and the totals. */
function sessionTable(data: ReportData, options: RenderOptions): string {
  const { style } = options;
  const t = data.totals;
  const sessionRows = data.sessions.map((s) => [
    s.sessionId.slice(0, 8),
    oneLine(s.project),
    localTime(s.startedAt, options.timeZone),
    duration(s.durationMs),
    oneLine(s.models.map(shortModel).join(",")),
    count(s.turns),
    count(s.requests),
    ...tokenCells(s.tokens),
    style.yellow(usd(s.costUsd) + (s.costComplete ? "" : "*")),
    count(s.toolCalls),
    count(s.toolFailures),
    rateColour(s.failureRate, style)(percent(s.failureRate)),
    count(s.compactions),
    percent(s.cacheHitRatio),
  ]);
  sessionRows.push([
    style.bold("TOTAL"),
    "",
    "",
    "",
    "",
    style.bold(count(t.turns)),
    style.bold(count(t.requests)),
    ...tokenCells(t.tokens).map(style.bold),
    style.bold(style.yellow(usd(t.costUsd) + (t.costComplete ? "" : "*"))),
    style.bold(count(t.toolCalls)),
    style.bold(count(t.toolFailures)),
    rateColour(t.failureRate, style)(percent(t.failureRate)),
    style.bold(count(t.compactions)),
    percent(t.cacheHitRatio),
  ]);
  return renderTable(
    [
      { header: "Session" },
      { header: "Project", shrinkTo: 8 },
      { header: "Started" },
      { header: "Duration", align: r, hideRank: 9 },
      { header: "Models", shrinkTo: 8, hideRank: 10 },
      { header: "Turns", align: r, hideRank: 8 },
      { header: "Reqs", align: r },
      ...TOKEN_COLUMNS,
      { header: "Cost", align: r },
      { header: "Tools", align: r },
      { header: "Fail", align: r },
      { header: "Fail %", align: r, hideRank: 3 },
      { header: "Compact", align: r, hideRank: 2 },
      { header: "Cache hit", align: r, hideRank: 1 },
    ],
    sessionRows,
    style,
    options.width,
  );
}

function dailyTable(data: ReportData, style: Style, width: number): string {
  return renderTable(
    [
      { header: "Date" },
      { header: "Sessions", align: r },
      { header: "Reqs", align: r },
      ...TOKEN_COLUMNS,
      { header: "Cost", align: r },
      { header: "Tools", align: r },
      { header: "Fail", align: r },
      { header: "Compact", align: r, hideRank: 2 },
    ],
    data.daily.map((d) => [
      d.date,
      count(d.sessions),
      count(d.requests),
      ...tokenCells(d.tokens),
      style.yellow(usd(d.costUsd)),
      count(d.toolCalls),
      count(d.toolFailures),
      count(d.compactions),
    ]),
    style,
    width,
  );
}

/** What was read: every count with --verbose, else only the invalid lines. */
function parseNote(data: ReportData, verbose: boolean, style: Style): string {
  const p = data.parse;
  if (verbose) {
    const unknown =
      Object.entries(p.unknownTypes)
        .map(([k, v]) => `${oneLine(k)}×${v}`)
        .join(", ") || "none";
    return (
      "\n" +
      style.dim(
        `Lines: ${count(p.lines)} (${count(p.parsed)} parsed, ${count(p.skipped)} skipped by head, ${count(p.invalid)} invalid); unknown types: ${unknown}` +
          (p.skippedFiles !== undefined && p.skippedFiles > 0
            ? `\n${plural(p.skippedFiles, "file")} without a timestamped prompt or response (summary-only, or not a transcript): skipped`
            : "") +
          (p.cachedSessions !== undefined && p.cachedSessions > 0
            ? `\n${count(p.cachedSessions)} sessions unchanged since the last report: figures from the report cache (--no-cache reads them again)`
            : ""),
      ) +
      "\n"
    );
  }
  return p.invalid > 0 ? "\n" + style.dim(`${count(p.invalid)} invalid lines skipped (--verbose for details)`) + "\n" : "";
}

/** Tokens by type, in the same four columns everywhere; on a narrow terminal the cache columns go first. */
const TOKEN_COLUMNS: readonly Column[] = [
  { header: "Input", align: "right", hideRank: 6 },
  { header: "Output", align: "right", hideRank: 7 },
  { header: "Cache rd", align: "right", hideRank: 5 },
  { header: "Cache wr", align: "right", hideRank: 4 },
];

function tokenCells(t: TokenTotals): string[] {
  return [tokens(t.input), tokens(t.output), tokens(t.cacheRead), tokens(t.cacheCreation)];
}

function toolTable(tools: readonly ToolStats[], style: Style, width: number): string {
  return renderTable(
    [
      { header: "Tool", shrinkTo: 12 },
      { header: "Calls", align: "right" },
      { header: "Failures", align: "right" },
      { header: "Fail %", align: "right" },
    ],
    tools.map((t) => [oneLine(t.tool), count(t.calls), count(t.failures), rateColour(t.failureRate, style)(percent(t.failureRate))]),
    style,
    width,
  );
}

/** What each tool's calls cost: their attributed shares of the requests (README, Cost per tool call). */
function toolCostTable(tools: readonly ToolStats[], totalUsd: number, style: Style, width: number): string {
  return renderTable(
    [
      { header: "Tool", shrinkTo: 12 },
      { header: "Calls", align: "right" },
      { header: "Cost", align: "right" },
      { header: "Per call", align: "right", hideRank: 2 },
      { header: "Of total", align: "right", hideRank: 1 },
    ],
    tools.map((t) => [oneLine(t.tool), count(t.calls), style.yellow(usd(t.costUsd)), usd(t.costUsd / t.calls), percent(totalUsd > 0 ? t.costUsd / totalUsd : 0)]),
    style,
    width,
  );
}
