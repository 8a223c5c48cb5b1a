/**
 * Our folders (home, spool, outbox, state, alert markers, caches) hold session ids, costs and
 * queued telemetry: 0700 each. Older versions and hand-made folders may be wider; `install`
 * tightens them and `doctor` lists what is still wide. Folders below them are real folders of
 * ours, never links: a link planted in place of one would carry our writes elsewhere.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { folderProblem, octal, ourUid, UnsafeFileError, untrustedReason } from "./private-fs.js";

export interface LooseDir {
  readonly path: string;
  readonly mode: number;
  /** Set when the folder is not ours (another user's): nothing we can tighten. */
  readonly problem: string | undefined;
}

/** Deep enough for every folder we make (`state/destinations/<key>/outbox`), bounded on a foreign tree. */
const MAX_DEPTH = 4;
const MAX_DIRS = 2_000;

/** Folders under (and including) `root` that are not 0700, without following links; none if `root` is missing. */
export function looseDirs(root: string): LooseDir[] {
  const found: LooseDir[] = [];
  let seen = 0;
  const walk = (dir: string, depth: number): void => {
    if (seen++ > MAX_DIRS) return;
    let s;
    try {
      s = lstatSync(dir);
    } catch {
      return;
    }
    if (!s.isDirectory()) return;
    if ((s.mode & 0o777) !== 0o700) {
      const reason = untrustedReason(dir, s);
      found.push({ path: dir, mode: s.mode & 0o777, problem: reason !== undefined && reason.includes("belongs to") ? reason : undefined });
    }
    if (depth >= MAX_DEPTH) return;
    let subdirs: string[];
    try {
      // Dirent types come with the listing: no stat per file (a state folder holds thousands), links not followed.
      subdirs = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return;
    }
    for (const name of subdirs) walk(join(dir, name), depth + 1);
  };
  walk(root, 0);
  return found;
}

/** Tightens every loose folder of ours under `root` to 0700; returns what it changed, as `path (0755 → 0700)`. */
export function tightenPrivateDirs(root: string): string[] {
  const changed: string[] = [];
  for (const d of looseDirs(root)) {
    if (d.problem !== undefined) continue;
    try {
      chmodSync(d.path, 0o700);
      changed.push(`${d.path} (${octal(d.mode)} → 0700)`);
    } catch {
      // Raced away, or not ours after all: doctor will say.
    }
  }
  return changed;
}

/**
 * Why `path` must not be used as a folder we write into: a symlink (a planted one would send our
 * files, and the deletions of old ones, elsewhere), not a folder, or another user's. Undefined
 * when it is a real folder of ours, or missing. For folders below our home and state folder,
 * which we create; the home and state folder themselves may be links (privateDirProblem).
 */
export function realDirProblem(path: string): string | undefined {
  const uid = ourUid();
  return folderProblem(path, (s) => (uid !== undefined && s.uid !== uid ? `${path} belongs to uid ${s.uid}, not to you (uid ${uid})` : undefined), { noFollow: true });
}

/** Creates `path` (0700, its parent must exist) unless it is there; throws UnsafeFileError when it is not a real folder of ours. */
export function ensureRealDir(path: string): void {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const problem = realDirProblem(path);
  if (problem !== undefined) throw new UnsafeFileError("EUNSAFE", problem);
}
