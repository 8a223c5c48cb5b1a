/**
 * `doctor`: one line per check (✓ ok, ! worth a look, ✗ broken) and what to do about it.
 * Exit 0 when every essential check passes, 1 otherwise; `--json` for scripts.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { defaultConfigPath, loadConfig, otelHome } from "../config/config-file.js";
import type { OtlpProtocol } from "../config/export-target.js";
import { signalUrl } from "../config/export-target.js";
import { holdsSecrets, readAlertSettings, readOtlpSettings } from "../config/hook-config.js";
import { maskUrl, maskUrlPath } from "../util/mask-url.js";
import type { HookEntry } from "../install/settings-merge.js";
import { HOOK_EVENTS, SettingsParseError, ourEntries, parseSettingsText, shellWords } from "../install/settings-merge.js";
import { defaultStateDir } from "../config/state-dir.js";
import type { Destination } from "../delivery/destination.js";
import { hooksDestination } from "../delivery/destination.js";
import { destinationsHealth } from "../pipeline/destination-health.js";
import type { JsonObject } from "../util/json.js";
import { defaultProjectsDir } from "../transcript/discover.js";
import type { OptionSpec } from "./args.js";
import { UsageError, boolOpt, parseOptions, stringOpt } from "./args.js";
import type { CliIO } from "./output.js";
import { EXIT } from "./output.js";
import { octal } from "../util/private-fs.js";

export type CheckStatus = "ok" | "warn" | "fail";

export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  readonly message: string;
  readonly fix?: string;
}

const OPTIONS: OptionSpec = {
  json: { type: "boolean" },
  "project-dir": { type: "string" },
  help: { type: "boolean", short: "h" },
};

const HELP = `Usage: claude-code-otel doctor [--json] [--project-dir <dir>]

Checks the hook in Claude Code's settings (user and project), the hook command's paths, the
config file, the OTLP endpoint (an empty export to <endpoint>/v1/traces, 2 s timeout), the state
folder, the outbox backlog and the transcripts folder. Exit 0 when the essentials pass, else 1.
`;

export const PROBE_TIMEOUT_MS = 2_000;

export type ProbeResult = { readonly reachable: true; readonly status: number } | { readonly reachable: false; readonly reason: string };

/**
 * Sends an empty ExportTraceServiceRequest (zero bytes is a valid empty protobuf message) to
 * `<endpoint>/v1/traces`. Any HTTP answer means something listens there; 2xx means it accepts.
 */
export async function probeOtlp(endpoint: string, protocol: OtlpProtocol, headers: Readonly<Record<string, string>>, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  const { url, auth } = splitUserinfo(signalUrl(endpoint, "v1/traces"));
  const json = protocol === "http/json";
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { ...auth, ...headers, "content-type": json ? "application/json" : "application/x-protobuf" },
      body: json ? JSON.stringify({ resourceSpans: [] }) : new Uint8Array(0),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    return { reachable: true, status: res.status };
  } catch (error) {
    const e = error as { name?: string; cause?: { code?: string; message?: string } };
    if (e.name === "TimeoutError" || e.name === "AbortError") return { reachable: false, reason: `no answer within ${timeoutMs / 1000} s` };
    const code = e.cause?.code;
    if (code === "ECONNREFUSED") return { reachable: false, reason: "connection refused" };
    return { reachable: false, reason: code ?? e.cause?.message ?? e.name ?? "request failed" };
  }
}

/**
 * fetch() refuses a URL with userinfo; node:http (what the flusher and the SDK post with) sends it
 * as Basic authorization. The probe does the same, so it tests what the hooks will send.
 */
function splitUserinfo(url: string): { url: string; auth: Record<string, string> } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url, auth: {} };
  }
  if (u.username === "" && u.password === "") return { url, auth: {} };
  const basic = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString("base64");
  u.username = "";
  u.password = "";
  return { url: u.toString(), auth: { authorization: `Basic ${basic}` } };
}

