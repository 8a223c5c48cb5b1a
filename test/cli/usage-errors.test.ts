/**
 * Mistakes on the command line: one line of ours on stderr and exit code 2, never Node's
 * multi-line parser messages; help wherever it is asked for, and `hook --help` creates nothing.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPORT_HELP } from "../../src/cli/report-command.js";
import { HOOK_ALERTS_HELP, HOOK_HELP } from "../../src/cli/hook-command.js";
import { UsageError, numberOpt, parseOptions, portOpt } from "../../src/cli/args.js";
import { runCli } from "../support/cli.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";

const EXAMPLES = join(REPO_ROOT, "examples", "projects");
const freshHome = (): string => mkdtempSync(join(tmpdir(), "cco-usage-home-"));
/** A fresh home with no Claude Code folder at all, as on a new machine (in-process, CLAUDE_CONFIG_DIR stands for ~/.claude). */
const fresh = (): NodeJS.ProcessEnv => {
  const home = freshHome();
  return { HOME: home, CLAUDE_CONFIG_DIR: join(home, ".claude") };
};

describe("one line and exit 2 for every command-line mistake", () => {
  const cases: [string[], string][] = [
    [["report", "--bogus"], "claude-code-otel report: unknown option --bogus (see claude-code-otel report --help)\n"],
    [["report", "--sinse", "2026-11-01"], "claude-code-otel report: unknown option --sinse; did you mean --since? (see claude-code-otel report --help)\n"],
    [["report", "-x"], "claude-code-otel report: unknown option -x (see claude-code-otel report --help)\n"],
    [["report", "--since"], "claude-code-otel report: --since needs a value (see claude-code-otel report --help)\n"],
    [["report", "--json=yes"], "claude-code-otel report: --json takes no value (see claude-code-otel report --help)\n"],
    [["report", "extra"], 'claude-code-otel report: unexpected argument "extra" (see claude-code-otel report --help)\n'],
    [["errors", "a", "b"], 'claude-code-otel errors: unexpected argument "b" (see claude-code-otel errors --help)\n'],
    [["errors", "a", "--width", "5"], 'claude-code-otel errors: --width must be a whole number >= 10, got "5"\n'],
    [["install", "--alert-usd", "-5", "--dry-run"], 'claude-code-otel install: --alert-usd must be a positive amount in USD (or "off"), got "-5"\n'],
    [
      ["install", "--endpoint", "--dry-run"],
      'claude-code-otel install: --endpoint needs a value, not an option; for a value starting with "-" write --endpoint=<value> (see claude-code-otel install --help)\n',
    ],
    [["report", "--config", "/nonexistent.json"], "claude-code-otel report: --config: no such file: /nonexistent.json\n"],
    [["replay", "--config", "/nonexistent.json", "--dry-run"], "claude-code-otel replay: --config: no such file: /nonexistent.json\n"],
    // Checked before anything is read: a missing projects folder would otherwise be reported first.
    [["watch", "--prometheus-port", "99999", "--projects-dir", "/nonexistent"], 'claude-code-otel watch: --prometheus-port must be a port number from 0 to 65535, got "99999"\n'],
    [["watch", "--prometheus-port", "80.5", "--once"], 'claude-code-otel watch: --prometheus-port must be a port number from 0 to 65535, got "80.5"\n'],
    [["watch", "--poll-seconds", "0.01", "--once"], 'claude-code-otel watch: --poll-seconds must be a number >= 0.05, got "0.01"\n'],
    [["watch", "--idle-minutes", "soon", "--once"], 'claude-code-otel watch: --idle-minutes must be a number >= 0, got "soon"\n'],
    [["help", "bogus"], 'claude-code-otel: unknown command "bogus". Run "claude-code-otel help".\n'],
  ];
  for (const [argv, stderr] of cases) {
    it(argv.join(" "), async () => {
      expect(await runCli(argv, { env: fresh() })).toEqual({ code: 2, stdout: "", stderr });
    });
  }

  it("a config named with --config that is not JSON is an error; a broken default config is a warning", async () => {
    const home = freshHome();
    const broken = join(home, "prices.json");
    writeFileSync(broken, "{ prices: ");
    const env = { HOME: home, CLAUDE_CONFIG_DIR: join(home, ".claude") };
    const r = await runCli(["report", "--no-cache", "--config", broken, "--projects-dir", EXAMPLES], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(new RegExp(`^claude-code-otel report: --config: ${broken} is not valid JSON.*\\n$`));
    mkdirSync(join(home, ".claude", "otel"), { recursive: true });
    writeFileSync(join(home, ".claude", "otel", "config.json"), "{ prices: ");
    const byDefault = await runCli(["report", "--no-cache", "--projects-dir", EXAMPLES], { env });
    expect(byDefault.code).toBe(0);
    expect(byDefault.stderr).toMatch(/^claude-code-otel: warning: .*config\.json is not valid JSON/);
  });
});

describe("help", () => {
  it("`help report` is `report --help`", async () => {
    expect(await runCli(["help", "report"])).toEqual({ code: 0, stdout: REPORT_HELP, stderr: "" });
    expect(await runCli(["report", "--help"])).toEqual({ code: 0, stdout: REPORT_HELP, stderr: "" });
  });

  it("the general help lists hook and hook-alerts with the rest", async () => {
    const r = await runCli(["help"]);
    expect(r.code).toBe(0);
    for (const command of ["report", "errors", "compactions", "install", "uninstall", "doctor", "hook", "hook-alerts", "flush", "watch", "replay"])
      expect(r.stdout).toMatch(new RegExp(`^  ${command} +\\S`, "m"));
  });

  const built = existsSync(join(REPO_ROOT, "dist", "hook", "hook.cjs"));
  it.skipIf(!built)("hook --help and hook-alerts --help print their help through both bins and create nothing (no ~/.claude/otel, no log)", () => {
    const runs: [string, string, string][] = [
      ["claude-code-otel.cjs", "hook", HOOK_HELP],
      ["claude-code-otel.cjs", "hook-alerts", HOOK_ALERTS_HELP],
      ["claude-code-otel.js", "hook", HOOK_HELP],
      ["claude-code-otel.js", "hook-alerts", HOOK_ALERTS_HELP],
    ];
    for (const [bin, command, help] of runs) {
      for (const flag of ["--help", "-h"]) {
        const home = freshHome();
        const r = spawnSync(process.execPath, [join(REPO_ROOT, "bin", bin), command, flag], { encoding: "utf8", input: "", env: { PATH: process.env["PATH"], HOME: home } });
        expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }, `${bin} ${command} ${flag}`).toEqual({ status: 0, stdout: help, stderr: "" });
        expect(readdirSync(home), `${bin} ${command} ${flag}`).toEqual([]);
      }
    }
  });

  it.skipIf(!built)("the hook itself is unchanged: no output, exit 0 (an empty payload is logged, as before)", () => {
    const home = freshHome();
    const r = spawnSync(process.execPath, [join(REPO_ROOT, "bin", "claude-code-otel.cjs"), "hook"], {
      encoding: "utf8",
      input: "",
      env: { PATH: process.env["PATH"], HOME: home },
    });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(existsSync(join(home, ".claude", "otel", "hook.log"))).toBe(true);
  });
});

