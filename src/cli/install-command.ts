/**
 * `install` / `uninstall`: our hook in Claude Code's settings, merged with whatever is there, and
 * the export and alert settings in our config file (hooks never see `OTEL_*` variables).
 */
import { existsSync, mkdirSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultConfigPath, otelHome } from "../config/config-file.js";
import { applyConfigChanges, maskedConfig, readAlertSettings, readOtlpSettings } from "../config/hook-config.js";
import { defaultStateDir } from "../config/state-dir.js";
import { signalPathIn, withoutSignalPath } from "../config/export-target.js";
import { BACKUP_DIR, KEEP_BACKUPS, adoptLegacyBackups, backupFile } from "../install/backups.js";
import { describeChanges, hookChanges } from "../install/hook-changes.js";
import { noteCreated } from "../install/install-record.js";
import type { HookEntry } from "../install/settings-merge.js";
import { ALERT_TIMEOUT_S, HOOK_EVENTS, OBSERVER_TIMEOUT_S, formatSettings, mergeOurHooks, ourEntries, parseSettingsText, plannedEntries } from "../install/settings-merge.js";
import type { FileText } from "../install/settings-file.js";
import { readSettingsFile, writeTarget } from "../install/settings-file.js";
import type { JsonObject } from "../util/json.js";
import { unifiedDiff } from "../util/line-diff.js";
import { MASK, maskUrl, maskUrlPath } from "../util/mask-url.js";
import { ensurePrivateDir, privateDirProblem, writeFileAtomic } from "../util/private-fs.js";
import { tightenPrivateDirs } from "../util/private-tree.js";
import { oneLine, terminalSafe } from "../util/terminal-safe.js";
import type { OptionSpec } from "./args.js";
import { boolOpt, parseOptions, stringOpt } from "./args.js";
import { SCOPE_OPTIONS, settingsDiff, settingsPathFor, tilde } from "./install-scope.js";

export { settingsPathFor } from "./install-scope.js";
export { uninstallCommand } from "./uninstall-command.js";
import { configChanges } from "./install-options.js";
import { installWithReceipt } from "./install-receipt.js";
import type { CliIO } from "./output.js";
import { EXIT } from "./output.js";

const INSTALL_OPTIONS: OptionSpec = {
  ...SCOPE_OPTIONS,
  endpoint: { type: "string" },
  protocol: { type: "string" },
  header: { type: "string", multiple: true },
  "header-basic": { type: "string" },
  "alert-usd": { type: "string", multiple: true },
  "slack-webhook": { type: "string" },
  config: { type: "string" },
};

const INSTALL_HELP = `Usage: claude-code-otel install [--user | --project | --settings <file>] [options]

Adds the claude-code-otel hook to Claude Code's settings (merged with your other hooks; a
second install changes nothing) and writes export and alert settings to the config file.

  --user                 ~/.claude/settings.json ($CLAUDE_CONFIG_DIR/settings.json) (default)
  --project              ./.claude/settings.json
  --settings <file>      another settings file
  --endpoint <url>       OTLP/HTTP base URL (e.g. http://localhost:4318; /v1/traces is appended)
  --protocol <p>         http/protobuf (default) or http/json
  --header <k=v>         OTLP header, repeatable (values are secrets: stored 0600, never printed)
  --header-basic <u:s>   Authorization: Basic base64(u:s), encoded for you (Langfuse: pk:sk)
  --alert-usd <n>        per-session cost alert in USD, repeatable; "off" removes them
  --slack-webhook <url>  also post alerts to this Slack incoming webhook (never printed)
  --config <file>        config file; default ~/.claude/otel/config.json ($CLAUDE_CODE_OTEL_CONFIG)
  --dry-run              show the changes as a diff, write nothing
  --json                 print one JSON receipt (installed / updated / already-installed /
                         failed, the files, the events hooked) instead of the summary: for MDM scripts

Backups of the files it changes go to ~/.claude/otel/backups/ (the newest ${KEEP_BACKUPS} of each).
`;

