/**
 * The hook's one extension point for stdout. Claude Code reads a hook's stdout (as context on
 * SessionStart / UserPromptSubmit, as JSON control on others), so the telemetry hook prints
 * nothing, except what this function returns: e.g. a `{"systemMessage": "..."}` JSON on Stop
 * for a cost alert (src/hooks/alerts*.ts). It runs after the trigger is spooled and the flusher
 * spawned, under a time limit (HOOK_OUTPUT_BUDGET_MS): slower answers are dropped and logged.
 * It must not throw (a throw is caught and logged) and must return one JSON object or undefined.
 */
import type { HookLog } from "./hook-log.js";
import type { HookPayload } from "./payload.js";

export interface HookOutputContext {
  /** `<state home>`: config, state, spool, outbox. */
  readonly stateHome: string;
  /** The parsed config file (`~/.claude/otel/config.json`), `{}` when absent or broken. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly env: NodeJS.ProcessEnv;
  readonly log: HookLog;
}

export const HOOK_OUTPUT_BUDGET_MS = 1_500;

export type HookOutput = (payload: HookPayload, context: HookOutputContext) => string | undefined | Promise<string | undefined>;

let current: HookOutput | undefined;

/** Installs the stdout producer (the alerts module). Undefined removes it. */
export function setHookOutput(fn: HookOutput | undefined): void {
  current = fn;
}

/**
 * What the hook prints for this payload; undefined (the default) prints nothing. Keep the fast
 * path fast: return undefined synchronously for events you do not handle.
 */
export function hookOutput(payload: HookPayload, context: HookOutputContext): string | undefined | Promise<string | undefined> {
  return current === undefined ? undefined : current(payload, context);
}