describe("parseOptions and the numeric options", () => {
  const spec = { "alert-usd": { type: "string" as const, multiple: true }, port: { type: "string" as const }, json: { type: "boolean" as const } };

  it("a negative number after a string option is its value; after `--` everything is positional", () => {
    expect(parseOptions(["--alert-usd", "-5", "--alert-usd", "-.5", "--json"], spec).values).toEqual({ "alert-usd": ["-5", "-.5"], json: true });
    expect(parseOptions(["--", "--port", "-5"], spec, { positionals: 2 }).positionals).toEqual(["--port", "-5"]);
  });

  it("numberOpt and portOpt: bounds, whole numbers, blanks", () => {
    const p = (value: string) => parseOptions(["--port", value], spec);
    expect(portOpt(p("9464"), "port")).toBe(9464);
    expect(portOpt(p("0"), "port")).toBe(0);
    expect(portOpt(parseOptions([], spec), "port")).toBeUndefined();
    for (const bad of ["99999", "-1", "80.5", "", " ", "0x"]) {
      expect(() => portOpt(p(bad), "port"), bad).toThrow(new UsageError(`--port must be a port number from 0 to 65535, got "${bad}"`));
    }
    expect(numberOpt(p("0.05"), "port", { min: 0.05 })).toBe(0.05);
    expect(() => numberOpt(p("0.01"), "port", { min: 0.05 })).toThrow('--port must be a number >= 0.05, got "0.01"');
  });
});
