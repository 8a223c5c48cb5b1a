import { readFileSync, readdirSync, rmSync, statSync, writeFileSync, realpathSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseOptions } from "../../src/cli/args.js";
import { settingsPathFor } from "../../src/cli/install-command.js";
import { backupLabel } from "../../src/install/backups.js";
import { HOOK_EVENTS, eventTakesMatcher, hookCommand, mergeOurHooks, ourEntries, plannedEntries, removeOurHooks, shellWords } from "../../src/install/settings-merge.js";
import { unifiedDiff } from "../../src/util/line-diff.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";
import { runCli, settingsSandbox } from "../support/cli.js";

const NODE = process.execPath;
const BIN = realpathSync(join(REPO_ROOT, "bin", "claude-code-otel.cjs"));
const OBSERVER = `'${NODE}' '${BIN}' hook`;
const ALERTS = `'${NODE}' '${BIN}' hook-alerts`;

const FOREIGN = {
  model: "opus",
  env: { MY_FLAG: "1" },
  permissions: { allow: ["Bash(npm test:*)"] },
  hooks: {
    PreToolUse: [{ matcher: "Bash", hooks: [{ type: "command", command: "/usr/local/bin/guard.sh", timeout: 30 }] }],
    Stop: [{ hooks: [{ type: "command", command: "say done" }] }],
  },
};
const FOREIGN_TEXT = `${JSON.stringify(FOREIGN, null, 2)}\n`;

function ours(event: string, command = OBSERVER, extra: Record<string, unknown> = { async: true, timeout: 10 }): Record<string, unknown> {
  const handler = { type: "command", command, ...extra };
  return eventTakesMatcher(event) ? { matcher: "*", hooks: [handler] } : { hooks: [handler] };
}

let dir: string;
let env: NodeJS.ProcessEnv;
let settings: string;

beforeEach(() => ({ dir, env, settings } = settingsSandbox("cco-install-")));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const backupDir = (): string => join(dir, "otel", "backups");
/** Backups of the user settings file, in our home (never beside the file). */
const backups = (): string[] => (existsSync(backupDir()) ? readdirSync(backupDir()).filter((n) => n.startsWith(`${backupLabel(settings)}.bak-`)) : []);

