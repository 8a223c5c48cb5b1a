/**
 * `doctor`: one line per check (✓ ok, ! worth a look, ✗ broken) and what to do about it.
 * Exit 0 when every essential check passes, 1 otherwise; `--json` for scripts and fleet checks.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { defaultConfigPath, loadConfig, otelHome } from "../config/config-file.js";
import { readAlertSettings, readOtlpSettings } from "../config/hook-config.js";
import { defaultStateDir } from "../config/state-dir.js";
import { managedSettingsPath, settingsEnv } from "../install/managed-settings.js";
import { ourSubcommand } from "../install/settings-merge.js";
import { defaultProjectsDir } from "../transcript/discover.js";
import { maskUrlPath } from "../util/mask-url.js";
import { packageVersion } from "../util/package-version.js";
import { terminalSafe } from "../util/terminal-safe.js";
import type { OptionSpec } from "./args.js";
import { boolOpt, parseOptions, stringOpt } from "./args.js";
import type { Check, CheckStatus } from "./doctor-check.js";
import { configCheck, folderCheck, isInside, outboxChecks, privateFoldersCheck, transcriptsCheck } from "./doctor-files.js";
import { endpointChecks } from "./doctor-probe.js";
import { sendTestChecks } from "./doctor-send-test.js";
import type { SettingsScan } from "./doctor-settings.js";
import { commandChecks, scanSettings } from "./doctor-settings.js";
import { projectSettingsPath, userSettingsPath } from "./install-scope.js";
import type { CliIO } from "./output.js";
import { EXIT } from "./output.js";

export type { Check, CheckStatus } from "./doctor-check.js";
export { PROBE_TIMEOUT_MS, probeOtlp } from "./doctor-probe.js";
export type { ProbeResult } from "./doctor-probe.js";

const OPTIONS: OptionSpec = {
  json: { type: "boolean" },
  "send-test": { type: "boolean" },
  "project-dir": { type: "string" },
  "managed-settings": { type: "string" },
  help: { type: "boolean", short: "h" },
};

const HELP = `Usage: claude-code-otel doctor [--send-test] [--json] [--project-dir <dir>] [--managed-settings <file>]

Checks the hook in Claude Code's settings (managed, user and project), the hook command's paths,
the config file (the one managed settings name in CLAUDE_CODE_OTEL_CONFIG, if they do), the OTLP endpoint (an empty export to <endpoint>/v1/traces, 2 s timeout), our home
and state folders (yours, 0700), the outbox backlog and the transcripts folder. Exit 0 when the
essentials pass, else 1. --json prints {schema, version, ok, summary, checks} for scripts.
--managed-settings: Claude Code's managed settings file; default ${managedSettingsPath()}.

--send-test also writes for real: a test span (a trace of its own, named claude_code.doctor.test)
and a test point (the gauge claude_code.doctor.test) to the hooks' endpoint and to the one this
shell's OTEL_EXPORTER_OTLP_* variables name, and says per destination and signal whether the
receiver accepted it (HTTP status, OTLP partial success). No dashboard or alert counts them.
`;

function hookChecks(env: NodeJS.ProcessEnv, projectDir: string, managedPath: string): { checks: Check[]; scans: SettingsScan[]; managed: boolean } {
  const userSettings = userSettingsPath(env);
  const projectSettings = projectSettingsPath(projectDir);
  // A machine without managed settings (most laptops) gets no line for them.
  const managed = existsSync(managedPath) ? scanSettings("managed", managedPath, true) : undefined;
  const user = scanSettings("user", userSettings, false);
  const project = resolve(projectSettings) === resolve(userSettings) ? undefined : scanSettings("project", projectSettings, true);
  const scans = [...(managed === undefined ? [] : [managed]), user, ...(project === undefined ? [] : [project])];
  const checks = scans.map((s) => s.check);
  if (!scans.some((s) => s.ok) && !scans.some((s) => s.check.status === "fail"))
    checks.push({ name: "hook", status: "fail", message: "the claude-code-otel hook is not installed", fix: "run claude-code-otel install (user) or install --project" });
  const withHook = scans.filter((s) => s.entries.length > 0);
  if (withHook.length > 1) {
    const commands = new Set(withHook.flatMap((s) => s.entries.map((e) => e.handler.command)));
    // Claude Code runs identical commands once; different ones (two installs) both run.
    if (commands.size > new Set(withHook[0]?.entries.map((e) => e.handler.command)).size) {
      checks.push({
        name: "hook",
        status: "warn",
        message: `installed in ${withHook.map((s) => s.check.name).join(" and ")} with different commands: every event is exported twice`,
        fix: withHook.some((s) => s === managed)
          ? "with the hooks in managed settings, run claude-code-otel uninstall (--user, --project) for each user"
          : "run claude-code-otel uninstall --project (or --user)",
      });
    }
  }
  checks.push(...commandChecks(scans.flatMap((s) => s.entries)));
  return { checks, scans, managed: managed !== undefined };
}

function alertsCheck(scans: readonly SettingsScan[], sessionUsd: readonly number[], slackWebhookUrl: string | undefined): Check | undefined {
  if (sessionUsd.length === 0) return undefined;
  const syncStop = scans.some((s) => s.entries.some((e) => e.event === "Stop" && ourSubcommand(e.handler.command) === "hook-alerts" && e.handler.async !== true));
  const slack = slackWebhookUrl === undefined ? "" : `; Slack ${maskUrlPath(slackWebhookUrl)}`;
  return syncStop
    ? { name: "alerts", status: "ok", message: `per-session alerts at ${sessionUsd.map((n) => `$${n.toFixed(2)}`).join(", ")}${slack}` }
    : {
        name: "alerts",
        status: "fail",
        message: "cost alerts are configured but the synchronous Stop entry that shows them is not installed",
        fix: "run claude-code-otel install again",
      };
}

async function runChecks(env: NodeJS.ProcessEnv, projectDir: string, managedPath = managedSettingsPath(), options: { sendTest?: boolean } = {}): Promise<Check[]> {
  const { checks, scans, managed } = hookChecks(env, projectDir, managedPath);
  // Claude Code gives its hooks the managed settings' env, over the user's: the config they read.
  const machineConfig = managed ? settingsEnv(managedPath)["CLAUDE_CODE_OTEL_CONFIG"] : undefined;
  const machineWide = machineConfig !== undefined && machineConfig !== "";
  const config = loadConfig(machineWide ? machineConfig : defaultConfigPath(env));
  const otlp = readOtlpSettings(config.raw);
  const alerts = readAlertSettings(config.raw);
  checks.push(configCheck(config, [...otlp.errors, ...alerts.errors], machineWide));
  checks.push(...(await endpointChecks(otlp.value, env)));
  if (options.sendTest === true) checks.push(...(await sendTestChecks(env, config.raw)));
  const alertCheck = alertsCheck(scans, alerts.value.sessionUsd, alerts.value.slackWebhookUrl);
  if (alertCheck !== undefined) checks.push(alertCheck);
  const home = otelHome(env);
  const ledgers = defaultStateDir(env);
  checks.push(folderCheck(home, "the hook cannot spool or keep its outbox"));
  // The replay/flush ledgers may live elsewhere (CLAUDE_CODE_OTEL_STATE_DIR): same rules once they exist.
  if (!isInside(ledgers, home) && existsSync(ledgers)) checks.push(folderCheck(ledgers, "exports cannot record what was sent"));
  checks.push(privateFoldersCheck(isInside(ledgers, home) ? [home] : [home, ledgers]));
  checks.push(...outboxChecks(env, ledgers, config.raw));
  checks.push(transcriptsCheck(defaultProjectsDir(env)));
  return checks;
}

const SYMBOL: Record<CheckStatus, string> = { ok: "✓", warn: "!", fail: "✗" };
const COLOR: Record<CheckStatus, string> = { ok: "\x1b[32m", warn: "\x1b[33m", fail: "\x1b[31m" };

export async function doctorCommand(argv: string[], io: CliIO): Promise<number> {
  const p = parseOptions(argv, OPTIONS);
  if (boolOpt(p, "help")) {
    io.out(HELP);
    return EXIT.ok;
  }
  const managed = stringOpt(p, "managed-settings");
  const checks = await runChecks(io.env, resolve(stringOpt(p, "project-dir") ?? process.cwd()), managed === undefined ? undefined : resolve(managed), {
    sendTest: boolOpt(p, "send-test"),
  });
  const ok = checks.every((c) => c.status !== "fail");
  if (boolOpt(p, "json")) {
    const summary = { ok: 0, warn: 0, fail: 0 };
    for (const c of checks) summary[c.status]++;
    // JSON.stringify escapes control characters: the JSON output is terminal-safe as it is.
    io.out(`${JSON.stringify({ schema: 1, version: packageVersion(), ok, summary, checks }, null, 2)}\n`);
  } else {
    for (const c of checks) {
      const mark = io.color ? `${COLOR[c.status]}${SYMBOL[c.status]}\x1b[0m` : SYMBOL[c.status];
      // Messages quote settings files, hook commands and paths (a cloned repository's): never raw to the terminal.
      io.out(`${mark} ${c.name}: ${terminalSafe(c.message)}\n`);
      if (c.fix !== undefined && c.status !== "ok") io.out(`    → ${terminalSafe(c.fix)}\n`);
    }
    io.out(ok ? "All essential checks passed.\n" : "Some essential checks failed (✗).\n");
  }
  return ok ? EXIT.ok : EXIT.failed;
}
