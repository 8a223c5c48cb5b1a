/**
 * Backups of the files install and uninstall change (Claude Code's settings, our config), kept in
 * our private home, `<home>/backups/`, never beside the file: a project's `.claude/` is easy to
 * commit, and a backup there would carry this machine's absolute paths into the repository.
 * The newest KEEP_BACKUPS of each file are kept; older ones are removed.
 */
import { createHash } from "node:crypto";
import { chmodSync, constants, copyFileSync, readdirSync, unlinkSync } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { ensurePrivateDir } from "../util/private-fs.js";

export const KEEP_BACKUPS = 5;
export const BACKUP_DIR = "backups";

/** A readable, unique name per file: its last three path parts and a short hash of the whole path. */
export function backupLabel(path: string): string {
  const full = resolve(path);
  const tail = full.split(sep).filter(Boolean).slice(-3).join("_");
  return `${tail.replace(/[^A-Za-z0-9._-]/g, "_")}-${createHash("sha256").update(full).digest("hex").slice(0, 8)}`;
}

function stamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

/** What follows `.bak-` in a backup's name: a UTC stamp, and `-n` for a second backup within the same second. */
const STAMP = /^\d{8}T\d{6}Z(?:-\d+)?$/;

function backupsIn(dir: string, prefix: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.startsWith(prefix) && STAMP.test(n.slice(prefix.length)));
  } catch {
    return [];
  }
}

/** Oldest first: by stamp, then by the `-n` of backups made within one second. */
function byAge(a: string, b: string): number {
  const [sa = "", na = "0"] = a.slice(a.lastIndexOf(".bak-") + 5).split("-");
  const [sb = "", nb = "0"] = b.slice(b.lastIndexOf(".bak-") + 5).split("-");
  return sa === sb ? Number(na) - Number(nb) : sa < sb ? -1 : 1;
}

/** Removes all but the newest `keep` backups whose names start with `prefix` in `dir`. */
function prune(dir: string, prefix: string, keep: number): void {
  const names = backupsIn(dir, prefix).sort(byAge);
  for (const n of names.slice(0, Math.max(0, names.length - keep))) {
    try {
      unlinkSync(join(dir, n));
    } catch {
      // Gone already.
    }
  }
}

/**
 * Copies `path` to `<home>/backups/<label>.bak-<UTC stamp>` (0600, never over an earlier backup),
 * then keeps the newest KEEP_BACKUPS of that file. Returns the backup's path.
 */
export function backupFile(path: string, home: string, now: Date): string {
  const dir = join(home, BACKUP_DIR);
  ensurePrivateDir(dir);
  const prefix = `${backupLabel(path)}.bak-`;
  const base = `${prefix}${stamp(now)}`;
  // Within one second, `-1`, `-2`...: always after every backup of that second, so the order holds after pruning.
  const taken = backupsIn(dir, prefix).filter((n) => n === base || n.startsWith(`${base}-`));
  let n = taken.length === 0 ? 0 : Math.max(...taken.map((t) => (t === base ? 0 : Number(t.slice(base.length + 1))))) + 1;
  for (;;) {
    const target = join(dir, n === 0 ? base : `${base}-${n}`);
    try {
      copyFileSync(path, target, constants.COPYFILE_EXCL);
      // copyFile keeps the source's mode; a backup of a 0644 settings file is private all the same.
      chmodSync(target, 0o600);
      prune(dir, prefix, KEEP_BACKUPS);
      return target;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      n++;
    }
  }
}

/**
 * Backups older versions left beside the file (`settings.json.bak-<stamp>`, `config.json.bak-<stamp>`)
 * are moved into `<home>/backups/` (then bounded like the rest). Returns how many moved.
 */
export function adoptLegacyBackups(path: string, home: string): number {
  const dir = dirname(path);
  const prefix = `${basename(path)}.bak-`;
  const names = backupsIn(dir, prefix);
  if (names.length === 0) return 0;
  const into = join(home, BACKUP_DIR);
  ensurePrivateDir(into);
  const label = backupLabel(path);
  let moved = 0;
  for (const n of names) {
    const target = join(into, `${label}.bak-${n.slice(prefix.length)}`);
    try {
      copyFileSync(join(dir, n), target, constants.COPYFILE_EXCL);
      chmodSync(target, 0o600);
      unlinkSync(join(dir, n));
      moved++;
    } catch {
      // Left where it is: never lose a backup.
    }
  }
  prune(into, `${label}.bak-`, KEEP_BACKUPS);
  return moved;
}
