import { describe, expect, it } from "vitest";
import { bytes, localTime, plural } from "../../src/report/format.js";

describe("localTime: YYYY-MM-DD HH:MM in a zone, hours 00–23", () => {
  it("the minutes after midnight are 00:xx in every zone, never 24:xx", () => {
    // 18:52 UTC is 00:22 the next day in India (UTC+5:30): it printed "24:22".
    expect(localTime("2026-11-23T18:52:00.000Z", "Asia/Kolkata")).toBe("2026-11-24 00:22");
    expect(localTime("2026-11-23T00:00:00.000Z", "UTC")).toBe("2026-11-23 00:00");
    expect(localTime(Date.parse("2026-11-23T23:59:00.000Z"), "UTC")).toBe("2026-11-23 23:59");
    expect(localTime("2026-07-01T04:05:00.000Z", "America/New_York")).toBe("2026-07-01 00:05");
    expect(localTime("2026-11-23T11:00:00.000Z", "Pacific/Auckland")).toBe("2026-11-24 00:00");
  });
});

describe("bytes: sizes for people", () => {
  it("B, KB, MB, GB in powers of 1000, one decimal below 10", () => {
    expect(bytes(0)).toBe("0 B");
    expect(bytes(512)).toBe("512 B");
    expect(bytes(38_170)).toBe("38 KB");
    expect(bytes(9_400)).toBe("9.4 KB");
    expect(bytes(999_499)).toBe("999 KB");
    expect(bytes(999_500)).toBe("1.0 MB");
    expect(bytes(1_863_452)).toBe("1.9 MB");
    expect(bytes(401_000_000)).toBe("401 MB");
    expect(bytes(2_300_000_000)).toBe("2.3 GB");
  });
});

describe("plural", () => {
  it("one file, two files, thousands separated", () => {
    expect(plural(1, "file")).toBe("1 file");
    expect(plural(0, "file")).toBe("0 files");
    expect(plural(2015, "session")).toBe("2,015 sessions");
    expect(plural(1, "tool call")).toBe("1 tool call");
  });
});
