import { describe, expect, it } from "vitest";
import { flatString } from "../../src/util/flat-string.js";

describe("flatString", () => {
  it("returns a string equal to its input, whatever the input", () => {
    const path = "/home/u/.claude/projects/-home-u-app/13bb29fc-430d-499a-a17c-0630d3f6325d.jsonl";
    const cases = [
      path.slice(path.lastIndexOf("/") + 1, -6),
      `claude-code,${path.slice(0, 20)}`,
      "",
      "0",
      "123",
      "0123",
      "4294967295",
      "-1",
      "__proto__",
      "constructor",
      "héllo wörld, 漢字 and an emoji 🙂 in a string longer than thirteen",
      "x".repeat(100_000),
    ];
    for (const s of cases) {
      const flat = flatString(s);
      expect(typeof flat).toBe("string");
      expect(flat).toBe(s);
    }
  });
});
