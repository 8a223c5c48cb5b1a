import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

let cachedVersion: string | undefined;

/** This package's version, from its package.json (src/ and dist/ files are both two levels below it). */
export function packageVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
    cachedVersion = typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    cachedVersion = "unknown";
  }
  return cachedVersion;
}

/**
 * When this package's code last changed: the newest modification time among the files of the
 * folder this module was loaded from (dist/ or src/), for caches whose content the code
 * determines. The version alone misses a rebuild between releases (a developer's checkout).
 */
export function codeStamp(): string {
  let newest = 0;
  let files = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        newest = Math.max(newest, statSync(path).mtimeMs);
        files++;
      }
    }
  };
  try {
    walk(fileURLToPath(new URL("..", import.meta.url)));
  } catch {
    return "unknown";
  }
  return `${files}@${newest}`;
}
