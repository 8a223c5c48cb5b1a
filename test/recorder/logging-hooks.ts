/**
 * A logging hook for every Claude Code hook event: a tiny node script that appends each
 * payload (stdin) as one line to a JSONL file. Prints nothing and always exits 0, so it never
 * changes what Claude Code does.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Hook events of Claude Code 2.1.330 (from its settings schema). WorktreeCreate/WorktreeRemove
 * are left out on purpose: a command hook there *replaces* worktree creation.
 */
export const HOOK_EVENTS = [
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
] as const;

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
 * (three-level hooks shape) that runs it for every event, logging to `logFile`.
 */
export function loggingHookSettings(home: string, logFile: string): { hooks: Record<string, unknown[]> } {
  const dir = join(home, ".claude", "hooks");
  mkdirSync(dir, { recursive: true });
  const script = join(dir, "log-hook.cjs");
  writeFileSync(script, LOGGER_SOURCE);
  const command = `node ${JSON.stringify(script)} ${JSON.stringify(logFile)}`;
  const hooks: Record<string, unknown[]> = {};
  for (const event of HOOK_EVENTS) {
    hooks[event] = [{ matcher: "*", hooks: [{ type: "command", command, timeout: 10 }] }];
  }
  return { hooks };
}
