import { randomBytes } from "node:crypto";
import { link, open, readFile, rename, unlink } from "node:fs/promises";

export interface LockOptions {
  /** How long to wait for a busy lock before giving up. */
  readonly waitMs?: number;
  /** A lock older than this is taken over even if its process seems alive (pid reuse, hung writer). */
  readonly staleMs?: number;
}

export class LockBusyError extends Error {}

interface LockBody {
  pid: number;
  createdMs: number;
  token: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readBody(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}

function isStale(text: string | undefined, staleMs: number): boolean {
  if (text === undefined) return false;
  try {
    const body = JSON.parse(text) as Partial<LockBody>;
    if (typeof body.pid !== "number" || typeof body.createdMs !== "number") return true;
    return !alive(body.pid) || Date.now() - body.createdMs > staleMs;
  } catch {
    // A half-written lock whose writer died between create and write.
    return true;
  }
}

/**
 * Takes over a stale lock: rename it aside, and only delete it if it is still the stale one we
 * judged; if another process replaced it meanwhile, put theirs back.
 */
async function takeOver(path: string, staleText: string): Promise<void> {
  const aside = `${path}.${randomBytes(4).toString("hex")}.stale`;
  try {
    await rename(path, aside);
  } catch {
    return;
  }
  if ((await readBody(aside)) !== staleText) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` holding an exclusive lock file (O_EXCL), so concurrent replay/watch/hooks never interleave. */
export async function withLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const waitMs = options.waitMs ?? 30_000;
  const staleMs = options.staleMs ?? 120_000;
  const deadline = Date.now() + waitMs;
  const body: LockBody = { pid: process.pid, createdMs: Date.now(), token: randomBytes(8).toString("hex") };
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    try {
      const handle = await open(path, "wx", 0o600);
      try {
        await handle.writeFile(JSON.stringify({ ...body, createdMs: Date.now() }));
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const text = await readBody(path);
      if (text !== undefined && isStale(text, staleMs)) {
        await takeOver(path, text);
        continue;
      }
      if (Date.now() >= deadline) throw new LockBusyError(`${path} is held by another process`);
      await sleep(delay);
    }
  }
  try {
    return await fn();
  } finally {
    // Only remove our own lock (a takeover after staleMs may have replaced it).
    const text = await readBody(path);
    if (text !== undefined && text.includes(body.token)) await unlink(path).catch(() => undefined);
  }
}
