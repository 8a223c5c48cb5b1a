import type { Pricer } from "../cost/price-request.js";
import { buildSession } from "../model/build-session.js";
import type { Session } from "../model/types.js";
import type { PlanOptions } from "../otel/plan-export.js";
import type { TelemetrySink } from "../otel/sink.js";
import { UNIT } from "../otel/units.js";
import { quickStat, unchanged } from "../state/cursor.js";
import type { SessionState } from "../state/session-state.js";
import { loadSessionState } from "../state/session-state.js";
import type { SessionSource } from "../transcript/discover.js";
import { loadSession } from "../transcript/load-session.js";
import type { ExportSessionResult } from "./export-session.js";
import { cursorsOf, exportSession } from "./export-session.js";
import type { SessionFilter } from "./scan-sessions.js";
import { matchesSession } from "./scan-sessions.js";

export interface SyncContext {
  readonly stateDir: string;
  readonly pricer: Pricer;
  readonly filter: SessionFilter;
  readonly sink: TelemetrySink;
  /** A transcript idle this long is a finished session. */
  readonly idleMs: number;
  readonly plan: Omit<PlanOptions, "final">;
  readonly full?: boolean;
  readonly dryRun?: boolean;
  readonly now?: () => number;
}

export type SyncOutcome =
  | { readonly kind: "unchanged"; readonly files: number; readonly warnings: string[] }
  | { readonly kind: "empty" | "filtered"; readonly files: number; readonly bytes: number; readonly warnings: string[] }
  | {
      readonly kind: "exported";
      readonly session: Session;
      readonly result: ExportSessionResult;
      readonly finished: boolean;
      readonly files: number;
      readonly bytes: number;
      readonly warnings: string[];
    };

export function filesOf(source: SessionSource): string[] {
  return [...(source.mainFile === undefined ? [] : [source.mainFile]), ...source.agentFiles.map((a) => a.path)];
}

function sessionDone(state: SessionState): boolean {
  return state.spanUnits.includes(UNIT.session) && state.metricUnits.includes(UNIT.session);
}

/** Nothing to do when every file is as last exported and no new unit can have become complete. */
async function canSkip(state: SessionState, files: readonly string[], finished: boolean): Promise<boolean> {
  if (files.length === 0 || Object.keys(state.files).length !== files.length) return false;
  for (const f of files) if (!unchanged(state.files[f], await quickStat(f))) return false;
  return sessionDone(state) || !finished;
}

/**
 * Brings one session's exported telemetry up to date with its transcripts, exactly once:
 * the step `replay` repeats over history and `watch` repeats as files change.
 */
export async function syncSession(source: SessionSource, ctx: SyncContext): Promise<SyncOutcome> {
  const warnings: string[] = [];
  const files = filesOf(source);
  const now = ctx.now?.() ?? Date.now();
  const finished = now - source.mtimeMs > ctx.idleMs;
  const loaded = await loadSessionState(ctx.stateDir, source.sessionId);
  if (loaded.rebuilt !== undefined) warnings.push(`${source.sessionId}: state file was unusable (${loaded.rebuilt}); rebuilt`);
  if (ctx.full !== true && (await canSkip(loaded.state, files, finished))) return { kind: "unchanged", files: files.length, warnings };
  const cursors = await cursorsOf(files);
  const input = await loadSession(source);
  for (const u of input.unreadable) warnings.push(`cannot read ${u.path}: ${u.reason}`);
  const bytes = input.stats.bytes;
  if (input.input.main.length === 0 && input.input.agents.every((a) => a.lines.length === 0)) return { kind: "empty", files: files.length, bytes, warnings };
  const session = buildSession(input.input, ctx.pricer);
  if (!matchesSession(session, ctx.filter)) return { kind: "filtered", files: files.length, bytes, warnings };
  for (const w of session.warnings) warnings.push(`${session.sessionId}: ${w}`);
  const result = await exportSession(session, ctx.sink, {
    stateDir: ctx.stateDir,
    full: ctx.full === true,
    dryRun: ctx.dryRun === true,
    cursors,
    plan: { ...ctx.plan, final: finished },
  });
  if (result.rebuilt !== undefined) warnings.push(`${session.sessionId}: state file was unusable (${result.rebuilt}); rebuilt`);
  return { kind: "exported", session, result, finished, files: files.length, bytes, warnings };
}
