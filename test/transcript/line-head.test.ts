import { describe, expect, it } from "vitest";
import { apiRequestFromHead, skippableType } from "../../src/transcript/line-head.js";
import { parseTranscriptLine } from "../../src/transcript/parse-line.js";

const b = (line: string): Buffer => Buffer.from(line);
const skip = (line: string): string | undefined => skippableType(b(line), 0, Buffer.byteLength(line));
const apiHead = (line: string) => apiRequestFromHead(b(line), 0, Buffer.byteLength(line));

describe("head shortcuts are exact: they fire only where the full parse agrees", () => {
  it("skips real attachment heads (2.1.x main and subagent files)", () => {
    expect(skip(JSON.stringify({ parentUuid: null, isSidechain: false, attachment: { type: "prompt_snapshot", text: "x".repeat(9000) }, type: "attachment" }))).toBe("attachment");
    expect(
      skip(
        JSON.stringify({
          parentUuid: "6b3d4981-1489-4698-aa70-e42b68978623",
          isSidechain: true,
          agentId: "a6740b13358acc623",
          attachment: { type: "hook_success" },
          type: "attachment",
        }),
      ),
    ).toBe("attachment");
  });

  it("lets through the attachments we use (files put into the context, failed hooks), skips every other", () => {
    const line = (attachment: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
      JSON.stringify({ parentUuid: "6b3d4981-1489-4698-aa70-e42b68978623", isSidechain: false, ...extra, attachment, type: "attachment", uuid: "u1" });
    for (const type of [
      "file",
      "compact_file_reference",
      "async_hook_response",
      "hook_non_blocking_error",
      "hook_blocking_error",
      "hook_error_during_execution",
      "hook_cancelled",
    ]) {
      expect(skip(line({ type, filename: "/w/a.ts" })), type).toBeUndefined();
      expect(skip(line({ type }, { agentId: "a6740b13358acc623", userType: "external" })), type).toBeUndefined();
    }
    for (const type of ["hook_success", "file_listing", "files", "filex", "compact_file_references", "prompt_snapshot"]) expect(skip(line({ type })), type).toBe("attachment");
    // A type that is not the attachment's first key, or no type at all: skipped as before.
    expect(skip(line({ filename: "/w/a.ts", type: "file" }))).toBe("attachment");
    expect(skip(line({}))).toBe("attachment");
    // Escaped or otherwise unusual type strings are not matched as a used type.
    expect(skip(line({ type: "fil\\u0065" }))).toBe("attachment");
  });

  it("never skips a line where `attachment` is nested, quoted or escaped", () => {
    const nested = JSON.stringify({ parentUuid: null, isSidechain: false, message: { role: "user", content: "hi", attachment: { a: 1 } }, type: "user", uuid: "u1" });
    expect(nested).toContain(',"attachment":{');
    expect(skip(nested)).toBeUndefined();
    const inString = JSON.stringify({ parentUuid: null, isSidechain: false, promptId: 'p","attachment":{', type: "user", message: { role: "user", content: "hi" } });
    expect(skip(inString)).toBeUndefined();
    const valueWithQuote = JSON.stringify({ parentUuid: null, isSidechain: false, agentId: 'x\\","attachment":{', type: "user" });
    expect(skip(valueWithQuote)).toBeUndefined();
    const escapedKey = '{"parentUuid":null,"isSidechain":false,"\\u0061ttachment":{"type":"x"},"type":"user","message":{"role":"user","content":"hi"}}';
    expect(skip(escapedKey)).toBeUndefined();
    expect(parseTranscriptLine(escapedKey)?.kind).toBe("prompt");
  });

  it("skips typed-first lines only for ignored types, matched whole", () => {
    expect(skip('{"type":"api-request-shape","x":1}')).toBe("api-request-shape");
    expect(skip('{"type":"attachment-ish","x":1}')).toBeUndefined();
    expect(skip('{"type":"cost-state","totalCostUSD":1}')).toBeUndefined();
    expect(skip('{"type":"user","message":{"content":"hi"}}')).toBeUndefined();
    expect(skip('{"type":"attach\\u006dent","x":1}')).toBeUndefined();
  });

  it("reads an api-request line's own id and timestamp, or defers to the parse", () => {
    const real = '{"type":"api-request","sessionId":"s1","id":"2af3e698","timestamp":"2026-11-23T18:52:58.332Z","version":"2.1.330","body":{"model":"m"}}';
    expect(apiHead(real)).toEqual(parseTranscriptLine(real));
    // A nested id/timestamp pair in the head is not the line's own.
    const nested = '{"type":"api-request","meta":{"id":"nested","timestamp":"2020-01-01T00:00:00Z"},"id":"own","timestamp":"2026-01-01T00:00:00Z"}';
    expect(apiHead(nested)).toBeUndefined();
    expect(parseTranscriptLine(nested)).toEqual({ kind: "api-request", id: "own", timestamp: Date.parse("2026-01-01T00:00:00Z") });
    // Escapes decode differently from their bytes: parse instead.
    const escaped = '{"type":"api-request","id":"\\u0041B","timestamp":"2026-01-01T00:00:00Z"}';
    expect(apiHead(escaped)).toBeUndefined();
    expect(parseTranscriptLine(escaped)).toMatchObject({ id: "AB" });
    const inValue = '{"type":"api-request","note":"\\",\\"id\\":\\"fake","id":"own","timestamp":"2026-01-01T00:00:00Z"}';
    expect(apiHead(inValue)).toBeUndefined();
    expect(parseTranscriptLine(inValue)).toMatchObject({ id: "own" });
  });
});
