import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HOOK_EVENT_NAMES, parseHookInput } from "../../src/hook/payload.js";
import { triggerFor } from "../../src/hook/spool.js";
import { textHash } from "../../src/util/text-hash.js";
import { CC_1_0_128, CC_2_0_55, CC_2_1_17, CC_2_1_330, CC_2_1_332, type Recording } from "../support/recorded-fixtures.js";
import { SHARED_FIXTURES, requireSharedFixtures } from "../support/shared-fixtures.js";

const haveFixtures = requireSharedFixtures("public hook payloads (payload.test.ts)");

/**
 * Per recording: the typed events its hooks.jsonl holds, and the events it fired that we do not
 * type (parsed as `unknown`, with their name kept). Counted from the files with
 * `jq -r .hook_event_name hooks.jsonl | sort -u`.
 */
const FIRED: [string, Recording, string[], string[]][] = [
  ["2.1.330", CC_2_1_330, [...HOOK_EVENT_NAMES], ["MessageDisplay", "PostToolBatch"]],
  ["2.1.332", CC_2_1_332, [...HOOK_EVENT_NAMES], ["MessageDisplay", "PostToolBatch"]],
  [
    "2.1.17",
    CC_2_1_17,
    ["PostToolUse", "PostToolUseFailure", "PreCompact", "PreToolUse", "SessionEnd", "SessionStart", "Stop", "SubagentStart", "SubagentStop", "UserPromptSubmit"],
    [],
  ],
  ["2.0.55", CC_2_0_55, ["PostToolUse", "PreCompact", "PreToolUse", "SessionEnd", "SessionStart", "Stop", "SubagentStart", "SubagentStop", "UserPromptSubmit"], []],
  ["1.0.128", CC_1_0_128, ["PostToolUse", "PreCompact", "PreToolUse", "SessionEnd", "SessionStart", "Stop", "SubagentStop", "UserPromptSubmit"], []],
];

