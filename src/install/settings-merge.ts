/**
 * Pure merge of our hook entries into Claude Code's settings object, and their removal.
 *
 * Settings shape (three levels): `{ "hooks": { "<Event>": [ { "matcher"?: "*", "hooks": [ { "type": "command", ... } ] } ] } }`.
 * We never touch a foreign handler or a foreign matcher group: ours live in groups of their own,
 * recognised by the exact shape of the command `install` writes (`ourSubcommand`).
 */
import type { JsonObject } from "../util/json.js";
import { isObject, jsonErrorPosition, jsonErrorReason } from "../util/json.js";

/** Events we observe. PreToolUse adds nothing we export (PostToolUse carries input, result and duration). */
export const HOOK_EVENTS = ["SessionStart", "UserPromptSubmit", "PostToolUse", "PostToolUseFailure", "Stop", "SubagentStop", "PreCompact", "PostCompact", "SessionEnd"] as const;

export type HookEvent = (typeof HOOK_EVENTS)[number];

/**
 * Events whose groups take a `matcher` (tool name, session source, end reason, agent type,
 * compaction trigger). UserPromptSubmit and Stop have none: Claude Code ignores one there.
 */
const MATCHER_EVENTS: ReadonlySet<string> = new Set(["PostToolUse", "PostToolUseFailure", "SessionStart", "SessionEnd", "SubagentStop", "PreCompact", "PostCompact"]);

export function eventTakesMatcher(event: string): boolean {
  return MATCHER_EVENTS.has(event);
}

/** Seconds Claude Code lets the observer run (it is async: this bounds a stuck process, not the session). */
export const OBSERVER_TIMEOUT_S = 10;
/** Seconds for the synchronous Stop entry that shows cost alerts: Claude Code waits for it. */
export const ALERT_TIMEOUT_S = 5;

export interface CommandHandler {
  readonly type: "command";
  readonly command: string;
  readonly async?: boolean;
  readonly timeout?: number;
}

export interface HookEntry {
  readonly event: string;
  readonly handler: CommandHandler;
}

export type HookSubcommand = "hook" | "hook-alerts";

/** The bin files `install` has written into commands, by name (the CommonJS one since the fast hook path). */
const OUR_BINS: ReadonlySet<string> = new Set(["claude-code-otel.cjs", "claude-code-otel.js"]);

/**
 * Which of our subcommands a settings command runs, or undefined when it is not ours. Ours is an
 * exact shape, never a substring: `<node> <absolute path>/bin/claude-code-otel.{cjs,js} hook|hook-alerts`
 * (what `install` writes), or the package run by name, `[npx] claude-code-otel hook|hook-alerts`
 * (as a README example might be copied). `logger -t claude-code-otel-audit hook fired` is not ours.
 */
export function ourSubcommand(command: unknown): HookSubcommand | undefined {
  if (typeof command !== "string" || !command.includes("claude-code-otel")) return undefined;
  const words = shellWords(command);
  const sub = words[words.length - 1];
  if (sub !== "hook" && sub !== "hook-alerts") return undefined;
  if (words.length === 3) {
    const bin = words[1] as string;
    const slash = bin.lastIndexOf("/");
    if (bin.startsWith("/") && OUR_BINS.has(bin.slice(slash + 1)) && bin.slice(0, slash).endsWith("/bin")) return sub;
    if (words[0] === "npx" && bin === "claude-code-otel") return sub;
  }
  if (words.length === 2 && words[0] === "claude-code-otel") return sub;
  return undefined;
}

/** Our marker: see ourSubcommand. */
export function isOurCommand(command: unknown): boolean {
  return ourSubcommand(command) !== undefined;
}

/** POSIX shell quoting (Claude Code runs hook commands through a shell; paths may hold spaces). */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return `'${word}'`;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `'<node>' '<bin>' hook`: absolute paths, so PATH differences inside Claude Code do not matter. */
export function hookCommand(nodePath: string, binPath: string, subcommand: "hook" | "hook-alerts" = "hook"): string {
  return `${shellQuote(nodePath)} ${shellQuote(binPath)} ${subcommand}`;
}

