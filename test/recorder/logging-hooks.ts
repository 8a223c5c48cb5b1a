/**
 * A logging hook for every Claude Code hook event: a tiny node script that appends each
 * payload (stdin) as one line to a JSONL file. Prints nothing and always exits 0, so it never
 * changes what Claude Code does.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ClaudeCli } from "./claude-cli.js";

/**
 * Hook events of Claude Code 2.1.330 (from its settings schema). WorktreeCreate/WorktreeRemove
 * are left out on purpose: a command hook there *replaces* worktree creation.
 */
export const HOOK_EVENTS: readonly string[] = [
  "PreToolUse",
  "PostToolUse",
  "PostToolUseFailure",
  "PostToolBatch",
  "Notification",
  "UserPromptSubmit",
  "UserPromptExpansion",
  "SessionStart",
  "SessionEnd",
  "Stop",
  "StopFailure",
  "SubagentStart",
  "SubagentStop",
  "PreCompact",
  "PostCompact",
  "PreModelSwitch",
  "PostModelSwitch",
  "PermissionRequest",
  "PermissionDenied",
  "Setup",
  "TeammateIdle",
  "TaskCreated",
  "TaskCompleted",
  "Elicitation",
  "ElicitationResult",
  "ConfigChange",
  "InstructionsLoaded",
  "CwdChanged",
  "FileChanged",
  "DirectoryAdded",
  "MessageDisplay",
];

/** Events whose command hook changes what Claude Code does, so a logger must never take them. */
const NOT_LOGGED = new Set(["WorktreeCreate", "WorktreeRemove"]);

/**
 * The hook events a CLI release knows, read from its own code: the longest string array that
 * starts with "PreToolUse","PostToolUse" (its settings schema's event list). A release rejects
 * the whole `hooks` setting when it names an event it does not know, so a recording must give
 * each release its own list. Falls back to {@link HOOK_EVENTS} when nothing is found.
 */
export function hookEventsOf(cli: ClaudeCli): string[] {
  const file = cli.kind === "js" ? cli.args[0]! : cli.command;
  let found = "";
  try {
    // grep -a reads the 200+ MB native binary in a fraction of a second; Node would need it in memory.
    found = execFileSync("grep", ["-ao", '\\["PreToolUse","PostToolUse"[^]]*\\]', file], { encoding: "utf8", maxBuffer: 16 << 20 });
  } catch {
    return [...HOOK_EVENTS];
  }
  let longest: string[] = [];
  for (const line of found.split("\n")) {
    try {
      const events = JSON.parse(line) as unknown;
      if (Array.isArray(events) && events.every((e) => typeof e === "string") && events.length > longest.length) longest = events as string[];
    } catch {
      // a match that is not a plain JSON array (minified code around it): skip
    }
  }
  return longest.length === 0 ? [...HOOK_EVENTS] : longest.filter((event) => !NOT_LOGGED.has(event));
}

const LOGGER_SOURCE = `// Appends one hook payload (stdin) per line to the file named by argv[2]. Silent; exit 0.
const fs = require("node:fs");
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  const raw = Buffer.concat(chunks).toString("utf8");
  let line;
  try { line = JSON.stringify(JSON.parse(raw)); } catch { line = JSON.stringify({ unparsedHookInput: raw }); }
  try { fs.appendFileSync(process.argv[2], line + "\\n"); } catch {}
  process.exit(0);
});
`;

/**
 * Writes the logger script to `<home>/.claude/hooks/log-hook.cjs` and returns a settings object
 * (three-level hooks shape) that runs it for every event in `events` (default: 2.1.330's),
 * logging to `logFile`.
 */
export function loggingHookSettings(home: string, logFile: string, events: readonly string[] = HOOK_EVENTS): { hooks: Record<string, unknown[]> } {
  const dir = join(home, ".claude", "hooks");
  mkdirSync(dir, { recursive: true });
  const script = join(dir, "log-hook.cjs");
  writeFileSync(script, LOGGER_SOURCE);
  const command = `node ${JSON.stringify(script)} ${JSON.stringify(logFile)}`;
  const hooks: Record<string, unknown[]> = {};
  for (const event of events) {
    hooks[event] = [{ matcher: "*", hooks: [{ type: "command", command, timeout: 10 }] }];
  }
  return { hooks };
}
