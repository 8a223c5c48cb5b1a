import { compactionDetails } from "../report/compaction-details.js";
import { renderCompactions } from "../report/render-compactions.js";
import { makeStyle } from "../report/table.js";
import { SOURCE_OPTIONS, UsageError, boolOpt, parseOptions, stringOpt } from "./args.js";
import type { CliIO } from "./output.js";
import { EXIT } from "./output.js";
import { findOneSession, resolveSourceOptions } from "./source-options.js";

export const COMPACTIONS_HELP = `Usage: claude-code-otel compactions <session-id> [options]

Every compaction of a session: its tokens, the summarising call's cost and the cache rebuild it
caused, what left the context (tool outputs, the files read, which came back whole), and the lost
files the session read again afterwards, with what re-reading cost in time and money.

Options:
  --json                 print as JSON (the session's compactionDetails, as in report --json)
  --projects-dir <dir>   transcripts folder (default: $CLAUDE_CONFIG_DIR/projects or ~/.claude/projects)
  --timezone <tz>        time zone for times (default: TZ or the system's)
  --config <file>        config file with price overrides (default: ~/.claude/otel/config.json)
`;

export async function compactionsCommand(argv: string[], io: CliIO): Promise<number> {
  const p = parseOptions(argv, { ...SOURCE_OPTIONS, json: { type: "boolean" }, help: { type: "boolean", short: "h" } }, { positionals: 1 });
  if (boolOpt(p, "help")) {
    io.out(COMPACTIONS_HELP);
    return EXIT.ok;
  }
  const sessionId = p.positionals[0] ?? stringOpt(p, "session");
  if (sessionId === undefined || sessionId === "") throw new UsageError("compactions needs a session id: claude-code-otel compactions <session-id>");
  const source = await resolveSourceOptions(p, io);
  const session = await findOneSession(source, sessionId, io);
  if (typeof session === "number") return session;
  const details = compactionDetails(session);
  if (boolOpt(p, "json")) {
    io.out(JSON.stringify({ sessionId: session.sessionId, project: session.project, compactions: details.length, compactionDetails: details }, null, 2) + "\n");
    return EXIT.ok;
  }
  const view = { sessionId: session.sessionId, project: session.project, startedAt: session.startTime, cwd: session.cwd, compactions: details };
  io.out(renderCompactions(view, makeStyle(io.color), source.timeZone, io.columns));
  return EXIT.ok;
}
