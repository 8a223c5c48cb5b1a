import type { Session, ToolCall } from "../model/types.js";
import { redactSecrets, truncate } from "../redact/redact.js";
import { duration, localTime, plural } from "../report/format.js";
import { makeStyle, renderTable, wrapWords } from "../report/table.js";
import { oneLine } from "../util/terminal-safe.js";
import { SOURCE_OPTIONS, UsageError, boolOpt, numberOpt, parseOptions, stringOpt } from "./args.js";
import type { CliIO } from "./output.js";
import { EXIT } from "./output.js";
import { findOneSession, resolveSourceOptions } from "./source-options.js";

export const ERRORS_HELP = `Usage: claude-code-otel errors <session-id> [options]

Every failed tool call of a session: the call that caused it, its error, and where it happened.

Options:
  --json                 print as JSON
  --width <n>            characters of error text to keep at most (default 160); the table is
                         also fitted to the terminal (its width, else COLUMNS, else 160)
  --projects-dir <dir>   transcripts folder (default: $CLAUDE_CONFIG_DIR/projects or ~/.claude/projects)
`;

export interface FailedCall {
  toolUseId: string;
  tool: string;
  target: string | null;
  error: string;
  at: string;
  offsetMs: number;
  turn: number | null;
  agent: string;
}

/** Pure: the failed calls of a session, redacted and truncated, in order. */
export function failedCalls(session: Session, maxError: number): FailedCall[] {
  const agentType = new Map(session.subagents.map((s) => [s.agentId, s.agentType]));
  return session.toolCalls
    .filter((c): c is ToolCall & { outcome: "failure" } => c.outcome === "failure")
    .map((c) => ({
      toolUseId: c.id,
      tool: c.name,
      target: c.target === undefined ? null : truncate(redactSecrets(c.target), 200),
      error: truncate(redactSecrets(c.errorText ?? ""), maxError),
      at: new Date(c.endTime ?? c.startTime).toISOString(),
      offsetMs: (c.endTime ?? c.startTime) - session.startTime,
      turn: c.turnIndex === undefined ? null : c.turnIndex + 1,
      agent: c.agentId === undefined ? "main" : `${agentType.get(c.agentId) ?? "subagent"} (${c.agentId})`,
    }));
}

export async function errorsCommand(argv: string[], io: CliIO): Promise<number> {
  const p = parseOptions(argv, { ...SOURCE_OPTIONS, json: { type: "boolean" }, width: { type: "string" }, help: { type: "boolean", short: "h" } }, { positionals: 1 });
  if (boolOpt(p, "help")) {
    io.out(ERRORS_HELP);
    return EXIT.ok;
  }
  const sessionId = p.positionals[0] ?? stringOpt(p, "session");
  if (sessionId === undefined || sessionId === "") throw new UsageError("errors needs a session id: claude-code-otel errors <session-id>");
  const width = numberOpt(p, "width", { min: 10, integer: true }) ?? 160;
  const source = await resolveSourceOptions(p, io);
  const session = await findOneSession(source, sessionId, io);
  if (typeof session === "number") return session;
  const failures = failedCalls(session, width);
  if (boolOpt(p, "json")) {
    io.out(JSON.stringify({ sessionId: session.sessionId, project: session.project, toolCalls: session.toolCalls.length, failures }, null, 2) + "\n");
    return EXIT.ok;
  }
  const style = makeStyle(io.color);
  const heading =
    style.bold(`Session ${session.sessionId}`) +
    ` (${oneLine(session.project)}, ${localTime(session.startTime, source.timeZone)}): ` +
    `${failures.length} of ${plural(session.toolCalls.length, "tool call")} failed`;
  io.out(`${wrapWords(heading, io.columns).join("\n")}\n\n`);
  if (failures.length === 0) return EXIT.ok;
  io.out(
    renderTable(
      [
        { header: "#" },
        { header: "When" },
        { header: "Turn", hideRank: 1 },
        { header: "Agent", shrinkTo: 10 },
        { header: "Tool", shrinkTo: 10 },
        { header: "Call", shrinkTo: 14 },
        { header: "Error", shrinkTo: 24 },
      ],
      failures.map((f, i) => [
        String(i + 1),
        `+${duration(f.offsetMs)}`,
        f.turn === null ? "-" : String(f.turn),
        oneLine(f.agent),
        style.cyan(oneLine(f.tool)),
        oneLine(truncate(f.target ?? "", 60)),
        style.red(oneLine(f.error)),
      ]),
      style,
      io.columns,
    ),
  );
  return EXIT.ok;
}
