/**
 * `install` / `uninstall`: our hook in Claude Code's settings, merged with whatever is there, and
 * the export and alert settings in our config file (hooks never see `OTEL_*` variables).
 */
import { constants, copyFileSync, chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultConfigPath, otelHome } from "../config/config-file.js";
import type { OtlpProtocol } from "../config/export-target.js";
import type { ConfigChanges } from "../config/hook-config.js";
import { applyConfigChanges, isProtocol, maskedConfig, readAlertSettings, readOtlpSettings } from "../config/hook-config.js";
import { MASK, maskUrl, maskUrlPath } from "../util/mask-url.js";
import type { HookEntry } from "../install/settings-merge.js";
import { ALERT_TIMEOUT_S, HOOK_EVENTS, OBSERVER_TIMEOUT_S, formatSettings, mergeOurHooks, parseSettingsText, plannedEntries, removeOurHooks } from "../install/settings-merge.js";
import { redactSecrets } from "../redact/redact.js";
import type { JsonObject } from "../util/json.js";
import { unifiedDiff } from "../util/line-diff.js";
import { ensurePrivateDir, privateDirProblem, writeFileAtomic } from "../util/private-fs.js";
import { tightenPrivateDirs } from "../util/private-tree.js";
import { defaultStateDir } from "../config/state-dir.js";
import type { OptionSpec, Parsed } from "./args.js";
import { UsageError, boolOpt, parseOptions, stringOpt } from "./args.js";
import { installWithReceipt } from "./install-receipt.js";
import type { CliIO } from "./output.js";
import { EXIT } from "./output.js";

const SCOPE_OPTIONS: OptionSpec = {
  user: { type: "boolean" },
  project: { type: "boolean" },
  settings: { type: "string" },
  "dry-run": { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

const INSTALL_OPTIONS: OptionSpec = {
  ...SCOPE_OPTIONS,
  endpoint: { type: "string" },
  protocol: { type: "string" },
  header: { type: "string", multiple: true },
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
  --endpoint <url>       OTLP/HTTP base URL (e.g. http://localhost:4318)
  --protocol <p>         http/protobuf (default) or http/json
  --header <k=v>         OTLP header, repeatable (values are secrets: stored 0600, never printed)
  --alert-usd <n>        per-session cost alert in USD, repeatable; "off" removes them
  --slack-webhook <url>  also post alerts to this Slack incoming webhook (never printed)
  --config <file>        config file; default ~/.claude/otel/config.json ($CLAUDE_CODE_OTEL_CONFIG)
  --dry-run              show the changes as a diff, write nothing
  --json                 print one JSON receipt (installed / updated / already-installed /
                         failed, the files, the events hooked) instead of the summary: for MDM scripts
`;

const UNINSTALL_HELP = `Usage: claude-code-otel uninstall [--user | --project | --settings <file>] [--dry-run]

Removes exactly the claude-code-otel hook entries from Claude Code's settings (a backup is kept);
your other hooks and settings stay as they are. The config file is left in place.
`;

/** The settings file a scope names. `CLAUDE_CONFIG_DIR` moves the user's Claude Code folder. */
export function settingsPathFor(p: Parsed, env: NodeJS.ProcessEnv, cwd: string): string {
  const explicit = stringOpt(p, "settings");
  const user = boolOpt(p, "user");
  const project = boolOpt(p, "project");
  if ([explicit !== undefined, user, project].filter(Boolean).length > 1) throw new UsageError("choose one of --user, --project, --settings");
  if (explicit !== undefined) return resolve(cwd, explicit);
  if (project) return join(cwd, ".claude", "settings.json");
  const configDir = env["CLAUDE_CONFIG_DIR"];
  return join(configDir !== undefined && configDir !== "" ? configDir : join(homedir(), ".claude"), "settings.json");
}

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

function tilde(path: string): string {
  const home = homedir();
  return home !== "/" && path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

interface FileText {
  readonly path: string;
  readonly exists: boolean;
  readonly text: string;
  readonly mode: number | undefined;
}

function readText(path: string): FileText {
  try {
    const text = readFileSync(path, "utf8");
    return { path, exists: true, text, mode: statSync(path).mode & 0o777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { path, exists: false, text: "", mode: undefined };
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
}

function stamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

/** Copies the previous file beside it, never over an earlier backup. */
function backup(file: FileText, now: Date): string {
  const base = `${file.path}.bak-${stamp(now)}`;
  for (let n = 0; ; n++) {
    const target = n === 0 ? base : `${base}-${n}`;
    try {
      copyFileSync(file.path, target, constants.COPYFILE_EXCL);
      chmodSync(target, file.mode ?? 0o600);
      return target;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

/** Writes through a symlinked settings file (dotfile managers) instead of replacing the link. */
function writeTarget(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function parseHeaders(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    const key = eq > 0 ? v.slice(0, eq).trim() : "";
    // The value is a secret: never echo it in the message.
    if (eq <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) throw new UsageError("--header must be key=value with a valid header name");
    headers[key] = v.slice(eq + 1).trim();
  }
  return headers;
}

function parseThresholds(values: readonly string[]): number[] {
  if (values.length === 1 && values[0] === "off") return [];
  return values.map((v) => {
    const n = Number(v.replace(/^\$/, ""));
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--alert-usd must be a positive amount in USD (or "off"), got "${v}"`);
    return n;
  });
}

