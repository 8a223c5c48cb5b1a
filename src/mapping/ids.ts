import { hash } from "node:crypto";

/**
 * Deterministic trace and span ids. Live hooks and replays of the same transcript must produce
 * identical ids, so that re-exports upsert instead of duplicating and a child exported by one
 * process finds the parent exported by another.
 *
 * Exact derivation (a contract: changing it breaks the join between old and new exports):
 *   trace id = hex(SHA-256("claude-code-otel/trace/" + sessionId))[0..32)
 *   span id  = hex(SHA-256("claude-code-otel/span/" + sessionId + "/" + kind + "/" + key))[0..16)
 * with (kind, key):
 *   session     ""                       the root span
 *   turn        prompt id, else the prompt line's uuid, else "#" + turn index
 *   chat        message id + ":" + request id   (ApiRequest.key)
 *   tool        tool_use_id
 *   agent       agent id
 *   compaction  the compact_boundary line's uuid
 *   langsmith   owner span id + "/" + part number: the root of a LangSmith continuation trace
 * and LangSmith's traces (destinations/langsmith-traces.ts), by a key naming the trace's owner:
 *   langsmith trace id = hex(SHA-256("claude-code-otel/langsmith-trace/" + sessionId + "/" + key))[0..32)
 * An all-zero result (invalid in OTLP) is replaced by ...01; it does not occur in practice.
 */
export type SpanKey = "session" | "turn" | "chat" | "tool" | "agent" | "compaction" | "ledger" | "langsmith";

/** One-shot: a replay derives ~60,000 ids, and a Hash object per id costs three times as much. */
function hexSha256(text: string): string {
  return hash("sha256", text, "hex");
}

function nonZero(hex: string): string {
  return /^0+$/.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}

/** A session's trace id: the first 32 hex digits of SHA-256("claude-code-otel/trace/" + session id), the same from hooks, `watch` and `replay`. */
export function traceIdFor(sessionId: string): string {
  return nonZero(hexSha256(`claude-code-otel/trace/${sessionId}`).slice(0, 32));
}

/** A LangSmith trace of the session: one per turn, per continuation and per subagent moved out (langsmith-traces.ts). */
export function langsmithTraceIdFor(sessionId: string, key: string): string {
  return nonZero(hexSha256(`claude-code-otel/langsmith-trace/${sessionId}/${key}`).slice(0, 32));
}

/** A span's id from its session and natural key (prompt id, message + request id, tool_use id, agent id, compaction uuid). */
export function spanIdFor(sessionId: string, kind: SpanKey, key: string): string {
  return nonZero(hexSha256(`claude-code-otel/span/${sessionId}/${kind}/${key}`).slice(0, 16));
}

export function sessionSpanId(sessionId: string): string {
  return spanIdFor(sessionId, "session", "");
}

/** The natural key of a turn: stable across live and replay (hooks see the same prompt id). */
export function turnKey(turn: { readonly promptId: string | undefined; readonly uuid: string | undefined; readonly index: number }): string {
  return turn.promptId ?? turn.uuid ?? `#${turn.index}`;
}