/** Splits a command line into words (single and double quotes, backslash escapes): enough to read ours back. */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i] as string;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else current += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && i + 1 < command.length) current += command[++i];
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < command.length) {
      current += command[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

/** What install registers: the async observer on every event, and with alerts a synchronous Stop entry. */
export function plannedEntries(nodePath: string, binPath: string, options: { alerts: boolean }): HookEntry[] {
  const observer = hookCommand(nodePath, binPath, "hook");
  const entries: HookEntry[] = HOOK_EVENTS.map((event) => ({ event, handler: { type: "command", command: observer, async: true, timeout: OBSERVER_TIMEOUT_S } }));
  if (options.alerts) {
    // Output of async hooks is not shown to the user (it reaches the model on the next turn),
    // so the alert needs a synchronous Stop entry of its own, with a different command string
    // (Claude Code de-duplicates identical commands).
    entries.push({ event: "Stop", handler: { type: "command", command: hookCommand(nodePath, binPath, "hook-alerts"), timeout: ALERT_TIMEOUT_S } });
  }
  return entries;
}

export class SettingsShapeError extends Error {}

function hooksObject(settings: JsonObject): JsonObject | undefined {
  const hooks = settings["hooks"];
  if (hooks === undefined) return undefined;
  if (!isObject(hooks)) throw new SettingsShapeError(`"hooks" must be an object, found ${describe(hooks)}`);
  return hooks;
}

function describe(value: unknown): string {
  return Array.isArray(value) ? "an array" : value === null ? "null" : `a ${typeof value}`;
}

/** Our handlers currently in the settings, in order, as `event` + handler. */
export function ourEntries(settings: JsonObject): HookEntry[] {
  const hooks = hooksObject(settings);
  if (hooks === undefined) return [];
  const found: HookEntry[] = [];
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) continue;
    for (const group of groups) {
      if (!isObject(group) || !Array.isArray(group["hooks"])) continue;
      for (const handler of group["hooks"]) {
        if (isObject(handler) && isOurCommand(handler["command"])) found.push({ event, handler: handler as unknown as CommandHandler });
      }
    }
  }
  return found;
}

/**
 * Removes exactly our handlers. A group we emptied goes, an event array we emptied goes, and a
 * `hooks` object we emptied goes; foreign handlers, groups and keys stay as they were, in order.
 */
export function removeOurHooks(settings: JsonObject): { settings: JsonObject; removed: number } {
  const hooks = hooksObject(settings);
  if (hooks === undefined) return { settings, removed: 0 };
  let removed = 0;
  const nextHooks: JsonObject = {};
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) {
      nextHooks[event] = groups;
      continue;
    }
    const nextGroups: unknown[] = [];
    let touched = false;
    for (const group of groups) {
      if (!isObject(group) || !Array.isArray(group["hooks"])) {
        nextGroups.push(group);
        continue;
      }
      const kept = group["hooks"].filter((h) => !(isObject(h) && isOurCommand(h["command"])));
      const cut = group["hooks"].length - kept.length;
      if (cut === 0) {
        nextGroups.push(group);
        continue;
      }
      removed += cut;
      touched = true;
      if (kept.length > 0) nextGroups.push({ ...group, hooks: kept });
    }
    if (touched && nextGroups.length === 0) continue;
    nextHooks[event] = nextGroups;
  }
  if (removed === 0) return { settings, removed: 0 };
  const next: JsonObject = {};
  for (const [key, value] of Object.entries(settings)) {
    if (key !== "hooks") next[key] = value;
    else if (Object.keys(nextHooks).length > 0) next[key] = nextHooks;
  }
  return { settings: next, removed };
}