function tilde(path: string): string {
  const home = homedir();
  return home !== "/" && path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

interface SettingsScan {
  readonly check: Check;
  readonly entries: HookEntry[];
  readonly ok: boolean;
}

function scanSettings(label: string, path: string, optional: boolean): SettingsScan {
  const name = `${label} settings`;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return { check: { name, status: "ok", message: `${tilde(path)} does not exist${optional ? "" : " (no hook here)"}` }, entries: [], ok: false };
    }
    return { check: { name, status: "fail", message: `cannot read ${tilde(path)}: ${(error as Error).message}` }, entries: [], ok: false };
  }
  let entries: HookEntry[];
  try {
    entries = ourEntries(parseSettingsText(text, tilde(path)).settings);
  } catch (error) {
    const message = error instanceof SettingsParseError ? error.message.replace(/ Fix it by hand; nothing was written\.$/, "") : (error as Error).message;
    return { check: { name, status: "fail", message, fix: `Claude Code ignores a broken settings file: fix ${tilde(path)}` }, entries: [], ok: false };
  }
  const observers = entries.filter((e) => / hook$/.test(e.handler.command));
  if (observers.length === 0) return { check: { name, status: "ok", message: `${tilde(path)}: no claude-code-otel hook` }, entries, ok: false };
  const missing = HOOK_EVENTS.filter((ev) => !observers.some((e) => e.event === ev));
  const dupes = HOOK_EVENTS.filter((ev) => observers.filter((e) => e.event === ev).length > 1);
  const notAsync = observers.filter((e) => e.handler.async !== true).map((e) => e.event);
  if (dupes.length > 0) {
    return {
      check: {
        name,
        status: "fail",
        message: `${tilde(path)}: duplicate claude-code-otel hooks on ${dupes.join(", ")} (events would be exported twice)`,
        fix: "run claude-code-otel install again: it replaces older copies",
      },
      entries,
      ok: false,
    };
  }
  if (missing.length > 0) {
    return { check: { name, status: "fail", message: `${tilde(path)}: hook missing on ${missing.join(", ")}`, fix: "run claude-code-otel install again" }, entries, ok: false };
  }
  if (notAsync.length > 0) {
    return {
      check: { name, status: "warn", message: `${tilde(path)}: hook not async on ${notAsync.join(", ")} (Claude Code waits for it)`, fix: "run claude-code-otel install again" },
      entries,
      ok: true,
    };
  }
  return { check: { name, status: "ok", message: `${tilde(path)}: hook on all ${HOOK_EVENTS.length} events (async)` }, entries, ok: true };
}

function commandCheck(entries: readonly HookEntry[]): Check[] {
  const commands = [...new Set(entries.map((e) => e.handler.command))];
  const checks: Check[] = [];
  for (const command of commands) {
    const [node, bin] = shellWords(command);
    const problems: string[] = [];
    if (node === undefined || !existsSync(node)) problems.push(`node not found at ${node ?? "(none)"}`);
    if (bin === undefined || !existsSync(bin)) problems.push(`bin not found at ${bin ?? "(none)"}`);
    else if (!existsSync(join(dirname(bin), "..", "dist", "cli", "main.js"))) problems.push(`${join(dirname(bin), "..", "dist")} is not built`);
    checks.push(
      problems.length === 0
        ? { name: "hook command", status: "ok", message: `${command}: node and bin exist` }
        : {
            name: "hook command",
            status: "fail",
            message: `${command}: ${problems.join("; ")}`,
            fix: "run claude-code-otel install again from where the package now lives (npm run build first in a checkout)",
          },
    );
  }
  return checks;
}

function modeOf(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return undefined;
  }
}

