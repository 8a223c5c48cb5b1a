/**
 * The flusher's step for one session: rebuild it from its transcript (re-reading while the
 * transcript lags the hooks), apply Claude Code's measured tool durations, and plan and write
 * what its destination has not received yet into the destination's outbox.
 */
import type { TelemetrySink } from "../delivery/sink.js";
import type { HookLog } from "../hook/hook-log.js";
import type { Trigger } from "../hook/spool.js";
import type { DestinationOptions } from "../mapping/destinations/index.js";
import { readSessionSync } from "../model/read-session.js";
import type { Pricer } from "../model/pricer.js";
import type { Session } from "../model/types.js";
import { cursorsOfSync, exportSession } from "../pipeline/export-session.js";
import { recordSessionEnd } from "../state/session-end.js";
import { applyToolDurations, deferUnmeasured, loadToolDurationsSync, recordToolDurationsSync } from "../state/tool-durations.js";
import { applyPromptSources, loadPromptSourcesSync, recordPromptSourcesSync } from "../state/prompt-origins.js";
import { textHash } from "../util/text-hash.js";
import type { SessionSource } from "../transcript/discover.js";
import { discoverSessionSync, filesOf } from "../transcript/discover.js";

export interface FlushSessionContext {
  /** The destination's ledgers (its pass's ledger dir). */
  readonly ledgerDir: string;
  /** The shared state folder: measured tool durations and SessionEnd times. */
  readonly factsDir: string;
  readonly sink: TelemetrySink;
  readonly pricer: Pricer;
  /** Where the pricer's learned rates are kept (pipeline/learning-pricer.ts). */
  readonly learning?: { refresh(): void; save(): void };
  readonly captureContent: boolean;
  readonly destinations: DestinationOptions;
  readonly provisionalSpans: boolean;
  /** The destination is LangSmith itself (plan-export.ts). */
  readonly langsmithShape: boolean;
  /** The opt-in session.id label on metric points (config/metric-session-id.ts). */
  readonly includeSessionId: boolean;
  /** The v1.41.0 GenAI names beside the current ones (config/semconv-opt-in.ts). */
  readonly legacyGenAiNames: boolean;
  readonly log: HookLog;
  readonly transcriptWaitMs: number;
}

