/**
 * `uninstall`: exactly our entries out of Claude Code's settings, a backup in our home, and a
 * settings file that install created and that holds nothing else removed (with the folders install
 * made for it), so `install --project` then `uninstall --project` leaves the project as it was.
 */
import { lstatSync, rmdirSync, unlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { defaultConfigPath, otelHome } from "../config/config-file.js";
import { BACKUP_DIR, adoptLegacyBackups, backupFile } from "../install/backups.js";
import { describeChanges, hookChanges } from "../install/hook-changes.js";
import { dirWasCreated, forget, wasCreated } from "../install/install-record.js";
import { formatSettings, ourEntries, parseSettingsText, removeOurHooks } from "../install/settings-merge.js";
import { readSettingsFile, writeTarget } from "../install/settings-file.js";
import { writeFileAtomic } from "../util/private-fs.js";
import { boolOpt, parseOptions } from "./args.js";
import { SCOPE_OPTIONS, settingsDiff, settingsPathFor, tilde } from "./install-scope.js";
import type { CliIO } from "./output.js";
import { EXIT } from "./output.js";

const UNINSTALL_HELP = `Usage: claude-code-otel uninstall [--user | --project | --settings <file>] [--dry-run]

Removes exactly the claude-code-otel hook entries from Claude Code's settings (a backup goes to
~/.claude/otel/backups/); your other hooks and settings stay as they are. A settings file that
install created and that holds nothing else is removed. The config file is left in place.
`;

/** A settings file left as `{}`, that install created: removed (with the folders install made for it, once empty). */
function removeCreated(settingsPath: string, home: string): string[] {
  const removed: string[] = [];
  unlinkSync(settingsPath);
  removed.push(settingsPath);
  for (let dir = dirname(settingsPath); dirWasCreated(home, dir); dir = dirname(dir)) {
    try {
      rmdirSync(dir);
      removed.push(dir);
    } catch {
      break; // Not empty: something of the user's is in it now.
    }
  }
  forget(home, removed);
  return removed;
}

export async function uninstallCommand(argv: string[], io: CliIO): Promise<number> {
  const p = parseOptions(argv, SCOPE_OPTIONS);
  if (boolOpt(p, "help")) {
    io.out(UNINSTALL_HELP);
    return EXIT.ok;
  }
  const settingsPath = settingsPathFor(p, io.env, process.cwd());
  const file = readSettingsFile(settingsPath);
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
  const home = otelHome(io.env);
  const after = formatSettings(settings, parsed.indent);
  // A symlink (a dotfile manager's) is written through, never removed.
  const removable = Object.keys(settings).length === 0 && wasCreated(home, settingsPath) && !lstatSync(settingsPath).isSymbolicLink();
  if (boolOpt(p, "dry-run")) {
    io.out(
      `claude-code-otel uninstall --dry-run: nothing is written.\n\n${removable ? `${where} would be removed (install created it; it holds nothing else).\n` : settingsDiff(file.text, after, where)}`,
    );
    return EXIT.ok;
  }
  const saved = backupFile(settingsPath, home, new Date());
  // Older versions' backups beside the file go first: they would keep a created `.claude/` from being removed.
  const moved = adoptLegacyBackups(settingsPath, home);
  io.out(`claude-code-otel: removed ${removed} hook entr${removed === 1 ? "y" : "ies"} from ${where}\n`);
  for (const line of describeChanges(hookChanges(ourEntries(parsed.settings), []))) io.out(`${line}\n`);
  if (removable) io.out(`  deleted:  ${removeCreated(settingsPath, home).map(tilde).join(", ")} (install had created it; nothing else was in it)\n`);
  else writeFileAtomic(writeTarget(settingsPath), after, file.mode ?? 0o644);
  io.out(`  backup:   ${tilde(saved)}\n`);
  if (moved > 0) io.out(`  moved:    ${moved} older backup${moved === 1 ? "" : "s"} beside ${where} to ${tilde(join(home, BACKUP_DIR))}\n`);
  io.out(`  The config file (${tilde(defaultConfigPath(io.env))}) is left in place; delete it yourself if you no longer need it.\n`);
  return EXIT.ok;
}
