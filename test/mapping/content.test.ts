import { describe, expect, it } from "vitest";
import { ERROR_HEAD_LENGTH, MAX_ERROR_MESSAGE_LENGTH, errorMessage, safeJson, safeText } from "../../src/mapping/content.js";

const off = { captureContent: false };
const on = { captureContent: true };

describe("what a failed tool call's error text exports", () => {
  it("capture off: Claude Code's line and the first lines of output, redacted; the rest cut, and said", () => {
    const stderr = [
      "Exit code 1",
      "Traceback (most recent call last):",
      '  File "/app/db.py", line 3, in <module>',
      "psycopg2.OperationalError: password=hunter2pass rejected",
      "  (more)",
    ].join("\n");
    expect(errorMessage(stderr, off)).toBe('Exit code 1\nTraceback (most recent call last):\nFile "/app/db.py", line 3, in <module> … [cut: content capture is off]');
    expect(errorMessage("Exit code 2\nls: cannot access '/nonexistent': No such file or directory", off)).toBe(
      "Exit code 2\nls: cannot access '/nonexistent': No such file or directory",
    );
    expect(errorMessage("Exit code 1\nERROR: PGPASSWORD='a b' is wrong", off)).toBe("Exit code 1\nERROR: PGPASSWORD='[REDACTED]' is wrong");
    expect(errorMessage("Exit code 1\n\n<system-reminder>\n<total_tokens>14944018 tokens left</total_tokens>\n</system-reminder>", off)).toBe("Exit code 1");
    const long = `Exit code 1\n${"x".repeat(1000)}`;
    expect(errorMessage(long, off)).toBe(`${long.slice(0, ERROR_HEAD_LENGTH)} … [cut: content capture is off]`);
    const huge = `Exit code 1\nfailed: api_key=abcd1234efgh5678\n${"compiler output line\n".repeat(10_000)}`;
    expect(errorMessage(huge, off)).toBe("Exit code 1\nfailed: api_key=[REDACTED]\ncompiler output line … [cut: content capture is off]");
    const oneLongLine = `Exit code 1 ${"y".repeat(20_000)}`;
    expect(errorMessage(oneLongLine, off)).toBe(`${oneLongLine.slice(0, ERROR_HEAD_LENGTH)} … [cut: content capture is off]`);
    const blanksThenSecret = `Exit code 1${" \n".repeat(3000)}token=abcdef123456 ${"z".repeat(20_000)}`;
    expect(errorMessage(blanksThenSecret, off)).not.toContain("abcdef123456");
    expect(errorMessage(undefined, off)).toBe("tool error");
    expect(errorMessage(" \n", on)).toBe("tool error");
  });

  it("capture on: the whole text, redacted, up to MAX_ERROR_MESSAGE_LENGTH", () => {
    const text = `Exit code 1\n${"line\n".repeat(10)}token=abcdef123456`;
    expect(errorMessage(text, on)).toBe(`Exit code 1\n${"line\n".repeat(10)}token=[REDACTED]`);
    expect(errorMessage("y".repeat(5000), on)).toBe(`${"y".repeat(MAX_ERROR_MESSAGE_LENGTH)}… [${5000 - MAX_ERROR_MESSAGE_LENGTH} more characters]`);
  });
});

describe("captured values", () => {
  it("a secret right at the cut is redacted before the cut, never cut into a prefix", () => {
    const secret = `ghp_${"A1b2C3d4E5".repeat(4)}`;
    const text = `${"a".repeat(90)} ${secret} ${"b".repeat(100_000)}`;
    const out = safeText(text, 100);
    expect(out).toBe(`${"a".repeat(90)} [REDACTED`.slice(0, 100) + `… [${text.length - 100} more characters]`);
  });

  it("tool input: strings redacted as they are (real newlines and quotes), then the JSON", () => {
    const content = `{"user": "app", "password": "Tr0ub4dor&3"}\nAGE-SECRET-KEY-1${"QPZRY9X8GF".repeat(5)}QPZRY9X8`;
    const out = safeJson({ file_path: "/p/creds.json", content, api_key: "abcd1234efgh5678" }, 4096);
    expect(out).toBe(JSON.stringify({ file_path: "/p/creds.json", content: '{"user": "app", "password": "[REDACTED]"}\n[REDACTED]', api_key: "[REDACTED]" }));
  });
});
