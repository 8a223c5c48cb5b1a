import { describe, expect, it } from "vitest";
import { redactSecrets, truncate } from "../../src/redact/redact.js";
import { ORDINARY, SECRET_CASES } from "./secrets-corpus.js";

describe("redactSecrets: the corpus", () => {
  it("covers 60+ kinds, from every scanner's families", () => {
    expect(SECRET_CASES.length).toBeGreaterThanOrEqual(60);
    for (const scanner of ["gitleaks", "secretlint", "detect-secrets", "issue"]) expect(SECRET_CASES.filter((c) => c.covers.includes(scanner)).length).toBeGreaterThan(10);
  });

  it.each(SECRET_CASES.map((c) => [c.name, c] as const))("removes a %s", (_name, c) => {
    const out = redactSecrets(c.text);
    expect(c.secrets.filter((s) => out.includes(s))).toEqual([]);
    expect(out).toContain("[REDACTED]");
  });

  it("every kind at once, in one text: nothing left", () => {
    const all = redactSecrets(SECRET_CASES.map((c) => c.text).join("\n"));
    expect(SECRET_CASES.flatMap((c) => c.secrets).filter((s) => all.includes(s))).toEqual([]);
  });

  it.each(ORDINARY.map((t) => [t]))("leaves ordinary text alone: %j", (text) => {
    expect(redactSecrets(text)).toBe(text);
  });
});

describe("redactSecrets keeps the context around a secret", () => {
  it.each([
    ["GITHUB_TOKEN=ghp_1234567890abcdefghijABCDEFGHIJ123456", "GITHUB_TOKEN=[REDACTED]"],
    ["postgres://admin:hunter2hunter2@db:5432/app", "postgres://admin:[REDACTED]@db:5432/app"],
    ["redis://:S3cretRedisPass@cache:6379/0", "redis://:[REDACTED]@cache:6379/0"],
    ['{"user": "app", "password": "Tr0ub4dor&3"}', '{"user": "app", "password": "[REDACTED]"}'],
    ["PGPASSWORD='a b c' psql", "PGPASSWORD='[REDACTED]' psql"],
    ['tool --password "x y z" --host db', 'tool --password "[REDACTED]" --host db'],
    ["mysql -u root -pS3cret shop", "mysql -u root -p[REDACTED] shop"],
    ["curl -u deploy:S3cretPass https://ci", "curl -u deploy:[REDACTED] https://ci"],
    ["tool --password hunter2pass --host db", "tool --password [REDACTED] --host db"],
    ["Authorization: Bearer abcdefghijklmnop", "Authorization: Bearer [REDACTED]"],
    ["machine h login u password p4ssw0rd", "machine h login u password [REDACTED]"],
    ["<password>s3cr3tvalue</password>", "<password>[REDACTED]</password>"],
    // A token redacted inside a URL's password stays one [REDACTED] (the user name oauth2 holds "auth").
    ["git push https://oauth2:glpat-abcdefghijklmnopqrst@gitlab.com/x", "git push https://oauth2:[REDACTED]@gitlab.com/x"],
    ["redis-cli -h cache -a S3cretR ping", "redis-cli -h cache -a [REDACTED] ping"],
    ["keytool -storepass S3cretS -keypass S3cretK", "keytool -storepass [REDACTED] -keypass [REDACTED]"],
  ])("%s", (text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });

  it("truncates and says how much was cut", () => {
    expect(truncate("abcdef", 4)).toBe("abcd… [2 more characters]");
    expect(truncate("abc", 4)).toBe("abc");
  });
});