export async function runChecks(env: NodeJS.ProcessEnv, projectDir: string): Promise<Check[]> {
  const checks: Check[] = [];
  const configDir = env["CLAUDE_CONFIG_DIR"];
  const userSettings = join(configDir !== undefined && configDir !== "" ? configDir : join(homedir(), ".claude"), "settings.json");
  const projectSettings = join(projectDir, ".claude", "settings.json");
  const user = scanSettings("user", userSettings, false);
  const project = resolve(projectSettings) === resolve(userSettings) ? undefined : scanSettings("project", projectSettings, true);
  checks.push(user.check);
  if (project !== undefined) checks.push(project.check);
  const scans = [user, ...(project === undefined ? [] : [project])];
  const installedSomewhere = scans.some((s) => s.ok);
  const broken = scans.some((s) => s.check.status === "fail");
  if (!installedSomewhere && !broken)
    checks.push({ name: "hook", status: "fail", message: "the claude-code-otel hook is not installed", fix: "run claude-code-otel install (user) or install --project" });
  const withHook = scans.filter((s) => s.entries.length > 0);
  if (withHook.length > 1) {
    const commands = new Set(withHook.flatMap((s) => s.entries.map((e) => e.handler.command)));
    // Claude Code runs identical commands once; different ones (two installs) both run.
    if (commands.size > withHook[0]!.entries.map((e) => e.handler.command).filter((c, i, a) => a.indexOf(c) === i).length) {
      checks.push({
        name: "hook",
        status: "warn",
        message: "installed in both user and project settings with different commands: every event is exported twice",
        fix: "run claude-code-otel uninstall --project (or --user)",
      });
    }
  }
  checks.push(...commandCheck(scans.flatMap((s) => s.entries)));

  const configPath = defaultConfigPath(env);
  const config = loadConfig(configPath);
  const otlpSection = readOtlpSettings(config.raw);
  const alertSection = readAlertSettings(config.raw);
  const configErrors = [...config.errors, ...otlpSection.errors.map((e) => `${configPath}: ${e}`), ...alertSection.errors.map((e) => `${configPath}: ${e}`)];
  if (!config.exists)
    checks.push({
      name: "config",
      status: "warn",
      message: `${tilde(configPath)} does not exist: telemetry goes to local files`,
      fix: "run claude-code-otel install --endpoint <url>",
    });
  else if (configErrors.length > 0) checks.push({ name: "config", status: "fail", message: configErrors.join("; "), fix: `fix ${tilde(configPath)}` });
  else {
    const mode = modeOf(configPath);
    if (mode !== undefined && (mode & 0o077) !== 0) {
      const secrets = holdsSecrets(config.raw);
      checks.push({
        name: "config",
        status: secrets ? "fail" : "warn",
        message: `${tilde(configPath)} is ${octal(mode)}${secrets ? " and holds credentials" : ""}: others can read it`,
        fix: `chmod 600 ${configPath}`,
      });
    } else checks.push({ name: "config", status: "ok", message: `${tilde(configPath)} parses, ${mode === undefined ? "?" : octal(mode)}` });
  }

  const otlp = otlpSection.value;
  if (otlp.endpoint === undefined) {
    const shell = env["OTEL_EXPORTER_OTLP_ENDPOINT"];
    checks.push({
      name: "endpoint",
      status: "warn",
      message:
        shell !== undefined && shell !== ""
          ? `no endpoint in the config file; OTEL_EXPORTER_OTLP_ENDPOINT is set in this shell, but Claude Code strips OTEL_* variables from hooks`
          : "no endpoint configured: the hook writes OTLP files locally",
      fix: "run claude-code-otel install --endpoint <url>",
    });
  } else {
    const shown = maskUrl(otlp.endpoint);
    const tracesShown = maskUrl(signalUrl(otlp.endpoint, "v1/traces"));
    const protocol = otlp.protocol ?? "http/protobuf";
    checks.push({ name: "endpoint", status: "ok", message: `${shown} (${protocol})` });
    const probe = await probeOtlp(otlp.endpoint, protocol, otlp.headers);
    if (!probe.reachable) {
      checks.push({
        name: "collector",
        status: "fail",
        message: `${tracesShown} not reachable: ${probe.reason}`,
        fix: "start the collector, or fix the endpoint with claude-code-otel install --endpoint <url> (the outbox keeps data meanwhile)",
      });
    } else if (probe.status >= 200 && probe.status < 300) {
      checks.push({ name: "collector", status: "ok", message: `${tracesShown} answered ${probe.status}` });
    } else if (probe.status === 401 || probe.status === 403) {
      checks.push({
        name: "collector",
        status: "warn",
        message: `${tracesShown} reachable but answered ${probe.status}: credentials refused`,
        fix: "check --header values (claude-code-otel install --header k=v)",
      });
    } else if (probe.status < 500) {
      checks.push({ name: "collector", status: "warn", message: `${tracesShown} reachable, answered ${probe.status}`, fix: "check the endpoint path and protocol" });
    } else {
      checks.push({ name: "collector", status: "fail", message: `${tracesShown} answered ${probe.status}`, fix: "look at the collector's logs" });
    }
  }

  const alerts = alertSection.value;
  if (alerts.sessionUsd.length > 0) {
    const syncStop = scans.some((s) => s.entries.some((e) => e.event === "Stop" && / hook-alerts$/.test(e.handler.command) && e.handler.async !== true));
    const slack = alerts.slackWebhookUrl === undefined ? "" : `; Slack ${maskUrlPath(alerts.slackWebhookUrl)}`;
    checks.push(
      syncStop
        ? { name: "alerts", status: "ok", message: `per-session alerts at ${alerts.sessionUsd.map((n) => `$${n.toFixed(2)}`).join(", ")}${slack}` }
        : {
            name: "alerts",
            status: "fail",
            message: "cost alerts are configured but the synchronous Stop entry that shows them is not installed",
            fix: "run claude-code-otel install again",
          },
    );
  }

  const home = otelHome(env);
  const homeMode = modeOf(home);
  if (homeMode === undefined) checks.push({ name: "state", status: "warn", message: `${tilde(home)} does not exist yet (created by install or the first hook)` });
  else {
    let writable = true;
    try {
      accessSync(home, constants.W_OK);
    } catch {
      writable = false;
    }
    if (!writable) checks.push({ name: "state", status: "fail", message: `${tilde(home)} is not writable: the hook cannot spool or keep its outbox`, fix: `chown/chmod ${home}` });
    else if (homeMode !== 0o700)
      checks.push({ name: "state", status: "warn", message: `${tilde(home)} is ${octal(homeMode)}: it holds session ids and costs`, fix: `chmod 700 ${home}` });
    else checks.push({ name: "state", status: "ok", message: `${tilde(home)} writable, 0700` });
  }
  // The replay/flush ledgers and cursors (src/state) may live elsewhere when CLAUDE_CONFIG_DIR or
  // CLAUDE_CODE_OTEL_STATE_DIR is set: same rules once they exist.
  const ledgers = defaultStateDir(env);
  const ledgersMode = resolve(ledgers).startsWith(`${resolve(home)}/`) ? undefined : modeOf(ledgers);
  if (ledgersMode !== undefined) {
    let writable = true;
    try {
      accessSync(ledgers, constants.W_OK);
    } catch {
      writable = false;
    }
    if (!writable) checks.push({ name: "state", status: "fail", message: `${tilde(ledgers)} is not writable: exports cannot record what was sent`, fix: `chown/chmod ${ledgers}` });
    else if (ledgersMode !== 0o700) checks.push({ name: "state", status: "warn", message: `${tilde(ledgers)} is ${octal(ledgersMode)}`, fix: `chmod 700 ${ledgers}` });
    else checks.push({ name: "state", status: "ok", message: `${tilde(ledgers)} writable, 0700` });
  }
  checks.push(...outboxChecks(env, ledgers, config.raw));

  const projects = defaultProjectsDir(env);
  checks.push(
    existsSync(projects)
      ? { name: "transcripts", status: "ok", message: `${tilde(projects)} exists` }
      : { name: "transcripts", status: "warn", message: `${tilde(projects)} does not exist (has Claude Code run here? is CLAUDE_CONFIG_DIR set?)` },
  );
  return checks;
}