function groupFor(entry: HookEntry): JsonObject {
  const handler: JsonObject = { type: "command", command: entry.handler.command };
  if (entry.handler.async !== undefined) handler["async"] = entry.handler.async;
  if (entry.handler.timeout !== undefined) handler["timeout"] = entry.handler.timeout;
  return eventTakesMatcher(entry.event) ? { matcher: "*", hooks: [handler] } : { hooks: [handler] };
}

export interface MergeResult {
  readonly settings: JsonObject;
  readonly changed: boolean;
  /** Our handlers that were there before and are not wanted now (older paths, old options). */
  readonly replaced: number;
}

/**
 * Puts exactly `entries` in as our handlers. Idempotent: when ours are already exactly these,
 * the input object is returned untouched (`changed: false`).
 */
export function mergeOurHooks(settings: JsonObject, entries: readonly HookEntry[]): MergeResult {
  if (sameEntries(ourEntries(settings), entries) && ourGroupsAreOwn(settings)) return { settings, changed: false, replaced: 0 };
  const { settings: base, removed } = removeOurHooks(settings);
  const hooks: JsonObject = { ...(hooksObject(base) ?? {}) };
  for (const entry of entries) {
    const existing = hooks[entry.event];
    if (existing !== undefined && !Array.isArray(existing)) throw new SettingsShapeError(`"hooks.${entry.event}" must be an array, found ${describe(existing)}`);
    hooks[entry.event] = [...(existing ?? []), groupFor(entry)];
  }
  const next: JsonObject = { ...base };
  next["hooks"] = hooks;
  return { settings: next, changed: true, replaced: removed };
}

function sameEntries(a: readonly HookEntry[], b: readonly HookEntry[]): boolean {
  const key = (e: HookEntry): string => JSON.stringify([e.event, e.handler.command, e.handler.async ?? null, e.handler.timeout ?? null, e.handler.type]);
  const ka = a.map(key).sort();
  const kb = b.map(key).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/** Ours must sit alone in groups that match everything; a hand-edited placement is rewritten. */
function ourGroupsAreOwn(settings: JsonObject): boolean {
  const hooks = hooksObject(settings);
  if (hooks === undefined) return true;
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) continue;
    for (const group of groups) {
      if (!isObject(group) || !Array.isArray(group["hooks"])) continue;
      const ours = group["hooks"].filter((h) => isObject(h) && isOurCommand(h["command"]));
      if (ours.length === 0) continue;
      if (ours.length !== group["hooks"].length) return false;
      const matcher = group["matcher"];
      if (eventTakesMatcher(event) ? matcher !== "*" : matcher !== undefined) return false;
    }
  }
  return true;
}

export interface ParsedSettings {
  readonly settings: JsonObject;
  readonly indent: string;
}

export class SettingsParseError extends Error {}

/** Strict JSON only: a file with comments or trailing commas is refused, never rewritten. */
export function parseSettingsText(text: string, path: string): ParsedSettings {
  if (text.trim() === "") return { settings: {}, indent: "  " };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const where = jsonErrorPosition(error, text);
    const hint = /\/\/|\/\*/.test(text) ? " It looks like it has comments;" : /,\s*[}\]]/.test(text) ? " It looks like it has a trailing comma;" : "";
    throw new SettingsParseError(
      `${path} is not strict JSON${where}: ${jsonErrorReason(error)}.${hint} The file must be plain JSON (no comments, no trailing commas). Fix it by hand; nothing was written.`,
    );
  }
  if (!isObject(value)) throw new SettingsParseError(`${path} must hold a JSON object, found ${describe(value)}; nothing was written.`);
  return { settings: value, indent: detectIndent(text) };
}

function detectIndent(text: string): string {
  const m = /\n([ \t]+)["}\]]/.exec(text);
  return m?.[1] ?? "  ";
}

export function formatSettings(settings: JsonObject, indent = "  "): string {
  return `${JSON.stringify(settings, null, indent)}\n`;
}
