/** What discovery asks of a directory entry and a file, beyond readdir and stat. */
import type { Dirent, Stats } from "node:fs";
import { closeSync, readSync, statSync } from "node:fs";
import { openRegularFile } from "../util/private-fs.js";

export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A file's path below the projects folder, size, modification time and inode. */
export function fileStamp(path: string, root: string, s: Stats): string {
  return `${path.slice(root.length)}\0${s.size}\0${s.mtimeMs}\0${s.ino}`;
}

/** Follows symlinks (a projects folder may link elsewhere); a dangling link is "broken". */
export function entryKind(entry: Dirent, path: string): "file" | "dir" | "broken" | "other" {
  if (entry.isFile()) return "file";
  if (entry.isDirectory()) return "dir";
  if (!entry.isSymbolicLink()) return "other";
  try {
    const s = statSync(path);
    return s.isFile() ? "file" : s.isDirectory() ? "dir" : "other";
  } catch {
    return "broken";
  }
}

const SESSION_ID_FIELD = /"sessionId":"([^"]+)"/;

/** Reads just enough of a legacy agent file to learn which session it belongs to. */
export function sessionIdInside(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openRegularFile(path).fd;
    const buf = Buffer.alloc(64 * 1024);
    const bytesRead = readSync(fd, buf, 0, buf.length, 0);
    return SESSION_ID_FIELD.exec(buf.toString("utf8", 0, bytesRead))?.[1];
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
