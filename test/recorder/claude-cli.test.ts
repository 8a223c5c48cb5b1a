/**
 * Which Claude Code CLI runs: the pinned dev dependency by default, CLAUDE_CODE_VERSION from the
 * cache otherwise, and each release's own hook-event list. No network: nothing here installs.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT, claudeCli, ensureClaudeCli, pinnedClaudeVersion, selectedClaudeVersion } from "./claude-cli.js";
import { HOOK_EVENTS, hookEventsOf } from "./logging-hooks.js";

const saved = process.env["CLAUDE_CODE_VERSION"];
afterEach(() => {
  if (saved === undefined) delete process.env["CLAUDE_CODE_VERSION"];
  else process.env["CLAUDE_CODE_VERSION"] = saved;
});

describe("CLI selection", () => {
  it("pins the devDependency's exact version", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
    expect(pinnedClaudeVersion()).toBe(pkg.devDependencies["@anthropic-ai/claude-code"]);
    expect(pinnedClaudeVersion()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("selects CLAUDE_CODE_VERSION when set, the pinned version when unset or empty", () => {
    delete process.env["CLAUDE_CODE_VERSION"];
    expect(selectedClaudeVersion()).toBe(pinnedClaudeVersion());
    process.env["CLAUDE_CODE_VERSION"] = " ";
    expect(selectedClaudeVersion()).toBe(pinnedClaudeVersion());
    process.env["CLAUDE_CODE_VERSION"] = "2.1.332";
    expect(selectedClaudeVersion()).toBe("2.1.332");
  });

  it("refuses a version that is not exact before touching npm", () => {
    expect(() => ensureClaudeCli("latest")).toThrow(/exact version/);
    expect(() => ensureClaudeCli("2.1")).toThrow(/exact version/);
  });

  it("finds a cached JavaScript release (cli.js under this Node) only when its package.json says that version", () => {
    const cache = mkdtempSync(join(tmpdir(), "cco-cli-cache-"));
    try {
      const root = join(cache, "9.9.9", "node_modules", "@anthropic-ai", "claude-code");
      mkdirSync(root, { recursive: true });
      writeFileSync(join(root, "cli.js"), "");
      writeFileSync(join(root, "package.json"), JSON.stringify({ version: "9.9.8" }));
      const script = `import { claudeCli } from ${JSON.stringify(join(REPO_ROOT, "test", "recorder", "claude-cli.ts"))};
        process.stdout.write(JSON.stringify(claudeCli("9.9.9") ?? null));`;
      const run = (): unknown => JSON.parse(runTsx(script, { CLAUDE_CODE_CACHE_DIR: cache }));
      expect(run()).toBeNull();
      writeFileSync(join(root, "package.json"), JSON.stringify({ version: "9.9.9" }));
      expect(run()).toEqual({ version: "9.9.9", command: process.execPath, args: [join(root, "cli.js")], kind: "js", pinned: false });
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});

const pinned = claudeCli(pinnedClaudeVersion());
describe.skipIf(pinned === undefined)("hook events read from the release itself", () => {
  it("the pinned release's list is HOOK_EVENTS (WorktreeCreate/Remove left out)", () => {
    expect(hookEventsOf(pinned!)).toEqual(HOOK_EVENTS);
  });
});

function runTsx(source: string, env: Record<string, string>): string {
  // CLAUDE_CODE_CACHE_DIR is read once at module load: a child process gets a fresh module.
  return execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", source], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
}
