/**
 * What is in the main thread's context, and what each compaction took out of it.
 *
 * The pass logs the main file's context events in order (tool results, requests, compactions,
 * their summaries, files put back by attachment lines); `analyseContext` then follows them:
 * - between two compactions, every tool result enters the context; a compaction replaces them by
 *   its summary, except the lines it keeps as they were (`preservedMessages`);
 * - right after a compaction Claude Code puts recently read files back: whole (`file`), or by name
 *   only when too large (`compact_file_reference`). A file in the context that comes back whole
 *   is not lost; one only referenced, or not put back, is;
 * - a later successful Read of a lost file is the observable cost of the loss (a re-read); a Read
 *   of a file that came back whole, before any other read of it, is a redundant read;
 * - a compaction with no request since the previous one summarises the same conversation again.
 */
import type { ToolCallDraft } from "./tool-calls.js";
import type { CompactionLoss, ContextFile } from "./types.js";

export type ContextEvent =
  | { readonly kind: "result"; readonly callId: string; readonly uuid: string | undefined }
  | { readonly kind: "request" }
  | { readonly kind: "boundary"; readonly kept: readonly string[] }
  | { readonly kind: "summary"; readonly bytes: number }
  | { readonly kind: "file"; readonly path: string; readonly how: "whole" | "reference"; readonly bytes: number };

export interface ContextAnalysis {
  /** Per compaction, in order. */
  readonly losses: CompactionLoss[];
  /** Call id → the compaction (uuid) that dropped its result. */
  readonly droppedBy: Map<string, string>;
}

interface FileState {
  /** The compaction that lost it, until it is read again. */
  lostAt: number | undefined;
  /** The compaction that put it back whole, until it is read again. */
  restoredAt: number | undefined;
}

interface Window {
  /** Results in the context: since the previous compaction, and those it kept. */
  results: { callId: string; uuid: string | undefined }[];
  /** Files the previous compaction put back whole (or mentioned since): path → bytes. */
  files: Map<string, number>;
  requests: number;
}

interface LossDraft {
  toolOutputs: number;
  toolOutputBytes: number;
  toolOutputIds: string[];
  files: Map<string, { reads: number; bytes: number }>;
  keptLines: number;
  reReadCallIds: string[];
  restoredReReadCallIds: string[];
  duplicateOf: string | undefined;
  summaryBytes: number | undefined;
  /** Put back after it: path → whole or reference. */
  restored: Map<string, "whole" | "reference">;
}

const FILE_PATH_TOOLS = new Set(["Read", "Write"]);

function filePathOf(call: ToolCallDraft): string | undefined {
  const path = call.input["file_path"];
  return FILE_PATH_TOOLS.has(call.name) && typeof path === "string" && path.length > 0 ? path : undefined;
}

/** `uuids`: the compactions' ids, in the order of their boundary events. */
export function analyseContext(events: readonly ContextEvent[], calls: ReadonlyMap<string, ToolCallDraft>, uuids: readonly string[]): ContextAnalysis {
  const drafts: LossDraft[] = [];
  const droppedBy = new Map<string, string>();
  const fileState = new Map<string, FileState>();
  let window: Window = { results: [], files: new Map(), requests: 0 };
  /** The compaction whose put-back attachments may still come (until the next request). */
  let open: number | undefined;

  const state = (path: string): FileState => {
    let s = fileState.get(path);
    if (s === undefined) {
      s = { lostAt: undefined, restoredAt: undefined };
      fileState.set(path, s);
    }
    return s;
  };

  const settle = (k: number): void => {
    const d = drafts[k] as LossDraft;
    for (const path of d.files.keys()) {
      const s = state(path);
      if (d.restored.get(path) === "whole") {
        s.restoredAt = k;
        s.lostAt = undefined;
      } else {
        s.lostAt = k;
        s.restoredAt = undefined;
      }
    }
  };

  for (const e of events) {
    switch (e.kind) {
      case "request":
        if (open !== undefined) settle(open);
        open = undefined;
        window.requests++;
        break;
      case "result": {
        window.results.push({ callId: e.callId, uuid: e.uuid });
        const call = calls.get(e.callId);
        if (call !== undefined) noteFile(call, state, drafts);
        break;
      }
      case "boundary": {
        if (open !== undefined) settle(open);
        const k = drafts.length;
        drafts.push(compact(window, e.kept, calls, droppedBy, uuids[k] ?? `compaction-${k}`, k > 0 ? (uuids[k - 1] ?? `compaction-${k - 1}`) : undefined));
        window = { results: window.results.filter((r) => r.uuid !== undefined && e.kept.includes(r.uuid)), files: new Map(), requests: 0 };
        open = k;
        break;
      }
      case "summary": {
        const d = drafts[drafts.length - 1];
        if (d !== undefined && d.summaryBytes === undefined) d.summaryBytes = e.bytes;
        break;
      }
      case "file":
        if (open !== undefined) (drafts[open] as LossDraft).restored.set(e.path, e.how);
        if (e.how === "whole") {
          window.files.set(e.path, e.bytes);
          // A file mentioned between compactions is in the context like one read.
          if (open === undefined) {
            const s = state(e.path);
            s.lostAt = undefined;
            s.restoredAt = undefined;
          }
        }
        break;
      default:
        assertNever(e);
    }
  }
  if (open !== undefined) settle(open);
  const losses: CompactionLoss[] = [];
  for (const d of drafts) losses.push(finishLoss(d));
  return { losses, droppedBy };
}

