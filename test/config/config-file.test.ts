import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config-file.js";

describe("config file errors never quote the file (it holds credentials)", () => {
  it.each([
    ['{"otlp":{"headers":{"Authorization":Basic c2VjcmV0LXZhbHVl}}}', "is not valid JSON: Unexpected token 'B'"],
    ['{"otlp":{"headers":{"x-api-key":"c2VjcmV0LXZhbHVl",}}}', "is not valid JSON (line 1, column 52): Expected double-quoted property name"],
    ['{"otlp":{"headers":{"x-api-key":"c2VjcmV0LXZhbHVl', "is not valid JSON (line 1, column 50): Unterminated string"],
  ])("%s", (text, message) => {
    const path = join(mkdtempSync(join(tmpdir(), "cco-config-")), "config.json");
    writeFileSync(path, text);
    const config = loadConfig(path);
    expect(config.errors).toEqual([`${path} ${message}`]);
    expect(config.errors.join("")).not.toContain("c2Vj");
  });
});