/** Per destination: its outbox backlog and what its last send found (refused credentials are ✗). */
function outboxChecks(env: NodeJS.ProcessEnv, stateDir: string, config: JsonObject): Check[] {
  let hooks: Destination;
  try {
    hooks = hooksDestination(env, config);
  } catch {
    return [];
  }
  return destinationsHealth(stateDir, hooks).flatMap((h): Check[] => {
    const f = h.status?.failure;
    const waiting = `${h.queued} request${h.queued === 1 ? "" : "s"} waiting to be sent to ${h.label}`;
    if (f?.kind === "auth")
      return [{ name: "outbox", status: "fail", message: `${f.message}; ${waiting}`, fix: "fix the headers: claude-code-otel install --endpoint <url> --header <name>=<value>" }];
    if (f?.kind === "endpoint")
      return [
        {
          name: "outbox",
          status: "fail",
          message: `${f.message}; ${waiting}`,
          fix: "fix the endpoint (the base URL, without /v1/traces): claude-code-otel install --endpoint <url>",
        },
      ];
    if (h.queued === 0) return h.key === hooks.key ? [{ name: "outbox", status: "ok", message: `empty (${h.label})` }] : [];
    return [{ name: "outbox", status: "warn", message: f !== undefined ? `${waiting}: ${f.message}` : waiting, fix: "check the collector, then run claude-code-otel flush" }];
  });
}

const SYMBOL: Record<CheckStatus, string> = { ok: "✓", warn: "!", fail: "✗" };
const COLOR: Record<CheckStatus, string> = { ok: "\x1b[32m", warn: "\x1b[33m", fail: "\x1b[31m" };

export async function doctorCommand(argv: string[], io: CliIO): Promise<number> {
  const p = parseOptions(argv, OPTIONS);
  if (boolOpt(p, "help")) {
    io.out(HELP);
    return EXIT.ok;
  }
  if (p.positionals.length > 0) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
  const checks = await runChecks(io.env, resolve(stringOpt(p, "project-dir") ?? process.cwd()));
  const ok = checks.every((c) => c.status !== "fail");
  if (boolOpt(p, "json")) {
    io.out(`${JSON.stringify({ ok, checks }, null, 2)}\n`);
  } else {
    for (const c of checks) {
      const mark = io.color ? `${COLOR[c.status]}${SYMBOL[c.status]}\x1b[0m` : SYMBOL[c.status];
      io.out(`${mark} ${c.name}: ${c.message}\n`);
      if (c.fix !== undefined && c.status !== "ok") io.out(`    → ${c.fix}\n`);
    }
    io.out(ok ? "All essential checks passed.\n" : "Some essential checks failed (✗).\n");
  }
  return ok ? EXIT.ok : EXIT.failed;
}
