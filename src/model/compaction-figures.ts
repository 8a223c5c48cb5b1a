/**
 * What reading a compaction's lost files again cost: computed when asked, from the session as it
 * is (tool durations measured by the hooks replace the transcript's after the build).
 */
import type { Compaction, Session, ToolCall } from "./types.js";

/** A lost file the session read again. */
export interface ReReadFile {
  readonly path: string;
  readonly reads: number;
  /** Bytes the re-reads put back into the context. */
  readonly bytes: number;
  readonly costUsd: number;
  readonly durationMs: number;
}

/** The Read calls that read `c`'s lost files again, grouped by file in the order they were first read again. */
export function reReadFiles(session: Session, c: Compaction, calls: ReadonlyMap<string, ToolCall> = callsById(session)): ReReadFile[] {
  const byPath = new Map<string, { path: string; reads: number; bytes: number; costUsd: number; durationMs: number }>();
  for (const id of c.loss.reReadCallIds) {
    const call = calls.get(id);
    const path = call?.input["file_path"];
    if (call === undefined || typeof path !== "string") continue;
    let f = byPath.get(path);
    if (f === undefined) {
      f = { path, reads: 0, bytes: 0, costUsd: 0, durationMs: 0 };
      byPath.set(path, f);
    }
    f.reads++;
    f.bytes += call.resultBytes ?? 0;
    f.costUsd += call.cost.usd;
    f.durationMs += Math.max(0, (call.endTime ?? call.startTime) - call.startTime);
  }
  return [...byPath.values()];
}

export function callsById(session: Session): Map<string, ToolCall> {
  const calls = new Map<string, ToolCall>();
  for (const c of session.toolCalls) calls.set(c.id, c);
  return calls;
}
