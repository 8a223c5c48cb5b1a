import { randomBytes } from "node:crypto";
import { readFile, rename, unlink, writeFile } from "node:fs/promises";

export type ReadResult<T> = { readonly kind: "ok"; readonly value: T } | { readonly kind: "missing" } | { readonly kind: "corrupt"; readonly reason: string };

/** Reads and shape-checks a JSON state file. A corrupt file is reported, never thrown. */
export async function readJsonFile<T>(path: string, check: (v: unknown) => v is T): Promise<ReadResult<T>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    return { kind: "corrupt", reason: (error as Error).message };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: "corrupt", reason: `not JSON: ${(error as Error).message}` };
  }
  return check(value) ? { kind: "ok", value } : { kind: "corrupt", reason: "unexpected shape" };
}

/** Write to a temp file in the same directory, then rename: readers see the old or the new file, never half. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(value), { mode: 0o600 });
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

/** Keeps a corrupt file for inspection instead of silently overwriting it. */
export async function setAside(path: string): Promise<void> {
  await rename(path, `${path}.corrupt-${Date.now()}`).catch(() => undefined);
}
