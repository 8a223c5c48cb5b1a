/**
 * Issue 16.4, 16.7 and 17.9: install never removes a hook of the user's, whatever its command
 * says, and says what it changed per event; header values Node could not send are refused at
 * install (GNU base64's 76-column line break); uninstall --project leaves nothing in the project
 * (no `{}`, no backup with this machine's paths), and backups are bounded.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { installCommand, uninstallCommand } from "../../src/cli/install-command.js";
import { KEEP_BACKUPS, backupLabel } from "../../src/install/backups.js";
import { HOOK_EVENTS, ourSubcommand } from "../../src/install/settings-merge.js";
import { captureIO, runCli, settingsSandbox } from "../support/cli.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";

const EXAMPLES = join(REPO_ROOT, "examples", "projects");

let dir: string;
let env: NodeJS.ProcessEnv;
let settings: string;
beforeEach(() => ({ dir, env, settings } = settingsSandbox("cco-install-safety-")));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Commands of the user's own that merely mention our name, a `hook` word, or both. */
const LOOKALIKES = [
  "logger -t claude-code-otel-audit hook fired",
  "echo claude-code-otel hook",
  "/usr/local/bin/claude-code-otel-wrapper hook",
  "node /opt/tools/claude-code-otel.cjs hook --dry",
  "node /home/me/claude-code-otel/scripts/claude-code-otel.cjs hook",
  "bash -c 'claude-code-otel hook | tee /tmp/x'",
  "npx claude-code-otel hook; say done",
  "my-claude-code-otel hook",
];

describe("install never removes a hook of yours (16.4)", () => {
  it("recognises exactly our commands", () => {
    expect(LOOKALIKES.map(ourSubcommand)).toEqual(LOOKALIKES.map(() => undefined));
    expect(ourSubcommand(`'/usr/bin/node' '/x/claude-code-otel/bin/claude-code-otel.cjs' hook`)).toBe("hook");
    expect(ourSubcommand(`/usr/bin/node "/x y/bin/claude-code-otel.js" hook-alerts`)).toBe("hook-alerts");
    expect(ourSubcommand("npx claude-code-otel hook")).toBe("hook");
    expect(ourSubcommand("claude-code-otel hook-alerts")).toBe("hook-alerts");
  });

  it("look-alike commands on every event survive install, reinstall and uninstall, in place", async () => {
    const hooks = Object.fromEntries(HOOK_EVENTS.map((event) => [event, [{ hooks: LOOKALIKES.map((command) => ({ type: "command", command })) }]]));
    const original = `${JSON.stringify({ hooks }, null, 2)}\n`;
    writeFileSync(settings, original);
    const first = await runCli(["install"], { env });
    expect(first.code).toBe(0);
    const installed = JSON.parse(readFileSync(settings, "utf8")) as { hooks: Record<string, { hooks: { command: string }[] }[]> };
    for (const event of HOOK_EVENTS) expect(installed.hooks[event]?.[0]?.hooks.map((h) => h.command)).toEqual(LOOKALIKES);
    // A second install with other options, then uninstall: the user's hooks are still all there.
    expect((await runCli(["install", "--alert-usd", "3"], { env })).code).toBe(0);
    const off = await runCli(["uninstall"], { env });
    expect(off.code).toBe(0);
    expect(readFileSync(settings, "utf8")).toBe(original);
  });

  it("says what changed, per event: added, updated, removed", async () => {
    const first = await runCli(["install"], { env });
    expect(first.stdout).toContain(`  added:    ${HOOK_EVENTS.join(", ")} (hook)\n`);
    const alerts = await runCli(["install", "--alert-usd", "5"], { env });
    expect(alerts.stdout).toContain("hook updated in");
    expect(alerts.stdout).toContain("  added:    Stop (hook-alerts)\n");
    expect(alerts.stdout).not.toContain("updated:");
    // The package moved (an older path in the file): every entry is updated, in place of the old.
    const moved = readFileSync(settings, "utf8").replaceAll(join(process.cwd(), "bin"), "/old/place/claude-code-otel/bin");
    writeFileSync(settings, moved);
    const again = await runCli(["install", "--alert-usd", "off"], { env });
    expect(again.stdout).toContain(`  updated:  ${HOOK_EVENTS.join(", ")} (hook)\n`);
    expect(again.stdout).toContain("  removed:  Stop (hook-alerts)\n");
    const off = await runCli(["uninstall"], { env });
    expect(off.stdout).toContain(`  removed:  ${HOOK_EVENTS.join(", ")} (hook)\n`);
  });
});