describe("hook payloads", () => {
  it.each(FIRED)("parses every payload Claude Code %s sent into its typed variant", (_version, recording, typedEvents, unknownEvents) => {
    const lines = readFileSync(recording.hooks, "utf8").split("\n").filter(Boolean);
    const seen = new Set<string>();
    const unknown = new Set<string>();
    for (const line of lines) {
      const r = parseHookInput(line);
      expect(r.ok, line.slice(0, 200)).toBe(true);
      if (!r.ok) continue;
      const raw = JSON.parse(line) as Record<string, unknown>;
      expect(r.payload.sessionId).toBe(raw["session_id"]);
      expect(r.payload.transcriptPath).toBe(raw["transcript_path"]);
      if (r.payload.event === "unknown") {
        expect(r.payload.name).toBe(raw["hook_event_name"]);
        unknown.add(r.payload.name);
        continue;
      }
      expect(r.payload.event).toBe(raw["hook_event_name"]);
      seen.add(r.payload.event);
      if (r.payload.event === "PostToolUse" || r.payload.event === "PostToolUseFailure") {
        expect(r.payload.toolUseId).toBe(raw["tool_use_id"]);
        expect(r.payload.durationMs).toBe(raw["duration_ms"]);
      }
      if (r.payload.event === "Stop") {
        // Sent by every release recorded from 2.1.17 on; kept only as a fingerprint.
        const answer = raw["last_assistant_message"];
        expect(r.payload.answerHash).toBe(typeof answer === "string" && answer !== "" ? textHash(answer) : undefined);
      }
      if (r.payload.event === "UserPromptSubmit") expect(r.payload.source).toBe(raw["source"]);
      if (r.payload.event === "SubagentStop") {
        expect(r.payload.agentTranscriptPath).toBe(raw["agent_transcript_path"]);
        expect(r.payload.agentId).toBe(raw["agent_id"]);
      }
      // Nothing the model or the user wrote goes into the spool.
      const trigger = triggerFor(r.payload, 1);
      if (trigger !== undefined) {
        const text = JSON.stringify(trigger);
        for (const key of ["prompt", "tool_input", "tool_response", "last_assistant_message", "compact_summary", "error"]) {
          const v = raw[key];
          if (typeof v === "string" && v.length > 3) expect(text).not.toContain(v);
          if (typeof v === "object" && v !== null) expect(text).not.toContain(JSON.stringify(v).slice(1, 30));
        }
      }
    }
    expect([...seen].sort()).toEqual([...typedEvents].sort());
    expect([...unknown].sort()).toEqual(unknownEvents);
  });

  it.runIf(haveFixtures)("accepts older public payloads (no tool_use_id, custom_instructions null) and unknown events", () => {
    const dir = join(SHARED_FIXTURES as string, "public", "hook-payloads");
    let count = 0;
    for (const project of readdirSync(dir)) {
      for (const file of readdirSync(join(dir, project))) {
        const value = JSON.parse(readFileSync(join(dir, project, file), "utf8")) as unknown;
        for (const p of Array.isArray(value) ? value : [value]) {
          const r = parseHookInput(JSON.stringify(p));
          expect(r.ok, `${project}/${file}`).toBe(true);
          if (r.ok && (p as Record<string, unknown>)["hook_event_name"] === "Notification") expect(r.payload).toMatchObject({ event: "unknown", name: "Notification" });
          count++;
        }
      }
    }
    expect(count).toBeGreaterThan(5);
  });

  it("is tolerant and typed at the boundary", () => {
    expect(parseHookInput("")).toEqual({ ok: false, reason: "empty input" });
    expect(parseHookInput("{not json").ok).toBe(false);
    expect(parseHookInput("[1,2]")).toMatchObject({ ok: false, reason: expect.stringContaining("array") });
    expect(parseHookInput('"x"')).toMatchObject({ ok: false, reason: expect.stringContaining("string") });
    expect(parseHookInput('{"hook_event_name":"Stop"}')).toMatchObject({ ok: false, reason: expect.stringContaining("session_id") });
    const old = parseHookInput(
      JSON.stringify({ session_id: "s", transcript_path: "/t.jsonl", hook_event_name: "PostToolUse", tool_name: "Bash", tool_input: {}, tool_response: {} }),
    );
    expect(old).toMatchObject({ ok: true, payload: { event: "PostToolUse", toolUseId: undefined, durationMs: undefined } });
    const pre = parseHookInput(JSON.stringify({ session_id: "s", hook_event_name: "PreCompact", trigger: "auto", custom_instructions: null }));
    expect(pre).toMatchObject({ ok: true, payload: { event: "PreCompact", trigger: "auto", transcriptPath: undefined } });
    const bad = parseHookInput(JSON.stringify({ session_id: "s", hook_event_name: "PostToolUseFailure", tool_use_id: "t", duration_ms: -5 }));
    expect(bad).toMatchObject({ ok: true, payload: { durationMs: undefined, isInterrupt: false } });
    expect(parseHookInput(JSON.stringify({ session_id: "s", hook_event_name: "FileChanged" }))).toMatchObject({ ok: true, payload: { event: "unknown", name: "FileChanged" } });
  });

  it("spools only events that give the flusher work", () => {
    const make = (name: string): ReturnType<typeof triggerFor> => {
      const r = parseHookInput(JSON.stringify({ session_id: "s", transcript_path: "/t.jsonl", hook_event_name: name, tool_use_id: "t1", duration_ms: 12 }));
      if (!r.ok) throw new Error(r.reason);
      return triggerFor(r.payload, 5);
    };
    for (const name of ["SessionStart", "UserPromptSubmit", "PreToolUse", "SubagentStart", "PreCompact", "Notification"]) expect(make(name), name).toBeUndefined();
    expect(make("PostToolUse")).toEqual({
      v: 1,
      event: "PostToolUse",
      sessionId: "s",
      transcriptPath: "/t.jsonl",
      agentTranscriptPath: undefined,
      agentId: undefined,
      toolUseId: "t1",
      durationMs: 12,
      trigger: undefined,
      time: 5,
    });
    for (const name of ["PostToolUseFailure", "Stop", "SubagentStop", "PostCompact", "SessionEnd"]) expect(make(name)?.event, name).toBe(name);
  });

  it("UserPromptSubmit is spooled only when its source names a machine; Stop carries the answer's fingerprint, never the answer", () => {
    const parse = (payload: Record<string, unknown>): ReturnType<typeof triggerFor> => {
      const r = parseHookInput(JSON.stringify({ session_id: "s", transcript_path: "/t.jsonl", ...payload }));
      if (!r.ok) throw new Error(r.reason);
      return triggerFor(r.payload, 5);
    };
    const prompt = (source?: unknown): ReturnType<typeof triggerFor> =>
      parse({ hook_event_name: "UserPromptSubmit", prompt_id: "p1", prompt: "do it", ...(source !== undefined ? { source } : {}) });
    // 2.1.330 and 2.1.332 send no source (measured): nothing to spool, as before.
    expect([prompt(), prompt("user"), prompt("sdk"), prompt(""), prompt(7)]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(prompt("schedule_wakeup")).toMatchObject({ event: "UserPromptSubmit", promptId: "p1", source: "schedule_wakeup", time: 5 });
    expect(JSON.stringify(prompt("loop_wakeup"))).not.toContain("do it");
    const answer = "All six steps ran; steps 2 and 5 failed.";
    const stop = parse({ hook_event_name: "Stop", stop_hook_active: false, last_assistant_message: answer });
    expect(stop).toMatchObject({ event: "Stop", answerHash: textHash(answer) });
    expect(JSON.stringify(stop)).not.toContain("steps");
    expect(parse({ hook_event_name: "Stop", stop_hook_active: false })).toMatchObject({ event: "Stop", answerHash: undefined });
    expect(parse({ hook_event_name: "Stop", last_assistant_message: ["not", "text"] })).toMatchObject({ event: "Stop", answerHash: undefined });
    // The fingerprint: length and FNV-1a (printf '%s' 'abc' | ... gives 0x1a47e90b).
    expect(textHash("abc")).toBe("3-1a47e90b");
    expect(textHash("")).toBe("0-811c9dc5");
  });
});
