/**
 * Who started a turn. Only a person's prompt is a user turn; Claude Code also starts turns itself
 * (a background task's notification, a scheduled task, a /loop wakeup, auto-continuation, a peer's
 * message): those are agent invocations, counted apart from user turns.
 *
 * Sources, first that says wins: the prompt line's `turnOrigin`, then its `promptSource` (both in
 * transcripts since 2.1.x), then the UserPromptSubmit hook's `source` (declared in 2.1.330's hook
 * schema, "may be omitted while the field rolls out": recorded by the hooks when present,
 * state/prompt-origins.ts). Nothing says: a user turn, as before these fields existed.
 */
export type TurnOrigin = "user" | "system" | "schedule" | "loop";

/** `turnOrigin` values: Claude Code's own not-a-person list (2.1.332), and the two a person's prompt carries. Maps: a key such as "constructor" finds nothing. */
const TRANSCRIPT_ORIGIN: ReadonlyMap<string, TurnOrigin> = new Map([
  ["human", "user"],
  ["sdk", "user"],
  ["scheduled", "schedule"],
  ["task_notification", "system"],
  ["auto_continuation", "system"],
  ["peer", "system"],
  ["host_synthetic", "system"],
  ["system", "system"],
]);

/** UserPromptSubmit `source` values (2.1.330's hook schema). */
const HOOK_SOURCE_ORIGIN: ReadonlyMap<string, TurnOrigin> = new Map([
  ["user", "user"],
  ["sdk", "user"],
  ["system", "system"],
  ["poll_event", "system"],
  ["schedule_wakeup", "schedule"],
  ["loop_wakeup", "loop"],
]);

/** `promptSource` values that name a machine. */
const PROMPT_SOURCE_ORIGIN: ReadonlyMap<string, TurnOrigin> = new Map([["system", "system"]]);

/** The origin a prompt line records, or undefined when it records none we know. */
export function transcriptTurnOrigin(line: { readonly turnOrigin: string | undefined; readonly promptSource: string | undefined }): TurnOrigin | undefined {
  return (
    (line.turnOrigin !== undefined ? TRANSCRIPT_ORIGIN.get(line.turnOrigin) : undefined) ??
    (line.promptSource !== undefined ? PROMPT_SOURCE_ORIGIN.get(line.promptSource) : undefined)
  );
}

/** The origin a UserPromptSubmit `source` names, or undefined for an unknown value. */
export function hookSourceOrigin(source: string): TurnOrigin | undefined {
  return HOOK_SOURCE_ORIGIN.get(source);
}

/** A turn a person started (or one nothing tells apart from that). */
export function isUserTurn(turn: { readonly origin: TurnOrigin | undefined }): boolean {
  return turn.origin === undefined || turn.origin === "user";
}
