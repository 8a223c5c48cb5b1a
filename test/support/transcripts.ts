import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Small transcripts in Claude Code's line format (the fields our parser reads, as 2.x writes
 * them), for tests that need a time, a size or a shape the recorded examples do not have.
 */
type Line = Record<string, unknown>;

export function userLine(o: { uuid: string; parentUuid?: string; at: string; sessionId: string; text: string; cwd?: string; promptId?: string }): Line {
  return {
    type: "user",
    uuid: o.uuid,
    parentUuid: o.parentUuid ?? null,
    timestamp: o.at,
    sessionId: o.sessionId,
    cwd: o.cwd ?? "/home/dev/work/demo",
    ...(o.promptId !== undefined ? { promptId: o.promptId } : {}),
    message: { role: "user", content: o.text },
  };
}

export function assistantLine(o: {
  uuid: string;
  parentUuid: string;
  at: string;
  sessionId: string;
  id: string;
  requestId?: string;
  model?: string;
  usage?: { input_tokens: number; output_tokens: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number };
  toolUse?: { id: string; name: string; input: Record<string, unknown> };
  text?: string;
}): Line {
  const content = o.toolUse !== undefined ? [{ type: "tool_use", ...o.toolUse }] : [{ type: "text", text: o.text ?? "ok" }];
  return {
    type: "assistant",
    uuid: o.uuid,
    parentUuid: o.parentUuid,
    timestamp: o.at,
    sessionId: o.sessionId,
    requestId: o.requestId ?? `req_${o.id}`,
    message: { id: o.id, model: o.model ?? "claude-sonnet-4-5", role: "assistant", content, stop_reason: "end_turn", usage: o.usage ?? { input_tokens: 10, output_tokens: 5 } },
  };
}

export function toolResultLine(o: { uuid: string; parentUuid: string; at: string; sessionId: string; toolUseId: string; error?: string }): Line {
  return {
    type: "user",
    uuid: o.uuid,
    parentUuid: o.parentUuid,
    timestamp: o.at,
    sessionId: o.sessionId,
    message: { role: "user", content: [{ type: "tool_result", tool_use_id: o.toolUseId, is_error: o.error !== undefined, content: o.error ?? "done" }] },
  };
}

export function tempProjects(): string {
  return mkdtempSync(join(tmpdir(), "cco-projects-"));
}

/** Writes `<projects>/<projectDir>/<name>` as JSON Lines; returns its path. */
export function writeTranscript(projects: string, projectDir: string, name: string, lines: readonly (Line | string)[]): string {
  mkdirSync(join(projects, projectDir), { recursive: true });
  const path = join(projects, projectDir, name);
  writeFileSync(path, lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n");
  return path;
}

/** One prompt answered by one response, at `at` (ISO) and a second later: a minimal real session. */
export function oneTurn(sessionId: string, at: string, extra: { text?: string; model?: string } = {}): Line[] {
  const t = Date.parse(at);
  return [
    userLine({ uuid: `${sessionId}-u1`, at, sessionId, text: extra.text ?? "hello", promptId: `${sessionId}-p1` }),
    assistantLine({
      uuid: `${sessionId}-a1`,
      parentUuid: `${sessionId}-u1`,
      at: new Date(t + 1000).toISOString(),
      sessionId,
      id: `msg_${sessionId}`,
      ...(extra.model !== undefined ? { model: extra.model } : {}),
      usage: { input_tokens: 100, output_tokens: 20 },
    }),
  ];
}
