import { describe, expect, it } from "vitest";
import { cut, makeStyle, renderTable, visibleLength, wrapWords } from "../../src/report/table.js";
import { outputColumns } from "../../src/cli/output.js";

const plain = makeStyle(false);
const colour = makeStyle(true);

describe("cut: free text shortened to a width with an ellipsis", () => {
  it("leaves text that fits alone and cuts the rest to exactly the width", () => {
    expect(cut("Bash", 4)).toBe("Bash");
    expect(cut("ls: cannot access", 8)).toBe("ls: can…");
    expect(visibleLength(cut("x".repeat(300), 40))).toBe(40);
  });

  it("keeps escape codes (a coloured cell still resets) and counts none of them", () => {
    const red = colour.red("Exit code 2 ls: cannot access");
    const cutRed = cut(red, 10);
    expect(cutRed).toBe("\u001b[31mExit code…\u001b[39m");
    expect(visibleLength(cutRed)).toBe(10);
  });

  it("never splits a character made of two UTF-16 units", () => {
    expect(cut("🙂🙂🙂🙂", 3)).toBe("🙂🙂…");
    expect(visibleLength("🙂🙂")).toBe(2);
  });
});

describe("renderTable: fitted to the width", () => {
  const columns = [{ header: "#" }, { header: "Tool" }, { header: "Call", shrinkTo: 6 }, { header: "Error", shrinkTo: 10 }];
  const rows = [["1", "Bash", "ls /nonexistent/step2", "Exit code 2 ls: cannot access '/nonexistent/step2': No such file or directory"]];

  it("as wide as its content when there is room", () => {
    expect(renderTable(columns, rows, plain, 200)).toBe(
      [
        "#  Tool  Call                   Error",
        `─  ────  ─────────────────────  ${"─".repeat(77)}`,
        "1  Bash  ls /nonexistent/step2  Exit code 2 ls: cannot access '/nonexistent/step2': No such file or directory",
        "",
      ].join("\n"),
    );
  });

  it("cuts the widest free-text column first, then the next, never below their floors", () => {
    const at60 = renderTable(columns, rows, plain, 60);
    expect(at60).toBe(
      [
        "#  Tool  Call                   Error",
        "─  ────  ─────────────────────  ────────────────────────────",
        "1  Bash  ls /nonexistent/step2  Exit code 2 ls: cannot acce…",
        "",
      ].join("\n"),
    );
    for (const line of at60.trimEnd().split("\n")) expect(visibleLength(line)).toBeLessThanOrEqual(60);
    const at30 = renderTable(columns, rows, plain, 30);
    // Error is cut to the width of Call, then both, until Error reaches its floor (10).
    expect(at30.split("\n")[2]).toBe("1  Bash  ls /none…  Exit code…");
  });

  it("leaves out ranked columns, lowest rank first, when cutting is not enough, and says which", () => {
    const wide = [
      { header: "Date" },
      { header: "Sessions", align: "right" as const },
      { header: "Cache rd", align: "right" as const, hideRank: 2 },
      { header: "Compact", align: "right" as const, hideRank: 1 },
    ];
    const out = renderTable(wide, [["2026-11-23", "5", "394.3k", "1"]], plain, 30);
    expect(out).toBe(
      [
        "Date        Sessions  Cache rd",
        "──────────  ────────  ────────",
        "2026-11-23         5    394.3k",
        "(Compact left out to fit 30",
        "columns; --json has every",
        "field)",
        "",
      ].join("\n"),
    );
    expect(renderTable(wide, [["2026-11-23", "5", "394.3k", "1"]], plain, 20).split("\n")[0]).toBe("Date        Sessions");
  });

  it("a table that cannot fit even so is printed as narrow as it gets, never dropped", () => {
    const out = renderTable([{ header: "Session" }, { header: "Started" }], [["234d59f3", "2026-11-23 19:59"]], plain, 10);
    expect(out.split("\n")[2]).toBe("234d59f3  2026-11-23 19:59");
  });
});

describe("wrapWords", () => {
  it("breaks at spaces within the width; a longer word stays whole", () => {
    expect(wrapWords("aa bb cc dd", 5)).toEqual(["aa bb", "cc dd"]);
    expect(wrapWords("abcdefgh ij", 4)).toEqual(["abcdefgh", "ij"]);
  });
});

describe("the width tables fit: the terminal's, else COLUMNS, else 160", () => {
  it("prefers the terminal, then a valid COLUMNS", () => {
    expect(outputColumns(93, { COLUMNS: "200" })).toBe(93);
    expect(outputColumns(undefined, { COLUMNS: "100" })).toBe(100);
    expect(outputColumns(undefined, {})).toBe(160);
    expect(outputColumns(undefined, { COLUMNS: "wide" })).toBe(160);
    expect(outputColumns(undefined, { COLUMNS: "-3" })).toBe(160);
    expect(outputColumns(0, { COLUMNS: "" })).toBe(160);
  });
});
