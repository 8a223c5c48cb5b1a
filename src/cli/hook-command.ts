/**
 * `hook` and `hook-alerts` as CLI commands: their help. Claude Code's own runs never come here:
 * bin/ sends `hook` and `hook-alerts` straight to their small entry modules unless the next
 * argument asks for help (the fast path pays one string comparison for it).
 */
import { boolOpt, parseOptions } from "./args.js";
import type { CliIO } from "./output.js";
import { EXIT } from "./output.js";

export const HOOK_HELP = `Usage: claude-code-otel hook

What Claude Code runs on every hook event, once "claude-code-otel install" has put it in its
settings: reads the event's JSON payload on stdin, queues a trigger in ~/.claude/otel/spool for
the flusher (started in the background), and exits 0 with no output, whatever happens.
Not for typing at a prompt: "claude-code-otel flush" sends what is queued, "doctor" checks the set-up.
`;

export const HOOK_ALERTS_HELP = `Usage: claude-code-otel hook-alerts

The synchronous Stop hook that "claude-code-otel install --alert-usd <usd>" adds: reads the Stop
event's JSON payload on stdin and, the first time the session's cost crosses a threshold, prints
Claude Code's {"systemMessage": ...} (and posts to Slack with --slack-webhook). Exits 0 whatever
happens. Not for typing at a prompt: "claude-code-otel report" shows each session's cost.
`;

async function helpOrRun(argv: string[], io: CliIO, help: string, run: () => Promise<void>): Promise<number> {
  const p = parseOptions(argv, { help: { type: "boolean", short: "h" } });
  if (boolOpt(p, "help")) {
    io.out(help);
    return EXIT.ok;
  }
  // Exits the process itself (code 0, whatever happens): stdout belongs to Claude Code.
  await run();
  return EXIT.ok;
}

export async function hookCommand(argv: string[], io: CliIO): Promise<number> {
  return helpOrRun(argv, io, HOOK_HELP, async () => (await import("../hook/hook-main.js")).hookProcess());
}

export async function hookAlertsCommand(argv: string[], io: CliIO): Promise<number> {
  return helpOrRun(argv, io, HOOK_ALERTS_HELP, async () => (await import("../alerts/alerts-main.js")).alertsHookProcess());
}