/** The running node and this package's bin, absolute and with symlinks resolved. */
export function ourPaths(): { nodePath: string; binPath: string } {
  // The CommonJS bin: the hook path Claude Code runs on every tool call skips the ES module loader.
  const bin = fileURLToPath(new URL("../../bin/claude-code-otel.cjs", import.meta.url));
  let binPath = bin;
  try {
    binPath = realpathSync(bin);
  } catch {
    // reported by the caller: the file must exist
  }
  return { nodePath: process.execPath, binPath };
}

function parseConfigText(file: FileText): JsonObject {
  return file.exists ? parseSettingsText(file.text, file.path).settings : {};
}

function money(n: number): string {
  return `$${n.toFixed(2)}`;
}

function configDiff(before: JsonObject, after: JsonObject, existed: boolean, path: string): string {
  const a = existed ? formatSettings(maskedConfig(before)) : "";
  return terminalSafe(unifiedDiff(a, formatSettings(maskedConfig(after)), { from: `${path} (current, secrets masked)`, to: `${path} (after, secrets masked)` }));
}

/** The home holds config, spool, outbox and alert markers: ours, private even before the first hook. */
function prepareHome(env: NodeJS.ProcessEnv): string[] {
  const home = otelHome(env);
  const problem = privateDirProblem(home);
  if (problem !== undefined && problem.includes("belongs to")) throw new Error(`refusing our home: ${problem}`);
  const lines = [home, defaultStateDir(env)].flatMap((dir) => tightenPrivateDirs(dir)).map((t) => `  private:  ${tilde(t)}`);
  ensurePrivateDir(home);
  return lines;
}

/** Creates the settings file's folder; returns the folders it made, outermost first. */
function makeParents(dir: string): string[] {
  const first = mkdirSync(dir, { recursive: true });
  if (first === undefined) return [];
  const made: string[] = [];
  for (let d = dir; d.length >= first.length; d = dirname(d)) made.unshift(d);
  return made;
}

/** A base URL that already ends in a signal path would be posted to `…/v1/traces/v1/traces`. */
function signalPathWarning(endpoint: string | undefined): string | undefined {
  const path = endpoint === undefined ? undefined : signalPathIn(endpoint);
  if (endpoint === undefined || path === undefined) return undefined;
  return `the endpoint is a base URL and /v1/traces is appended: this one would post to …${path}/v1/traces. Run install --endpoint ${maskUrl(withoutSignalPath(endpoint))}`;
}

/** The config's part of install's summary: file, endpoint (masked), header names, alerts. */
function configSummary(shownPath: string, changed: boolean, config: JsonObject): string {
  const otlp = readOtlpSettings(config).value;
  const alerts = readAlertSettings(config).value;
  const shownHeaders = Object.keys(otlp.headers).map((k) => `${k}=${MASK}`);
  const endpoint = otlp.endpoint === undefined ? "none (telemetry goes to local OTLP files; set --endpoint)" : maskUrl(otlp.endpoint);
  let out =
    `  config:   ${shownPath} (0600)${changed ? "" : ", unchanged"}\n` +
    `  endpoint: ${endpoint}${otlp.protocol === undefined ? "" : `, ${otlp.protocol}`}${shownHeaders.length > 0 ? `, headers ${shownHeaders.join(", ")}` : ""}\n`;
  const warning = signalPathWarning(otlp.endpoint);
  if (warning !== undefined) out += `  warning:  ${warning}\n`;
  if (alerts.sessionUsd.length > 0) {
    out +=
      `  alerts:   per session at ${alerts.sessionUsd.map(money).join(", ")} (synchronous Stop entry, timeout ${ALERT_TIMEOUT_S} s)` +
      `${alerts.slackWebhookUrl === undefined ? "" : `; Slack ${maskUrlPath(alerts.slackWebhookUrl)}`}\n`;
  }
  return out;
}