describe("install", () => {
  it("merges with foreign hooks: the whole resulting settings file", async () => {
    writeFileSync(settings, FOREIGN_TEXT);
    const run = await runCli(["install"], { env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const expected = {
      ...FOREIGN,
      hooks: {
        PreToolUse: FOREIGN.hooks.PreToolUse,
        Stop: [...FOREIGN.hooks.Stop, ours("Stop")],
        SessionStart: [ours("SessionStart")],
        UserPromptSubmit: [ours("UserPromptSubmit")],
        PostToolUse: [ours("PostToolUse")],
        PostToolUseFailure: [ours("PostToolUseFailure")],
        SubagentStop: [ours("SubagentStop")],
        PreCompact: [ours("PreCompact")],
        PostCompact: [ours("PostCompact")],
        SessionEnd: [ours("SessionEnd")],
      },
    };
    const text = readFileSync(settings, "utf8");
    expect(JSON.parse(text)).toEqual(expected);
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    // matcher only where the event takes one
    expect(JSON.parse(text).hooks.UserPromptSubmit[0]).not.toHaveProperty("matcher");
    expect(JSON.parse(text).hooks.PostToolUse[0].matcher).toBe("*");
    expect(run.stdout).toContain(`hook installed in`);
    expect(run.stdout).toContain(OBSERVER);
  });

  it("creates the settings file when there is none, and the private state home", async () => {
    const run = await runCli(["install"], { env });
    expect(run.code).toBe(0);
    const written = JSON.parse(readFileSync(settings, "utf8"));
    expect(Object.keys(written.hooks)).toEqual([...HOOK_EVENTS]);
    expect(backups()).toEqual([]);
    expect(statSync(join(dir, "otel")).mode & 0o777).toBe(0o700);
  });

  it("is idempotent: a second install changes nothing and makes no backup", async () => {
    writeFileSync(settings, FOREIGN_TEXT);
    await runCli(["install"], { env });
    const first = readFileSync(settings, "utf8");
    const backupsAfterFirst = backups();
    const again = await runCli(["install"], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already installed");
    expect(readFileSync(settings, "utf8")).toBe(first);
    expect(backups()).toEqual(backupsAfterFirst);
  });

  it("keeps a timestamped backup holding the previous file, byte for byte", async () => {
    writeFileSync(settings, FOREIGN_TEXT, { mode: 0o640 });
    await runCli(["install"], { env });
    const [backup] = backups();
    expect(backup).toMatch(/^cco-install-\w+_claude_settings\.json-[0-9a-f]{8}\.bak-\d{8}T\d{6}Z$/);
    expect(readFileSync(join(backupDir(), backup!), "utf8")).toBe(FOREIGN_TEXT);
    expect(statSync(join(backupDir(), backup!)).mode & 0o777).toBe(0o600);
    expect(statSync(settings).mode & 0o777).toBe(0o640);
    expect(readdirSync(join(dir, "claude"))).toEqual(["settings.json"]);
  });

  it("--dry-run shows a diff and writes nothing (no settings, backup, config or state)", async () => {
    writeFileSync(settings, FOREIGN_TEXT);
    const run = await runCli(
      [
        "install",
        "--dry-run",
        "--endpoint",
        "http://127.0.0.1:4318",
        "--header",
        "Authorization=Basic c2VjcmV0LXZhbHVl",
        "--alert-usd",
        "5",
        "--slack-webhook",
        "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX",
      ],
      { env },
    );
    expect(run.code).toBe(0);
    expect(readFileSync(settings, "utf8")).toBe(FOREIGN_TEXT);
    expect(backups()).toEqual([]);
    expect(existsSync(join(dir, "otel"))).toBe(false);
    expect(run.stdout).toContain("nothing is written");
    expect(run.stdout).toMatch(/^--- .*settings\.json \(current\)$/m);
    expect(run.stdout).toMatch(/^\+\+\+ .*settings\.json \(after\)$/m);
    expect(run.stdout).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@$/m);
    expect(run.stdout).toContain(`+            "command": ${JSON.stringify(ALERTS)}`);
    expect(run.stdout).toContain(`+    "endpoint": "http://127.0.0.1:4318"`);
    expect(run.stdout).toContain(`"Authorization": "********"`);
    for (const secret of ["c2VjcmV0LXZhbHVl", "XXXXsecretXXXX", "T000/B000"]) {
      expect(run.stdout).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
    }
  });

  it("writes export and alert settings to a 0600 config in a 0700 folder, never printing secrets", async () => {
    const run = await runCli(
      [
        "install",
        "--endpoint",
        "http://127.0.0.1:4318/",
        "--protocol",
        "http/json",
        "--header",
        "Authorization=Basic c2VjcmV0LXZhbHVl",
        "--header",
        "x-langfuse-ingestion-version=4",
        "--alert-usd",
        "20",
        "--alert-usd",
        "5",
        "--slack-webhook",
        "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX",
      ],
      { env },
    );
    expect(run.code).toBe(0);
    const configPath = join(dir, "otel", "config.json");
    expect(JSON.parse(readFileSync(configPath, "utf8"))).toEqual({
      otlp: { endpoint: "http://127.0.0.1:4318", protocol: "http/json", headers: { Authorization: "Basic c2VjcmV0LXZhbHVl", "x-langfuse-ingestion-version": "4" } },
      alerts: { sessionUsd: [5, 20], slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX" },
    });
    expect(statSync(configPath).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "otel")).mode & 0o777).toBe(0o700);
    for (const secret of ["c2VjcmV0LXZhbHVl", "XXXXsecretXXXX", "T000/B000"]) {
      expect(run.stdout).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
    }
    expect(run.stdout).toContain("alerts:   per session at $5.00, $20.00");
    // Alerts on: a second, synchronous Stop entry whose output Claude Code shows to the user.
    const written = JSON.parse(readFileSync(settings, "utf8"));
    expect(written.hooks.Stop).toEqual([ours("Stop"), ours("Stop", ALERTS, { timeout: 5 })]);

    // Keeping the config (and prices someone added) on a later install; alerts "off" removes the Stop entry.
    const cfg = JSON.parse(readFileSync(configPath, "utf8"));
    writeFileSync(configPath, JSON.stringify({ ...cfg, prices: { "x-model": { input_mtok: 1, output_mtok: 2 } } }), { mode: 0o600 });
    const off = await runCli(["install", "--alert-usd", "off"], { env });
    expect(off.code).toBe(0);
    const after = JSON.parse(readFileSync(configPath, "utf8"));
    expect(after.prices).toEqual({ "x-model": { input_mtok: 1, output_mtok: 2 } });
    expect(after.alerts.sessionUsd).toEqual([]);
    expect(JSON.parse(readFileSync(settings, "utf8")).hooks.Stop).toEqual([ours("Stop")]);
    expect(readdirSync(backupDir()).filter((n) => n.startsWith(`${backupLabel(configPath)}.bak-`)).length).toBe(1);
  });

  it("refuses settings with comments or trailing commas: clear error, nothing written", async () => {
    for (const broken of ['{\n  // my hooks\n  "model": "opus"\n}\n', '{\n  "model": "opus",\n}\n']) {
      writeFileSync(settings, broken);
      const run = await runCli(["install", "--endpoint", "http://127.0.0.1:4318"], { env });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(/settings\.json is not strict JSON \(line \d+, column \d+\)/);
      expect(run.stderr).toMatch(/comments|trailing comma/);
      expect(run.stderr).toContain("nothing was written");
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(readFileSync(settings, "utf8")).toBe(broken);
      expect(backups()).toEqual([]);
      expect(existsSync(join(dir, "otel", "config.json"))).toBe(false);
    }
  });

  it("usage errors: two scopes, bad threshold, bad header", async () => {
    expect((await runCli(["install", "--user", "--project"], { env })).code).toBe(2);
    expect((await runCli(["install", "--alert-usd", "-3"], { env })).code).toBe(2);
    const header = await runCli(["install", "--header", "novalue-secret"], { env });
    expect(header.code).toBe(2);
    expect(header.stderr).not.toContain("novalue-secret");
  });
});

describe("uninstall", () => {
  it("restores a foreign-only settings file exactly, after a backup", async () => {
    writeFileSync(settings, FOREIGN_TEXT);
    await runCli(["install", "--alert-usd", "1"], { env });
    const installed = readFileSync(settings, "utf8");
    const run = await runCli(["uninstall"], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("removed 10 hook entries");
    expect(readFileSync(settings, "utf8")).toBe(FOREIGN_TEXT);
    expect(backups().map((b) => readFileSync(join(backupDir(), b), "utf8"))).toContain(installed);
    const again = await runCli(["uninstall"], { env });
    expect(again.stdout).toContain("nothing changed");
    expect(readFileSync(settings, "utf8")).toBe(FOREIGN_TEXT);
  });

  it("removes the hooks key and event arrays it emptied; keeps 4-space indentation", async () => {
    const original = `${JSON.stringify({ model: "opus" }, null, 4)}\n`;
    writeFileSync(settings, original);
    await runCli(["install"], { env });
    expect(readFileSync(settings, "utf8")).toContain('\n    "hooks": {');
    await runCli(["uninstall"], { env });
    expect(readFileSync(settings, "utf8")).toBe(original);
  });

  it("--dry-run shows the removal and writes nothing", async () => {
    writeFileSync(settings, FOREIGN_TEXT);
    await runCli(["install"], { env });
    const installed = readFileSync(settings, "utf8");
    const count = backups().length;
    const run = await runCli(["uninstall", "--dry-run"], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`-            "command": ${JSON.stringify(OBSERVER)}`);
    expect(readFileSync(settings, "utf8")).toBe(installed);
    expect(backups().length).toBe(count);
  });

  it("refuses a broken file", async () => {
    writeFileSync(settings, '{ "hooks": {}, }');
    const run = await runCli(["uninstall"], { env });
    expect(run.code).toBe(1);
    expect(readFileSync(settings, "utf8")).toBe('{ "hooks": {}, }');
  });
});

describe("settings merge (pure)", () => {
  it("replaces our older entries (moved package) instead of adding copies, in foreign groups too", () => {
    const old = mergeOurHooks(FOREIGN, plannedEntries("/old/node", "/old/claude-code-otel/bin/claude-code-otel.js", { alerts: false })).settings;
    // A hand-edit put our handler into a foreign group: it is taken out, the foreign handler stays.
    const handEdited = structuredClone(old) as { hooks: Record<string, { hooks: unknown[] }[]> };
    handEdited.hooks["PreToolUse"]![0]!.hooks.push({ type: "command", command: "/old/node /old/claude-code-otel/bin/claude-code-otel.js hook" });
    const next = mergeOurHooks(handEdited, plannedEntries(NODE, BIN, { alerts: false }));
    expect(next.changed).toBe(true);
    expect(next.replaced).toBe(HOOK_EVENTS.length + 1);
    expect(ourEntries(next.settings).map((e) => e.handler.command)).toEqual(HOOK_EVENTS.map(() => OBSERVER));
    expect((next.settings as typeof FOREIGN).hooks.PreToolUse).toEqual(FOREIGN.hooks.PreToolUse);
    expect(removeOurHooks(next.settings).settings).toEqual(FOREIGN);
  });

  it("quotes paths with spaces and quotes, and reads them back", () => {
    const cmd = hookCommand("/opt/my node/bin/node", "/home/o'brien/claude-code-otel/bin/claude-code-otel.js");
    expect(shellWords(cmd)).toEqual(["/opt/my node/bin/node", "/home/o'brien/claude-code-otel/bin/claude-code-otel.js", "hook"]);
    expect(shellWords(`"/a b/node" /x/claude-code-otel.js hook`)).toEqual(["/a b/node", "/x/claude-code-otel.js", "hook"]);
  });

  it("scopes: --user honours CLAUDE_CONFIG_DIR, --project is the cwd's .claude", () => {
    expect(settingsPathFor(parseOptions(["--user"], { user: { type: "boolean" } }), { CLAUDE_CONFIG_DIR: "/cfg" }, "/work")).toBe("/cfg/settings.json");
    expect(settingsPathFor(parseOptions(["--project"], { project: { type: "boolean" } }), {}, "/work/app")).toBe("/work/app/.claude/settings.json");
  });

  it("unified diff of two texts", () => {
    expect(unifiedDiff("a\nb\nc\n", "a\nB\nc\n", { from: "x", to: "y" })).toBe("--- x\n+++ y\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
    expect(unifiedDiff("", "a\n", { from: "x", to: "y" })).toBe("--- x\n+++ y\n@@ -0,0 +1,1 @@\n+a\n");
    expect(unifiedDiff("same\n", "same\n", { from: "x", to: "y" })).toBe("");
  });
});