/** A successful Read or Write puts its file in the context; a Read of a lost (or restored) file is a re-read of it. */
function noteFile(call: ToolCallDraft, state: (path: string) => FileState, drafts: LossDraft[]): void {
  const path = call.outcome === "success" ? filePathOf(call) : undefined;
  if (path === undefined) return;
  const s = state(path);
  if (call.name === "Read" && s.lostAt !== undefined) drafts[s.lostAt]?.reReadCallIds.push(call.id);
  else if (call.name === "Read" && s.restoredAt !== undefined) drafts[s.restoredAt]?.restoredReReadCallIds.push(call.id);
  s.lostAt = undefined;
  s.restoredAt = undefined;
}

/** The loss of the compaction that ends `window`; marks the results it dropped. */
function compact(
  window: Window,
  kept: readonly string[],
  calls: ReadonlyMap<string, ToolCallDraft>,
  droppedBy: Map<string, string>,
  uuid: string,
  previous: string | undefined,
): LossDraft {
  const keptSet = new Set(kept);
  const files = new Map<string, { reads: number; bytes: number }>();
  for (const [path, bytes] of window.files) files.set(path, { reads: 0, bytes });
  const dropped: { id: string; bytes: number }[] = [];
  for (const r of window.results) {
    if (r.uuid !== undefined && keptSet.has(r.uuid)) continue;
    droppedBy.set(r.callId, uuid);
    const call = calls.get(r.callId);
    const bytes = call?.resultBytes ?? 0;
    dropped.push({ id: r.callId, bytes });
    const path = call?.name === "Read" && call.outcome === "success" ? filePathOf(call) : undefined;
    if (path === undefined) continue;
    const f = files.get(path) ?? { reads: 0, bytes: 0 };
    f.reads++;
    f.bytes += bytes;
    files.set(path, f);
  }
  dropped.sort((a, b) => b.bytes - a.bytes || a.id.localeCompare(b.id));
  let bytes = 0;
  const ids: string[] = [];
  for (const d of dropped) {
    bytes += d.bytes;
    ids.push(d.id);
  }
  return {
    toolOutputs: dropped.length,
    toolOutputBytes: bytes,
    toolOutputIds: ids,
    files,
    keptLines: kept.length,
    reReadCallIds: [],
    restoredReReadCallIds: [],
    duplicateOf: previous !== undefined && window.requests === 0 ? previous : undefined,
    summaryBytes: undefined,
    restored: new Map(),
  };
}

function finishLoss(d: LossDraft): CompactionLoss {
  const files: ContextFile[] = [];
  for (const [path, f] of d.files) {
    const back = d.restored.get(path);
    files.push({ path, reads: f.reads, bytes: f.bytes, after: back === "whole" ? "restored" : back === "reference" ? "referenced" : "lost" });
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  return {
    toolOutputs: d.toolOutputs,
    toolOutputBytes: d.toolOutputBytes,
    toolOutputIds: d.toolOutputIds,
    files,
    keptLines: d.keptLines,
    reReadCallIds: d.reReadCallIds,
    restoredReReadCallIds: d.restoredReReadCallIds,
    duplicateOf: d.duplicateOf,
    summaryBytes: d.summaryBytes,
  };
}

function assertNever(value: never): never {
  throw new Error(`unhandled context event: ${JSON.stringify(value)}`);
}
