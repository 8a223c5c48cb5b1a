import type { AgentMeta, AgentTranscript, SessionInput } from "./session-input.js";
import { obj, parseJsonObject, str } from "../util/json.js";
import { readRegularFile } from "../util/private-fs.js";
import type { SessionSource } from "./discover.js";
import { reasonOf } from "./discover.js";
import type { ParseStats, TranscriptLine } from "./line-types.js";
import { addParseStats, emptyParseStats } from "./line-types.js";
import { readTranscriptLinesSync } from "./read-lines.js";

/** A session's lines as `loadSessionSync` read them, with parse counts and the files it could not read. */
export interface LoadedSession {
  readonly input: SessionInput;
  readonly stats: ParseStats;
  readonly unreadable: { path: string; reason: string }[];
}

/**
 * Reads a session's files (main transcript, subagent transcripts and their meta) into memory,
 * synchronously: files come from the page cache one at a time. Unreadable files are listed, not thrown.
 */
export function loadSessionSync(source: SessionSource): LoadedSession {
  const stats = emptyParseStats();
  const unreadable: { path: string; reason: string }[] = [];
  const readAll = (path: string): TranscriptLine[] => {
    const lines: TranscriptLine[] = [];
    try {
      const result = readTranscriptLinesSync(path, (line) => lines.push(line), { includeUnterminatedTail: true });
      addParseStats(stats, result.stats);
    } catch (error) {
      unreadable.push({ path, reason: reasonOf(error) });
    }
    return lines;
  };
  const main = source.mainFile === undefined ? [] : readAll(source.mainFile);
  const agents: AgentTranscript[] = [];
  for (const file of source.agentFiles) {
    const lines = readAll(file.path);
    agents.push({ agentId: file.agentId, layout: file.layout, meta: file.metaPath === undefined ? undefined : readMeta(file.metaPath), lines });
  }
  return { input: { sessionId: source.sessionId, projectDir: source.projectDir, main, agents }, stats, unreadable };
}

/** A subagent's meta file is a few hundred bytes: a larger one (or a FIFO, a device) is not read. */
const MAX_META_BYTES = 1 << 20;

function readMeta(path: string): AgentMeta | undefined {
  try {
    const raw = parseJsonObject(readRegularFile(path, MAX_META_BYTES).text);
    if (raw === undefined) return undefined;
    return {
      agentType: str(raw["agentType"]),
      toolUseId: str(raw["toolUseId"]),
      description: str(raw["description"]),
      model: str(obj(raw)?.["model"]),
    };
  } catch {
    return undefined;
  }
}
