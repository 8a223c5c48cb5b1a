import { describe, expect, it } from "vitest";
import { redactSecrets, truncate } from "../../src/redact/redact.js";
import { SECRETS } from "./secrets-corpus.js";

describe("redactSecrets", () => {
  it.each(SECRETS.map((s) => [s.name, s] as const))("removes a %s", (_name, s) => {
    const out = redactSecrets(s.text);
    expect(out).not.toContain(s.secret);
    expect(out).toContain("[REDACTED]");
  });

  it("keeps ordinary text and the names around a secret", () => {
    expect(redactSecrets("ls -la /home/user && git status")).toBe("ls -la /home/user && git status");
    expect(redactSecrets("GITHUB_TOKEN=ghp_1234567890abcdefghijABCDEFGHIJ123456")).toBe("GITHUB_TOKEN=[REDACTED]");
    expect(redactSecrets("postgres://admin:hunter2hunter2@db:5432/app")).toBe("postgres://admin:[REDACTED]@db:5432/app");
  });

  it("truncates and says how much was cut", () => {
    expect(truncate("abcdef", 4)).toBe("abcd… [2 more characters]");
    expect(truncate("abc", 4)).toBe("abc");
  });
});
