/**
 * What install created that was not there before: settings files and the folders above them. So
 * that uninstall can remove a settings file it left empty, and the `.claude/` folder it made,
 * only when install created them (a `{}` the user keeps, or their own `.claude/`, stays).
 * `<home>/installed.json`, private like the rest of the home.
 */
import { join, resolve } from "node:path";
import { isObject } from "../util/json.js";
import { readRegularFile, writeFileAtomic } from "../util/private-fs.js";

const RECORD = "installed.json";
const MAX_RECORD_BYTES = 1024 * 1024;

interface InstallRecord {
  readonly createdFiles: string[];
  readonly createdDirs: string[];
}

function read(home: string): InstallRecord {
  try {
    const raw: unknown = JSON.parse(readRegularFile(join(home, RECORD), MAX_RECORD_BYTES, { trusted: true }).text);
    if (isObject(raw)) {
      const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
      return { createdFiles: strings(raw["createdFiles"]), createdDirs: strings(raw["createdDirs"]) };
    }
  } catch {
    // None yet, or unreadable: nothing recorded.
  }
  return { createdFiles: [], createdDirs: [] };
}

function write(home: string, record: InstallRecord): void {
  writeFileAtomic(join(home, RECORD), `${JSON.stringify({ v: 1, ...record }, null, 2)}\n`, 0o600);
}

/** Records a settings file install created, and the folders it had to make for it (outermost first). */
export function noteCreated(home: string, file: string, dirs: readonly string[]): void {
  const r = read(home);
  const files = new Set([...r.createdFiles, resolve(file)]);
  const madeDirs = new Set([...r.createdDirs, ...dirs.map((d) => resolve(d))]);
  write(home, { createdFiles: [...files], createdDirs: [...madeDirs] });
}

export function wasCreated(home: string, path: string): boolean {
  return read(home).createdFiles.includes(resolve(path));
}

export function dirWasCreated(home: string, dir: string): boolean {
  return read(home).createdDirs.includes(resolve(dir));
}

/** Forgets files and folders once uninstall removed them. */
export function forget(home: string, paths: readonly string[]): void {
  const r = read(home);
  const gone = new Set(paths.map((p) => resolve(p)));
  if (!r.createdFiles.some((f) => gone.has(f)) && !r.createdDirs.some((d) => gone.has(d))) return;
  write(home, { createdFiles: r.createdFiles.filter((f) => !gone.has(f)), createdDirs: r.createdDirs.filter((d) => !gone.has(d)) });
}