export interface SessionOutcome {
  readonly spans: number;
  readonly points: number;
  /** Keep the triggers for a later flush (the outbox or the session lock was unavailable). */
  readonly retry: boolean;
  readonly error: string | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Built {
  readonly session: Session;
  readonly source: SessionSource;
  readonly cursors: ReturnType<typeof cursorsOfSync>;
  /** How long the transcript lagged behind the triggers (0: it held everything at once). */
  readonly waitedMs: number;
}

/** How often to look at a transcript that lags behind the triggers (a stat per file; a rebuild only when it grew). */
const TRANSCRIPT_POLL_MS = 20;

/** What the triggers say the transcript holds by now: the tool calls' results, the turns' final answers (fingerprints). */
interface Expected {
  readonly toolIds: ReadonlySet<string>;
  readonly answers: ReadonlySet<string>;
}

function holds(session: Session, expected: Expected): boolean {
  const done = new Set(session.toolCalls.filter((c) => c.outcome !== "pending").map((c) => c.id));
  if (![...expected.toolIds].every((id) => done.has(id))) return false;
  if (expected.answers.size === 0) return true;
  const answered = new Set(session.requests.flatMap((r) => (r.agentId === undefined && r.stopReason !== undefined ? r.textParts.map(textHash) : [])));
  return [...expected.answers].every((h) => answered.has(h));
}

/** Rebuilds the session, re-reading while the transcript lags behind the triggers (bounded). */
async function buildWhenReady(transcriptPath: string, sessionId: string, expected: Expected, pricer: Pricer, waitMs: number): Promise<Built | undefined> {
  const started = Date.now();
  const deadline = started + waitMs;
  let lagged = false;
  let seen = "";
  for (;;) {
    const source = discoverSessionSync(transcriptPath, sessionId);
    if (source !== undefined) {
      // Cursors before reading: a line appended meanwhile makes the next replay see a change.
      const cursors = cursorsOfSync(filesOf(source));
      const state = JSON.stringify(cursors);
      if (state !== seen || Date.now() >= deadline) {
        seen = state;
        const { session } = readSessionSync(source, pricer);
        if (session !== undefined) {
          if (holds(session, expected) || Date.now() >= deadline) return { session, source, cursors, waitedMs: lagged ? Date.now() - started : 0 };
        }
      }
    }
    if (Date.now() >= deadline) return undefined;
    lagged = true;
    await sleep(TRANSCRIPT_POLL_MS);
  }
}

export async function flushSession(sessionId: string, triggers: readonly Trigger[], ctx: FlushSessionContext): Promise<SessionOutcome> {
  const ended = triggers.find((t) => t.event === "SessionEnd");
  const final = ended !== undefined;
  const turnOver = final || triggers.some((t) => t.event === "Stop" || t.event === "SubagentStop" || t.event === "PostCompact");
  const transcriptPath = [...triggers].reverse().find((t) => t.transcriptPath !== undefined)?.transcriptPath;
  if (transcriptPath === undefined) {
    ctx.log.warn(`session ${sessionId}: no transcript_path in its hook payloads; left to replay`);
    return { spans: 0, points: 0, retry: false, error: undefined };
  }
  // Replay and watch finish the session too when they see it (its last line before this time).
  if (ended !== undefined) recordSessionEnd(ctx.factsDir, sessionId, ended.time);
  const measured: Record<string, number> = {};
  for (const t of triggers) if (t.toolUseId !== undefined && t.durationMs !== undefined) measured[t.toolUseId] = t.durationMs;
  const toolIds = new Set(triggers.flatMap((t) => (t.toolUseId !== undefined ? [t.toolUseId] : [])));
  // Stop's last_assistant_message (as a fingerprint): the turn's final answer is in the transcript before we read it.
  const answers = new Set(triggers.flatMap((t) => (t.event === "Stop" && t.answerHash !== undefined ? [t.answerHash] : [])));
  const sources: Record<string, string> = {};
  for (const t of triggers) if (t.event === "UserPromptSubmit" && t.promptId !== undefined && t.source !== undefined) sources[t.promptId] = t.source;

  const built = await buildWhenReady(transcriptPath, sessionId, { toolIds, answers }, ctx.pricer, ctx.transcriptWaitMs);
  if (built === undefined) {
    ctx.log.warn(`session ${sessionId}: transcript ${transcriptPath} missing or empty; left to replay`);
    return { spans: 0, points: 0, retry: false, error: undefined };
  }
  if (built.waitedMs > 0) ctx.log.info(`session ${sessionId}: the transcript caught up with the hooks after ${built.waitedMs} ms`);
  const durations = loadToolDurationsSync(ctx.factsDir, sessionId);
  recordToolDurationsSync(ctx.factsDir, sessionId, durations, measured);
  const recordedSources = loadPromptSourcesSync(ctx.factsDir, sessionId);
  recordPromptSourcesSync(ctx.factsDir, sessionId, recordedSources, sources);
  let session = applyPromptSources(applyToolDurations(built.session, durations), recordedSources);
  let deferred = 0;
  // Until the turn is over, a finished call whose PostToolUse has not been spooled yet (another
  // call of a parallel batch) waits for its measured duration; the turn's Stop releases it.
  if (!turnOver) ({ session, deferred } = deferUnmeasured(session, durations));
  const result = await exportSession(session, ctx.sink, {
    stateDir: ctx.ledgerDir,
    plan: {
      final,
      captureContent: ctx.captureContent,
      destinations: ctx.destinations,
      provisionalSpans: ctx.provisionalSpans,
      langsmithShape: ctx.langsmithShape,
      includeSessionId: ctx.includeSessionId,
      legacyGenAiNames: ctx.legacyGenAiNames,
    },
    // A cursor says "nothing more to send from these bytes": not true while calls are held back.
    ...(deferred === 0 ? { cursors: built.cursors } : {}),
    lock: { waitMs: 5_000 },
  });
  if (result.rebuilt !== undefined) ctx.log.warn(`session ${sessionId}: state file was unusable (${result.rebuilt}); rebuilt`);
  ctx.log.info(
    `session ${sessionId}: ${triggers.map((t) => t.event).join(",")} → ${result.spans} spans, ${result.points} points${deferred > 0 ? `, ${deferred} tool calls awaiting their duration` : ""}${final ? " (final)" : ""}`,
  );
  if (!result.ok) return { spans: result.spans, points: result.points, retry: true, error: result.error };
  return { spans: result.spans, points: result.points, retry: false, error: undefined };
}
