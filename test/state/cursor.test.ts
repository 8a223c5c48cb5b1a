import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCursorSync } from "../../src/state/cursor.js";
import { FIXTURES_DIR } from "../support/recorded-fixtures.js";

/** The cursor by definition, from the whole file: hash of the first 4 KiB, end of the last complete line within the last 64 KiB. */
function expected(path: string): { size: number; mtimeMs: number; headHash: string; offset: number } {
  const bytes = readFileSync(path);
  const tailStart = Math.max(0, bytes.length - 64 * 1024);
  const newline = bytes.subarray(tailStart).lastIndexOf(0x0a);
  const s = statSync(path);
  return {
    size: bytes.length,
    mtimeMs: s.mtimeMs,
    headHash: createHash("sha256").update(bytes.subarray(0, 4096)).digest("hex"),
    offset: newline === -1 ? tailStart : tailStart + newline + 1,
  };
}

describe("readCursorSync", () => {
  const dir = mkdtempSync(join(tmpdir(), "cco-cursor-"));
  const line = (n: number, fill = "x"): string => `{"n":${n},"t":"${fill.repeat(90)}"}\n`;
  const cases: Record<string, string> = {
    empty: "",
    "one short line": line(1),
    "no newline at all": "x".repeat(100),
    "a line being written": line(1) + line(2) + '{"n":3,"t":"par',
    "many lines, newline at the end": Array.from({ length: 2000 }, (_, i) => line(i)).join(""),
    "a partial line longer than a block": Array.from({ length: 50 }, (_, i) => line(i)).join("") + "y".repeat(10_000),
    "a partial line longer than 64 KiB": line(1) + "z".repeat(70_000),
    "multi-byte characters across a block edge": Array.from({ length: 100 }, (_, i) => line(i, "é")).join("") + "ü".repeat(3000),
  };
  it.each(Object.entries(cases))("%s", (name, text) => {
    const path = join(dir, `${name.replace(/\W+/g, "-")}.jsonl`);
    writeFileSync(path, text);
    expect(readCursorSync(path)).toEqual(expected(path));
  });

  it("every recorded transcript (test/fixtures)", () => {
    const files = readdirSync(FIXTURES_DIR, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith(".jsonl"))
      .map((e) => join(e.parentPath, e.name));
    expect(files.length).toBeGreaterThan(40);
    for (const f of files) expect(readCursorSync(f)).toEqual(expected(f));
  });

  it("a missing file has no cursor", () => {
    expect(readCursorSync(join(dir, "missing.jsonl"))).toBeUndefined();
  });
});