describe("header values are checked at install (16.7)", () => {
  const secret = `pk-lf-${"a".repeat(40)}:sk-lf-${"b".repeat(40)}`;

  it("GNU base64's wrapped output is refused with the fix, nothing written, the value never echoed", async () => {
    const wrapped = execFileSync("base64", { input: secret }).toString();
    expect(wrapped.trim()).toContain("\n");
    const run = await runCli(["install", "--endpoint", "http://127.0.0.1:4318", "--header", `Authorization=Basic ${wrapped}`], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('holds a line break (character 83 of 131); GNU base64 wraps its output at 76 columns: use "base64 -w0", or --header-basic user:secret');
    expect(run.stderr).not.toContain(wrapped.slice(0, 20));
    expect(existsSync(settings)).toBe(false);
    expect(existsSync(join(dir, "otel", "config.json"))).toBe(false);
  });

  it("the README recipe (base64 -w0) and --header-basic store the same one-line value", async () => {
    const recipe = execFileSync("sh", ["-c", 'printf %s "$PAIR" | base64 -w0'], { env: { PATH: process.env["PATH"], PAIR: secret } }).toString();
    expect((await runCli(["install", "--header", `Authorization=Basic ${recipe}`], { env })).code).toBe(0);
    const viaRecipe = JSON.parse(readFileSync(join(dir, "otel", "config.json"), "utf8")).otlp.headers.Authorization;
    const basic = await runCli(["install", "--header-basic", secret], { env });
    expect(basic.code).toBe(0);
    expect(basic.stdout + basic.stderr).not.toContain("sk-lf-");
    const viaOption = JSON.parse(readFileSync(join(dir, "otel", "config.json"), "utf8")).otlp.headers.Authorization;
    expect(viaOption).toBe(`Basic ${Buffer.from(secret).toString("base64")}`);
    expect(viaRecipe).toBe(viaOption);
  });

  it.each([
    ["a bad name", "Auth orization=x", 'header name "Auth orization" is not a valid HTTP header name'],
    ["a NUL", "x-key=ab\u0000cd", "the value of header x-key holds a control or non-Latin-1 character (character 3 of 5, U+0000)"],
    ["an emoji", "x-key=ab😀", "the value of header x-key holds a control or non-Latin-1 character (character 3 of 4, U+D83D)"],
    ["no value", "x-key", "--header must be name=value"],
  ])("%s", async (_name, header, message) => {
    const run = await runCli(["install", "--header", header], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it("a wrapped value in OTEL_EXPORTER_OTLP_HEADERS: replay refuses it before anything is sent, naming the variable", async () => {
    const wrapped = encodeURIComponent(execFileSync("base64", { input: secret }).toString().trim());
    const withHeaders = { ...env, OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Basic%20${wrapped}` };
    const state = join(dir, "state");
    const replay = await runCli(["replay", "--projects-dir", EXAMPLES, "--endpoint", "http://127.0.0.1:9", "--state-dir", state], { env: withHeaders });
    expect(replay.code).toBe(2);
    expect(replay.stderr).toBe(
      'claude-code-otel replay: OTEL_EXPORTER_OTLP_HEADERS: the value of header Authorization holds a line break (character 83 of 131); GNU base64 wraps its output at 76 columns: use "base64 -w0", or --header-basic user:secret\n',
    );
    expect(existsSync(state)).toBe(false);
    const perSignal = await runCli(["replay", "--projects-dir", EXAMPLES, "--endpoint", "http://127.0.0.1:9", "--state-dir", state], {
      env: { ...env, OTEL_EXPORTER_OTLP_METRICS_HEADERS: "x-key=a%0Db" },
    });
    expect(perSignal.stderr).toContain("OTEL_EXPORTER_OTLP_METRICS_HEADERS: the value of header x-key holds a line break (character 2 of 3)");
  });

  it("--header-basic without a colon, or with an Authorization header too", async () => {
    expect((await runCli(["install", "--header-basic", "justone"], { env })).stderr).toContain("--header-basic must be user:secret");
    expect((await runCli(["install", "--header-basic", "a:b", "--header", "authorization=x"], { env })).stderr).toContain("both set the Authorization header");
  });
});

describe("uninstall --project leaves the project as it was; backups are bounded (17.9)", () => {
  it("a project without .claude/: install then uninstall leave no file, no folder, no backup in it", async () => {
    const project = join(dir, "project");
    mkdirSync(project);
    const cwd = process.cwd();
    process.chdir(project);
    try {
      const io = captureIO(env);
      expect(await installCommand(["--project"], io)).toBe(0);
      expect(readdirSync(join(project, ".claude"))).toEqual(["settings.json"]);
      // A second install (alerts) keeps its backup outside the project.
      expect(await installCommand(["--project", "--alert-usd", "2"], io)).toBe(0);
      expect(readdirSync(join(project, ".claude"))).toEqual(["settings.json"]);
      const out = captureIO(env);
      expect(await uninstallCommand(["--project"], out)).toBe(0);
      expect(out.stdout()).toContain("  deleted:  ");
      expect(readdirSync(project)).toEqual([]);
      // The backups (with this machine's paths) are in our private home.
      const saved = readdirSync(join(dir, "otel", "backups")).filter((n) => n.startsWith(backupLabel(join(project, ".claude", "settings.json"))));
      expect(saved.length).toBe(2);
    } finally {
      process.chdir(cwd);
    }
  });

  it("a settings file of the user's (existed before) is kept, as it was, even when it ends up {}", async () => {
    const project = join(dir, "p2");
    mkdirSync(join(project, ".claude"), { recursive: true });
    writeFileSync(join(project, ".claude", "settings.json"), "{}\n");
    const cwd = process.cwd();
    process.chdir(project);
    try {
      expect(await installCommand(["--project"], captureIO(env))).toBe(0);
      expect(await uninstallCommand(["--project"], captureIO(env))).toBe(0);
      expect(readdirSync(join(project, ".claude"))).toEqual(["settings.json"]);
      expect(readFileSync(join(project, ".claude", "settings.json"), "utf8")).toBe("{}\n");
    } finally {
      process.chdir(cwd);
    }
  });

  it(`keeps the newest ${KEEP_BACKUPS} backups of each file; older versions' backups beside the file are moved in`, async () => {
    writeFileSync(settings, "{}\n");
    for (const old of ["20250101T000000Z", "20250102T000000Z"]) writeFileSync(join(dir, "claude", `settings.json.bak-${old}`), `{"old":"${old}"}\n`);
    // Alerts on and off: both the settings (the synchronous Stop entry) and the config change every time.
    for (let i = 1; i <= 8; i++) expect((await runCli(["install", "--alert-usd", i % 2 === 1 ? String(i) : "off"], { env })).code).toBe(0);
    const names = readdirSync(join(dir, "otel", "backups"));
    const ofSettings = names.filter((n) => n.startsWith(`${backupLabel(settings)}.bak-`));
    const ofConfig = names.filter((n) => n.startsWith(`${backupLabel(join(dir, "otel", "config.json"))}.bak-`));
    expect(ofSettings.length).toBe(KEEP_BACKUPS);
    expect(ofConfig.length).toBe(KEEP_BACKUPS);
    expect(readdirSync(join(dir, "claude"))).toEqual(["settings.json"]);
    // The newest is the file as it was before the last install (alerts on, at $7); the one before, alerts off.
    const stamps = (n: string): [string, number] => [n.slice(n.lastIndexOf(".bak-") + 5, n.lastIndexOf(".bak-") + 21), Number(n.split(/Z-?/).at(-1) || 0)];
    const ordered = [...ofConfig].sort((a, b) => (stamps(a)[0] === stamps(b)[0] ? stamps(a)[1] - stamps(b)[1] : stamps(a)[0] < stamps(b)[0] ? -1 : 1));
    expect(JSON.parse(readFileSync(join(dir, "otel", "backups", ordered.at(-1) as string), "utf8")).alerts.sessionUsd).toEqual([7]);
    expect(JSON.parse(readFileSync(join(dir, "otel", "backups", ordered.at(-2) as string), "utf8")).alerts.sessionUsd).toEqual([]);
  });
});
