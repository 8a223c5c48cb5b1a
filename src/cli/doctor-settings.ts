/**
 * doctor's checks of Claude Code's settings files (user and project): they parse, hold our hook
 * on every event once and async, and the command's node and bin exist. A project's settings come
 * from a cloned repository: read only as a regular file under a size cap, and every text from
 * them is printed through terminalSafe by the caller.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { HookEntry } from "../install/settings-merge.js";
import { HOOK_EVENTS, SettingsParseError, ourEntries, ourSubcommand, parseSettingsText, shellWords } from "../install/settings-merge.js";
import { readSettingsFile } from "../install/settings-file.js";
import type { Check } from "./doctor-check.js";
import { tilde } from "./doctor-check.js";

export interface SettingsScan {
  readonly check: Check;
  readonly entries: HookEntry[];
  readonly ok: boolean;
}

export function scanSettings(label: string, path: string, optional: boolean): SettingsScan {
  const name = `${label} settings`;
  let text: string;
  try {
    const file = readSettingsFile(path);
    if (!file.exists) return { check: { name, status: "ok", message: `${tilde(path)} does not exist${optional ? "" : " (no hook here)"}` }, entries: [], ok: false };
    text = file.text;
  } catch (error) {
    return { check: { name, status: "fail", message: (error as Error).message }, entries: [], ok: false };
  }
  let entries: HookEntry[];
  try {
    entries = ourEntries(parseSettingsText(text, tilde(path)).settings);
  } catch (error) {
    const message = error instanceof SettingsParseError ? error.message.replace(/ Fix it by hand; nothing was written\.$/, "") : (error as Error).message;
    return { check: { name, status: "fail", message, fix: `Claude Code ignores a broken settings file: fix ${tilde(path)}` }, entries: [], ok: false };
  }
  const observers = entries.filter((e) => ourSubcommand(e.handler.command) === "hook");
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

export function commandChecks(entries: readonly HookEntry[]): Check[] {
  const commands = [...new Set(entries.map((e) => e.handler.command))];
  const checks: Check[] = [];
  for (const command of commands) {
    const words = shellWords(command);
    // `[npx] claude-code-otel hook` runs whatever is on PATH: nothing to check on disk.
    if (words.length < 3 || words[0] === "npx") {
      checks.push({
        name: "hook command",
        status: "warn",
        message: `${command}: runs the package by name (from PATH or npx)`,
        fix: "run claude-code-otel install: it writes absolute paths",
      });
      continue;
    }
    const [node, bin] = words;
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
