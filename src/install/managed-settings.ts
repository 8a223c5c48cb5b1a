/**
 * Claude Code's managed settings: the machine-wide file an administrator (MDM) writes, which
 * users cannot override. A fleet puts our hooks there (examples/managed-settings.json) and names
 * the hooks' config in its `env`, which Claude Code hands to every hook it runs.
 */
import { join } from "node:path";
import { isObject } from "../util/json.js";
import { readSettingsFile } from "./settings-file.js";

/** Where Claude Code 2.1 reads managed-settings.json, per platform. */
export function managedSettingsPath(platform: NodeJS.Platform = process.platform): string {
  if (platform === "darwin") return join("/Library/Application Support/ClaudeCode", "managed-settings.json");
  if (platform === "win32") return "C:\\Program Files\\ClaudeCode\\managed-settings.json";
  return "/etc/claude-code/managed-settings.json";
}

/**
 * The `env` variables a settings file gives Claude Code's processes (hooks included); empty
 * when the file is missing or unreadable (the settings check reports that).
 */
export function settingsEnv(path: string): Readonly<Record<string, string>> {
  try {
    const file = readSettingsFile(path);
    if (!file.exists) return {};
    const settings: unknown = JSON.parse(file.text);
    if (!isObject(settings) || !isObject(settings["env"])) return {};
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(settings["env"])) if (typeof v === "string") env[k] = v;
    return env;
  } catch {
    return {};
  }
}
