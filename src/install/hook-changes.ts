/**
 * What an install or uninstall did to our entries, per event and subcommand, for the user to read:
 * "added", "updated" (a new command, e.g. the package moved, or new options; duplicates collapsed)
 * or "removed". Foreign hooks never appear here: they are never changed.
 */
import type { HookEntry, HookSubcommand } from "./settings-merge.js";
import { ourSubcommand } from "./settings-merge.js";

export type ChangeKind = "added" | "updated" | "removed";

export interface HookChange {
  readonly kind: ChangeKind;
  readonly event: string;
  readonly subcommand: HookSubcommand;
}

function keyOf(e: HookEntry): string {
  return `${e.event}\u0000${ourSubcommand(e.handler.command) ?? "hook"}`;
}

function handlerKey(e: HookEntry): string {
  return JSON.stringify([e.handler.command, e.handler.async ?? null, e.handler.timeout ?? null]);
}

/** Changes from our entries `before` to `after`, in the order of `after` then the removed ones. */
export function hookChanges(before: readonly HookEntry[], after: readonly HookEntry[]): HookChange[] {
  const old = new Map<string, HookEntry[]>();
  for (const e of before) old.set(keyOf(e), [...(old.get(keyOf(e)) ?? []), e]);
  const changes: HookChange[] = [];
  const seen = new Set<string>();
  for (const e of after) {
    const key = keyOf(e);
    seen.add(key);
    const subcommand = ourSubcommand(e.handler.command) ?? "hook";
    const previous = old.get(key);
    if (previous === undefined) changes.push({ kind: "added", event: e.event, subcommand });
    else if (previous.length > 1 || handlerKey(previous[0] as HookEntry) !== handlerKey(e)) changes.push({ kind: "updated", event: e.event, subcommand });
  }
  for (const [key, entries] of old) {
    if (seen.has(key)) continue;
    const e = entries[0] as HookEntry;
    changes.push({ kind: "removed", event: e.event, subcommand: ourSubcommand(e.handler.command) ?? "hook" });
  }
  return changes;
}

/** One line per kind: `added:    SessionStart, Stop (hook); Stop (hook-alerts)`. */
export function describeChanges(changes: readonly HookChange[]): string[] {
  const lines: string[] = [];
  for (const kind of ["added", "updated", "removed"] as const) {
    const of = changes.filter((c) => c.kind === kind);
    if (of.length === 0) continue;
    const bySub = (["hook", "hook-alerts"] as const)
      .map((sub) => ({ sub, events: of.filter((c) => c.subcommand === sub).map((c) => c.event) }))
      .filter((g) => g.events.length > 0)
      .map((g) => `${g.events.join(", ")} (${g.sub})`);
    lines.push(`  ${`${kind}:`.padEnd(10)}${bySub.join("; ")}`);
  }
  return lines;
}