export async function installCommand(argv: string[], io: CliIO): Promise<number> {
  if (argv.includes("--json")) return installWithReceipt(argv, io, { spec: INSTALL_OPTIONS, settingsPathFor, run: installCommand });
  const p = parseOptions(argv, INSTALL_OPTIONS);
  if (boolOpt(p, "help")) {
    io.out(INSTALL_HELP);
    return EXIT.ok;
  }
  const dryRun = boolOpt(p, "dry-run");
  const settingsPath = settingsPathFor(p, io.env, process.cwd());
  const configPath = resolve(stringOpt(p, "config") ?? defaultConfigPath(io.env));
  const changes = configChanges(p);
  const { nodePath, binPath } = ourPaths();
  if (!existsSync(binPath)) throw new Error(`cannot find this package's bin at ${binPath}`);

  // Config first: the alerts it ends with decide whether the synchronous Stop entry is wanted.
  const configFile = readSettingsFile(configPath);
  const configBefore = parseConfigText(configFile);
  const configAfter = applyConfigChanges(configBefore, changes);
  const configChanged = formatSettings(configBefore) !== formatSettings(configAfter) || (!configFile.exists && Object.keys(configAfter).length > 0);
  const alerts = readAlertSettings(configAfter).value;

  const settingsFile = readSettingsFile(settingsPath);
  const parsed = parseSettingsText(settingsFile.text, settingsPath);
  const entries: HookEntry[] = plannedEntries(nodePath, binPath, { alerts: alerts.sessionUsd.length > 0 });
  const merged = mergeOurHooks(parsed.settings, entries);
  const settingsAfter = merged.changed ? formatSettings(merged.settings, parsed.indent) : settingsFile.text;

  if (dryRun) {
    io.out(`claude-code-otel install --dry-run: nothing is written.\n\n`);
    if (merged.changed) io.out(settingsDiff(settingsFile.text, settingsAfter, tilde(settingsPath)));
    else io.out(`${tilde(settingsPath)}: hook already installed, no change.\n`);
    if (configChanged) io.out(`\n${configDiff(configBefore, configAfter, configFile.exists, tilde(configPath))}`);
    else io.out(`${tilde(configPath)}: no change.\n`);
    return EXIT.ok;
  }

  const home = otelHome(io.env);
  const lines = prepareHome(io.env);
  const now = new Date();
  if (merged.changed) {
    const made = makeParents(dirname(settingsPath));
    if (settingsFile.exists) lines.push(`  backup:   ${tilde(backupFile(settingsPath, home, now))}`);
    writeFileAtomic(writeTarget(settingsPath), settingsAfter, settingsFile.mode ?? 0o644);
    if (!settingsFile.exists) noteCreated(home, settingsPath, made);
  }
  if (adoptLegacyBackups(settingsPath, home) > 0) lines.push(`  moved:    older backups beside ${tilde(settingsPath)} to ${tilde(join(home, BACKUP_DIR))}`);
  if (configChanged) {
    if (!existsSync(dirname(configPath))) ensurePrivateDir(dirname(configPath));
    if (configFile.exists) lines.push(`  backup:   ${tilde(backupFile(configPath, home, now))}`);
    writeFileAtomic(writeTarget(configPath), formatSettings(configAfter), 0o600);
  }
  adoptLegacyBackups(configPath, home);

  const where = tilde(settingsPath);
  const before = ourEntries(parsed.settings);
  const head = merged.changed
    ? `claude-code-otel: hook ${before.length > 0 ? "updated" : "installed"} in ${where}`
    : `claude-code-otel: hook already installed in ${where}; settings unchanged`;
  io.out(`${head}\n`);
  for (const line of describeChanges(hookChanges(before, entries))) io.out(`${line}\n`);
  io.out(`  events:   ${HOOK_EVENTS.join(", ")} (async, timeout ${OBSERVER_TIMEOUT_S} s)\n`);
  io.out(`  command:  ${oneLine(entries[0]?.handler.command ?? "")}\n`);
  io.out(`${lines.map((l) => `${l}\n`).join("")}`);
  io.out(configSummary(tilde(configPath), configChanged, configAfter));
  if (boolOpt(p, "project")) io.out(`  note:     project settings now hold absolute paths of this machine; teammates should run install themselves.\n`);
  io.out(`Run "claude-code-otel doctor" to check everything.\n`);
  return EXIT.ok;
}
