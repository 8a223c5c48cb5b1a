/**
 * The README's "Install outside the clone": pack a copy of the checkout (prepack builds dist/),
 * install the tarball globally into a temporary prefix, and use it from another folder with a
 * fresh HOME, as a user in their own project does.
 */
import { execFileSync, spawnSync } from "node:child_process";
import type { SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { HOOK_HELP } from "../../src/cli/hook-command.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;
const temp = (name: string): string => mkdtempSync(join(tmpdir(), `cco-global-${name}-`));

/** The checkout's files as git knows them (committed or not, ignored files left out), without dist/. */
function copyOfCheckout(): string {
  const copy = temp("checkout");
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: REPO_ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const file of files) {
    // Deleted but not yet committed; or a worktree's node_modules/.cache symlinks, which the
    // folder patterns of .gitignore do not match.
    if (!existsSync(join(REPO_ROOT, file)) || /^(node_modules|\.cache|dist)(\/|$)/.test(file)) continue;
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(copy, file));
  }
  symlinkSync(join(REPO_ROOT, "node_modules"), join(copy, "node_modules"));
  return copy;
}

describe("npm install -g <tarball>", () => {
  let prefix: string;
  let packageDir: string;
  let npmInstall: SpawnSyncReturns<string>;
  beforeAll(() => {
    const checkout = copyOfCheckout();
    const out = temp("tarball");
    const manifest = readFileSync(join(checkout, "package.json"), "utf8");
    const pack = spawnSync("npm", ["pack", "--pack-destination", out, "--json"], { cwd: checkout, encoding: "utf8" });
    expect(pack.status, pack.stderr).toBe(0);
    // postpack puts the clone's package.json back as it was (prepack took `prepare` out of the packed one).
    expect(readFileSync(join(checkout, "package.json"), "utf8")).toBe(manifest);
    expect(existsSync(join(checkout, "package.json.before-pack"))).toBe(false);
    const tarball = join(out, (JSON.parse(pack.stdout) as { filename: string }[])[0]?.filename ?? "");
    prefix = temp("prefix");
    npmInstall = spawnSync("npm", ["install", "-g", "--prefix", prefix, "--no-audit", "--no-fund", "--prefer-offline", tarball], { cwd: out, encoding: "utf8" });
    packageDir = join(prefix, "lib", "node_modules", "claude-code-otel");
  }, 600_000);

  /** The installed command, from a folder of its own, with a fresh HOME (no ~/.claude at all). */
  const run = (args: string[], options: { home: string; cwd: string; input?: string }): SpawnSyncReturns<string> =>
    spawnSync(join(prefix, "bin", "claude-code-otel"), args, {
      cwd: options.cwd,
      encoding: "utf8",
      input: options.input ?? "",
      env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: options.home, TZ: "UTC" },
    });

  it("installs from the tarball alone: dist/ is in it, no install script runs, npm warns about nothing", () => {
    expect(npmInstall.status, npmInstall.stderr).toBe(0);
    expect(npmInstall.stderr).not.toMatch(/warn|install-scripts|ERR/i);
    expect(existsSync(join(packageDir, "dist", "cli", "main.js"))).toBe(true);
    expect(existsSync(join(packageDir, "dist", "hook", "hook.cjs"))).toBe(true);
    const scripts = (JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts["prepare"]).toBeUndefined();
    expect(readdirSync(packageDir).sort()).toEqual([
      "DEVELOPERS.md",
      "README.md",
      "alertmanager",
      "bin",
      "collector",
      "dist",
      "docs",
      "examples",
      "grafana",
      "jaeger",
      "node_modules",
      "package.json",
      "prometheus",
    ]);
  });

  it("report, from another folder with a fresh HOME: a clear exit 3 without history, the examples with --projects-dir", () => {
    const home = temp("home");
    const cwd = temp("elsewhere");
    expect(run(["--version"], { home, cwd }).stdout).toBe(`${VERSION}\n`);
    const none = run(["report"], { home, cwd });
    expect({ status: none.status, stdout: none.stdout, stderr: none.stderr }).toEqual({
      status: 3,
      stdout: "",
      stderr: `claude-code-otel report: cannot read Claude Code projects folder ${join(home, ".claude", "projects")}: no such file or directory (set --projects-dir or CLAUDE_CONFIG_DIR)\n`,
    });
    const examples = run(["report", "--json", "--no-cache", "--projects-dir", join(packageDir, "examples", "projects")], { home, cwd });
    expect(examples.status, examples.stderr).toBe(0);
    expect((JSON.parse(examples.stdout) as { totals: { sessions: number } }).totals.sessions).toBe(5);
    expect(readdirSync(home)).toEqual([]);
  });

  it("install --project --dry-run in a project: the installed package's absolute paths, nothing written", () => {
    const home = temp("home");
    const project = temp("project");
    const r = run(["install", "--project", "--dry-run"], { home, cwd: project });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`"command": "'${process.execPath}' '${join(packageDir, "bin", "claude-code-otel.cjs")}' hook"`);
    expect(r.stdout).toContain(`+++ ${join(project, ".claude", "settings.json")} (after)`);
    expect(readdirSync(project)).toEqual([]);
    expect(readdirSync(home)).toEqual([]);
  });

  it("the hook command install writes runs from the installed package; hook --help prints help and creates nothing", () => {
    const home = temp("home");
    const project = temp("project");
    const settings = join(project, "settings.json");
    expect(run(["install", "--settings", settings], { home, cwd: project }).status).toBe(0);
    const command = (JSON.parse(readFileSync(settings, "utf8")) as { hooks: { SessionStart: { hooks: { command: string }[] }[] } }).hooks.SessionStart[0]?.hooks[0]?.command ?? "";
    const hook = spawnSync("sh", ["-c", command], {
      cwd: project,
      encoding: "utf8",
      input: JSON.stringify({ hook_event_name: "SessionStart", session_id: "s1" }),
      env: { HOME: home },
    });
    expect({ status: hook.status, stdout: hook.stdout, stderr: hook.stderr }).toEqual({ status: 0, stdout: "", stderr: "" });
    const freshHome = temp("home");
    const help = run(["hook", "--help"], { home: freshHome, cwd: project });
    expect({ status: help.status, stdout: help.stdout }).toEqual({ status: 0, stdout: HOOK_HELP });
    expect(readdirSync(freshHome)).toEqual([]);
  });
});