function configChanges(p: Parsed): ConfigChanges {
  const endpoint = stringOpt(p, "endpoint");
  if (endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(endpoint)) throw new UsageError(`--endpoint must be an http(s) URL, got "${maskUrl(endpoint)}"`);
  const protocol = stringOpt(p, "protocol");
  if (protocol !== undefined && !isProtocol(protocol)) throw new UsageError(`--protocol must be http/protobuf or http/json, got "${protocol}"`);
  const slack = stringOpt(p, "slack-webhook");
  if (slack !== undefined && !/^https?:\/\/[^\s]+$/.test(slack)) throw new UsageError("--slack-webhook must be an http(s) URL");
  const headerValues = p.values["header"];
  const alertValues = p.values["alert-usd"];
  return {
    endpoint: endpoint?.replace(/\/+$/, ""),
    protocol: protocol as OtlpProtocol | undefined,
    headers: Array.isArray(headerValues) ? parseHeaders(headerValues) : undefined,
    sessionUsd: Array.isArray(alertValues) ? parseThresholds(alertValues) : undefined,
    slackWebhookUrl: slack,
  };
}

function parseConfigText(file: FileText): JsonObject {
  return file.exists ? parseSettingsText(file.text, file.path).settings : {};
}

function money(n: number): string {
  return `$${n.toFixed(2)}`;
}

/** Settings diffs may show foreign lines (env blocks with keys): redacted like everything we print. */
function settingsDiff(before: string, after: string, path: string): string {
  return redactSecrets(unifiedDiff(before, after, { from: `${path} (current)`, to: `${path} (after)` }));
}

function configDiff(before: JsonObject, after: JsonObject, existed: boolean, path: string): string {
  const a = existed ? formatSettings(maskedConfig(before)) : "";
  return unifiedDiff(a, formatSettings(maskedConfig(after)), { from: `${path} (current, secrets masked)`, to: `${path} (after, secrets masked)` });
}

