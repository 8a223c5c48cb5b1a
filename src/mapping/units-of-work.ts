import type { Session } from "../model/types.js";

/**
 * Units of work: the granularity of exactly-once export. Every span and metric point names the
 * unit it comes from; a per-session ledger records the units already exported, so live hooks,
 * `watch` and `replay` never export one twice, whichever process gets there first.
 * Keys are stored in ledgers on disk: a contract, add kinds, never rename.
 */
export const UNIT_OF_WORK = {
  /** session.count: counted as soon as the session exists. */
  sessionStart: "session:start",
  /** The session span, session.cost and ledger cost no request explains: at the end only. */
  session: "session",
  /** The session span's provisional version (see provisionalUnit); its key predates the others'. */
  sessionOpen: "session:open",
  turn: (index: number) => `turn:${index}`,
  request: (requestKey: string) => `request:${requestKey}`,
  tool: (toolUseId: string) => `tool:${toolUseId}`,
  agent: (agentId: string) => `agent:${agentId}`,
  compaction: (uuid: string) => `compaction:${uuid}`,
  /** One of Claude Code's ledger lines: the cost correction it brings (complete once written). */
  ledger: (index: number) => `ledger:${index}`,
  /** The root of a LangSmith continuation trace (part 1 is the owner's own trace): complete with its owner. */
  langsmithPart: (ownerUnitKey: string, part: number) => `langsmith:${ownerUnitKey}/${part}`,
  /** A hook failure Claude Code recorded: its attachment line's uuid. */
  hookError: (id: string) => `hook-error:${id}`,
} as const;

/** A hook error's natural key: its line's uuid, else when and on which event (lines without uuid are from no release we know). */
export function hookErrorKey(e: { readonly uuid: string | undefined; readonly time: number; readonly event: string }): string {
  return e.uuid ?? `${e.time}:${e.event}`;
}

/**
 * The unit of a span's provisional version: sent ahead of its children while the span itself is
 * still open (a running turn, session, subagent or Agent call), so that no span ever reaches a
 * backend before its parent. Same span id as the final version, which follows once complete.
 */
export function provisionalUnit(unitKey: string): string {
  return unitKey === UNIT_OF_WORK.session ? UNIT_OF_WORK.sessionOpen : `${unitKey}#open`;
}

/**
 * Which units are complete, i.e. will not change as the transcript grows. `final` means the
 * session has ended (SessionEnd, `--final`, or replay saw it idle long enough).
 */
export function completeUnitKeys(session: Session, final: boolean): Set<string> {
  const keys = new Set<string>([UNIT_OF_WORK.sessionStart]);
  if (final) keys.add(UNIT_OF_WORK.session);
  const lastTurn = session.turns.length - 1;
  // A turn has ended when a later one exists.
  for (const t of session.turns) if (final || t.index < lastTurn) keys.add(UNIT_OF_WORK.turn(t.index));
  for (const r of session.requests) {
    // Before 2.1.97 the first copy of a response holds placeholder usage (no stop reason): wait for later activity.
    if (final || r.stopReason !== undefined || session.endTime > r.endTime) keys.add(UNIT_OF_WORK.request(r.key));
  }
  const toolDone = new Set<string>();
  for (const c of session.toolCalls) {
    if (final || c.outcome !== "pending") {
      keys.add(UNIT_OF_WORK.tool(c.id));
      toolDone.add(c.id);
    }
  }
  // A subagent is over when the tool call that started it has its result.
  for (const a of session.subagents) {
    if (final || (a.parentToolUseId !== undefined && toolDone.has(a.parentToolUseId))) keys.add(UNIT_OF_WORK.agent(a.agentId));
  }
  // The compaction's cost is known only once a ledger line follows it.
  for (const c of session.compactions) if (final || c.unattributedCostUsd !== undefined) keys.add(UNIT_OF_WORK.compaction(c.uuid));
  for (const l of session.ledger) keys.add(UNIT_OF_WORK.ledger(l.index));
  for (const e of session.hookErrors) keys.add(UNIT_OF_WORK.hookError(hookErrorKey(e)));
  return keys;
}

/**
 * Complete units whose span waits although their points go: a compaction's span carries what the
 * session read again after it, known only when the session is over. Its count and cost leave at once.
 */
export function heldSpanUnitKeys(session: Session, final: boolean): Set<string> {
  const held = new Set<string>();
  if (!final) for (const c of session.compactions) held.add(UNIT_OF_WORK.compaction(c.uuid));
  return held;
}
