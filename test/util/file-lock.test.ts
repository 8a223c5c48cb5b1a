/**
 * The state lock (src/state/lock.ts): exclusive, released only by its holder, taken over when
 * stale (dead pid, idle holder, half written), and compatible with the lock files of earlier versions.
 */
import { linkSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acquireLock, LockBusyError, tryAcquireLock, withLock } from "../../src/util/file-lock.js";

/** Far above any pid_max: kill(pid, 0) answers ESRCH. */
const DEAD_PID = 99_999_999;

/** What is left in the directory besides this process's owner file. */
const visible = (dir: string): string[] => readdirSync(dir).filter((n) => !n.startsWith(`.${process.pid}.`));

describe("state lock", () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "cco-lock-"));
    path = join(dir, "s.lock");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is exclusive while held, free again after release, and leaves only the owner file behind", () => {
    const first = tryAcquireLock(path);
    expect(first).toBeDefined();
    expect(tryAcquireLock(path)).toBeUndefined();
    const owner = readdirSync(dir).find((n) => n.endsWith(".owner")) as string;
    expect(owner).toMatch(new RegExp(`^\\.${process.pid}\\.[0-9a-f]{12}\\.owner$`));
    // The lock is the owner file under another name: one inode, the holder's pid inside.
    expect(statSync(path).ino).toBe(statSync(join(dir, owner)).ino);
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ pid: process.pid });
    first?.release();
    first?.release(); // idempotent
    expect(visible(dir)).toEqual([]);
    const second = tryAcquireLock(path);
    expect(second).toBeDefined();
    second?.release();
    expect(visible(dir)).toEqual([]);
  });

  it("throws ENOENT when its directory is missing (callers create it and retry)", () => {
    expect(() => tryAcquireLock(join(dir, "missing", "s.lock"))).toThrow(/ENOENT/);
  });

  it("takes over a lock whose holder is dead, or has taken no lock for staleMs", () => {
    writeFileSync(path, JSON.stringify({ pid: DEAD_PID, createdMs: Date.now(), token: "x" }));
    const a = tryAcquireLock(path);
    expect(a).toBeDefined();
    a?.release();
    writeFileSync(path, JSON.stringify({ pid: process.pid, createdMs: Date.now(), token: "y" }));
    const past = new Date(Date.now() - 10_000);
    utimesSync(path, past, past);
    expect(tryAcquireLock(path, { staleMs: 60_000 })).toBeUndefined();
    const b = tryAcquireLock(path, { staleMs: 5_000 });
    expect(b).toBeDefined();
    b?.release();
    expect(visible(dir)).toEqual([]);
  });

  it("a lock taken over and replaced is not removed by its former holder", () => {
    const old = tryAcquireLock(path);
    expect(old).toBeDefined();
    // Another process took it over (our pid looked idle to it) and put its own lock there.
    rmSync(path);
    writeFileSync(path, JSON.stringify({ pid: process.ppid, createdMs: Date.now(), token: "theirs" }));
    old?.release();
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ token: "theirs" });
    expect(tryAcquireLock(path)).toBeUndefined();
  });

  it("a holder idle for staleMs loses its lock to the next caller", () => {
    const foreign = join(dir, "foreign-owner");
    writeFileSync(foreign, JSON.stringify({ pid: process.ppid, createdMs: Date.now(), token: "idle" }));
    const past = new Date(Date.now() - 1_000);
    utimesSync(foreign, past, past);
    linkSync(foreign, path);
    expect(tryAcquireLock(path, { staleMs: 60_000 })).toBeUndefined();
    const taker = tryAcquireLock(path, { staleMs: 500 });
    expect(taker).toBeDefined();
    taker?.release();
    rmSync(foreign);
    expect(visible(dir)).toEqual([]);
  });

  it("lock files of earlier versions: a live one is respected, a dead or half-written one taken over", () => {
    writeFileSync(path, JSON.stringify({ pid: process.pid, createdMs: Date.now(), token: "legacy" }));
    expect(tryAcquireLock(path)).toBeUndefined();
    writeFileSync(path, JSON.stringify({ pid: DEAD_PID, createdMs: Date.now(), token: "legacy" }));
    const a = tryAcquireLock(path);
    expect(a).toBeDefined();
    a?.release();
    writeFileSync(path, '{"pid": 12');
    const b = tryAcquireLock(path);
    expect(b).toBeDefined();
    b?.release();
    expect(visible(dir)).toEqual([]);
  });

  it("owner files of dead processes are swept; a removed owner file of ours is recreated", () => {
    writeFileSync(join(dir, `.${DEAD_PID}.0123456789ab.owner`), "{}");
    const fresh = join(mkdtempSync(join(tmpdir(), "cco-lock2-")), "t.lock");
    writeFileSync(join(fresh, "..", `.${DEAD_PID}.0123456789ab.owner`), "{}");
    const a = tryAcquireLock(fresh);
    expect(readdirSync(join(fresh, "..")).filter((n) => n.startsWith(`.${DEAD_PID}.`))).toEqual([]);
    a?.release();
    for (const n of readdirSync(join(fresh, ".."))) if (n.endsWith(".owner")) rmSync(join(fresh, "..", n));
    const b = tryAcquireLock(fresh);
    expect(b).toBeDefined();
    b?.release();
    rmSync(join(fresh, ".."), { recursive: true, force: true });
  });

  it("acquireLock waits for a holder and gives up with LockBusyError after waitMs", async () => {
    const held = tryAcquireLock(path);
    const waiting = acquireLock(path, { waitMs: 2_000 });
    setTimeout(() => held?.release(), 50);
    (await waiting).release();
    const blocker = tryAcquireLock(path);
    await expect(acquireLock(path, { waitMs: 100 })).rejects.toBeInstanceOf(LockBusyError);
    blocker?.release();
    expect(await withLock(path, () => Promise.resolve(7))).toBe(7);
    expect(visible(dir)).toEqual([]);
  });
});