export async function installCommand(argv: string[], io: CliIO): Promise<number> {
  if (argv.includes("--json")) return installWithReceipt(argv, io, { spec: INSTALL_OPTIONS, settingsPathFor, run: installCommand });
  const p = parseOptions(argv, INSTALL_OPTIONS);
  if (boolOpt(p, "help")) {
    io.out(INSTALL_HELP);
    return EXIT.ok;
  }
  if (p.positionals.length > 0) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
  const dryRun = boolOpt(p, "dry-run");
  const settingsPath = settingsPathFor(p, io.env, process.cwd());
  const configPath = resolve(stringOpt(p, "config") ?? defaultConfigPath(io.env));
  const changes = configChanges(p);
  const { nodePath, binPath } = ourPaths();
  if (!existsSync(binPath)) throw new Error(`cannot find this package's bin at ${binPath}`);

  // Config first: the alerts it ends with decide whether the synchronous Stop entry is wanted.
  const configFile = readText(configPath);
  const configBefore = parseConfigText(configFile);
  const configAfter = applyConfigChanges(configBefore, changes);
  const configChanged = formatSettings(configBefore) !== formatSettings(configAfter) || (!configFile.exists && Object.keys(configAfter).length > 0);
  const alerts = readAlertSettings(configAfter).value;
  const otlp = readOtlpSettings(configAfter).value;

  const settingsFile = readText(settingsPath);
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

  const lines: string[] = [];
  const now = new Date();
  if (merged.changed) {
    mkdirSync(dirname(settingsPath), { recursive: true });
    if (settingsFile.exists) lines.push(`  backup:   ${tilde(backup(settingsFile, now))}`);
    writeFileAtomic(writeTarget(settingsPath), settingsAfter, settingsFile.mode ?? 0o644);
  }
  // The state home holds config, spool, outbox and alert markers: private even before the first hook.
  const home = otelHome(io.env);
  const homeProblem = privateDirProblem(home);
  if (homeProblem !== undefined && !homeProblem.includes("writable by")) throw new Error(`refusing our home: ${homeProblem}`);
  for (const dir of [home, defaultStateDir(io.env)]) for (const t of tightenPrivateDirs(dir)) lines.push(`  private:  ${tilde(t)}`);
  ensurePrivateDir(home);
  if (configChanged) {
    if (!existsSync(dirname(configPath))) ensurePrivateDir(dirname(configPath));
    if (configFile.exists) lines.push(`  backup:   ${tilde(backup(configFile, now))}`);
    writeFileAtomic(writeTarget(configPath), formatSettings(configAfter), 0o600);
  }

  const where = tilde(settingsPath);
  const head = merged.changed
    ? `claude-code-otel: hook ${merged.replaced > 0 ? "updated" : "installed"} in ${where}`
    : `claude-code-otel: hook already installed in ${where}; settings unchanged`;
  io.out(`${head}\n`);
  io.out(`  events:   ${HOOK_EVENTS.join(", ")} (async, timeout ${OBSERVER_TIMEOUT_S} s)\n`);
  io.out(`  command:  ${entries[0]?.handler.command ?? ""}\n`);
  io.out(`${lines.map((l) => `${l}\n`).join("")}`);
  const shownHeaders = Object.keys(otlp.headers).map((k) => `${k}=${MASK}`);
  io.out(
    `  config:   ${tilde(configPath)} (0600)${configChanged ? "" : ", unchanged"}\n` +
      `  endpoint: ${otlp.endpoint === undefined ? "none (telemetry goes to local OTLP files; set --endpoint)" : maskUrl(otlp.endpoint)}` +
      `${otlp.protocol === undefined ? "" : `, ${otlp.protocol}`}${shownHeaders.length > 0 ? `, headers ${shownHeaders.join(", ")}` : ""}\n`,
  );
  if (alerts.sessionUsd.length > 0) {
    io.out(
      `  alerts:   per session at ${alerts.sessionUsd.map(money).join(", ")} (synchronous Stop entry, timeout ${ALERT_TIMEOUT_S} s)` +
        `${alerts.slackWebhookUrl === undefined ? "" : `; Slack ${maskUrlPath(alerts.slackWebhookUrl)}`}\n`,
    );
  }
  if (boolOpt(p, "project")) io.out(`  note:     project settings now hold absolute paths of this machine; teammates should run install themselves.\n`);
  io.out(`Run "claude-code-otel doctor" to check everything.\n`);
  return EXIT.ok;
}

export async function uninstallCommand(argv: string[], io: CliIO): Promise<number> {
  const p = parseOptions(argv, SCOPE_OPTIONS);
  if (boolOpt(p, "help")) {
    io.out(UNINSTALL_HELP);
    return EXIT.ok;
  }
  if (p.positionals.length > 0) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
  const settingsPath = settingsPathFor(p, io.env, process.cwd());
  const file = readText(settingsPath);
  const where = tilde(settingsPath);
  if (!file.exists) {
    io.out(`claude-code-otel: ${where} does not exist; nothing to remove.\n`);
    return EXIT.ok;
  }
  const parsed = parseSettingsText(file.text, settingsPath);
  const { settings, removed } = removeOurHooks(parsed.settings);
  if (removed === 0) {
    io.out(`claude-code-otel: no claude-code-otel hook in ${where}; nothing changed.\n`);
    return EXIT.ok;
  }
  const after = formatSettings(settings, parsed.indent);
  if (boolOpt(p, "dry-run")) {
    io.out(`claude-code-otel uninstall --dry-run: nothing is written.\n\n${settingsDiff(file.text, after, where)}`);
    return EXIT.ok;
  }
  const saved = backup(file, new Date());
  writeFileAtomic(writeTarget(settingsPath), after, file.mode ?? 0o644);
  io.out(`claude-code-otel: removed ${removed} hook entr${removed === 1 ? "y" : "ies"} from ${where}\n  backup:   ${tilde(saved)}\n`);
  io.out(`  The config file (${tilde(defaultConfigPath(io.env))}) is left in place; delete it yourself if you no longer need it.\n`);
  return EXIT.ok;
}
