/**
 * Hooks that failed, as Claude Code recorded them (`attachment` lines, parse-line.ts). Whose hook
 * it was is known where Claude Code kept the command (not on every async response) or where the
 * error names this package.
 */
import type { HookErrorLine } from "../transcript/line-types.js";
import type { HookError } from "./types.js";

const OURS = "claude-code-otel";

export function finishHookErrors(lines: readonly HookErrorLine[]): HookError[] {
  const errors: HookError[] = [];
  for (const l of lines) {
    errors.push({
      uuid: l.uuid,
      time: l.timestamp ?? 0,
      event: l.event,
      failure: l.failure,
      exitCode: l.exitCode,
      owner: (l.command ?? "").includes(OURS) || l.stderr.includes(OURS) ? "claude-code-otel" : "unknown",
      command: l.command,
      sidechain: l.isSidechain,
    });
  }
  errors.sort((a, b) => a.time - b.time);
  return errors;
}
