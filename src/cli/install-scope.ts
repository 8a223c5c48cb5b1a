/**
 * What install and uninstall share: the scope options, the settings file they name, how paths and
 * settings diffs are shown (a cloned repository's settings may hold escape sequences and keys).
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { redactSecrets } from "../redact/redact.js";
import { unifiedDiff } from "../util/line-diff.js";
import { oneLine, terminalSafe } from "../util/terminal-safe.js";
import type { OptionSpec, Parsed } from "./args.js";
import { UsageError, boolOpt, stringOpt } from "./args.js";

export const SCOPE_OPTIONS: OptionSpec = {
  user: { type: "boolean" },
  project: { type: "boolean" },
  settings: { type: "string" },
  "dry-run": { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

/** The settings file a scope names. */
export function settingsPathFor(p: Parsed, env: NodeJS.ProcessEnv, cwd: string): string {
  const explicit = stringOpt(p, "settings");
  const user = boolOpt(p, "user");
  const project = boolOpt(p, "project");
  if ([explicit !== undefined, user, project].filter(Boolean).length > 1) throw new UsageError("choose one of --user, --project, --settings");
  if (explicit !== undefined) return resolve(cwd, explicit);
  return project ? projectSettingsPath(cwd) : userSettingsPath(env);
}

/** The user's Claude Code settings. `CLAUDE_CONFIG_DIR` moves the user's Claude Code folder. */
export function userSettingsPath(env: NodeJS.ProcessEnv): string {
  const configDir = env["CLAUDE_CONFIG_DIR"];
  return join(configDir !== undefined && configDir !== "" ? configDir : join(homedir(), ".claude"), "settings.json");
}

export function projectSettingsPath(projectDir: string): string {
  return join(projectDir, ".claude", "settings.json");
}

export function tilde(path: string): string {
  const home = homedir();
  return oneLine(home !== "/" && path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path);
}

/** Settings diffs show foreign lines (env blocks with keys, a cloned repository's escape sequences): redacted and made terminal-safe. */
export function settingsDiff(before: string, after: string, path: string): string {
  return terminalSafe(redactSecrets(unifiedDiff(before, after, { from: `${path} (current)`, to: `${path} (after)` })));
}
