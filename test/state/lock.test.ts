/**
 * The state lock (src/state/lock.ts): exclusive, released only by its holder, taken over when
 * stale (dead pid, too old, half written), and compatible with the lock files of earlier versions.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acquireLock, LockBusyError, tryAcquireLock, withLock } from "../../src/state/lock.js";

/** Far above any pid_max: kill(pid, 0) answers ESRCH. */
const DEAD_PID = 99_999_999;

describe("state lock", () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "cco-lock-"));
    path = join(dir, "s.lock");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is exclusive while held, free again after release, and leaves nothing behind", () => {
    const first = tryAcquireLock(path);
    expect(first).toBeDefined();
    expect(tryAcquireLock(path)).toBeUndefined();
    expect(readdirSync(path)).toHaveLength(1);
    expect(readdirSync(path)[0]).toMatch(new RegExp(`^${process.pid}-\\d+-[0-9a-z]+$`));
    first?.release();
    first?.release(); // idempotent
    expect(readdirSync(dir)).toEqual([]);
    const second = tryAcquireLock(path);
    expect(second).toBeDefined();
    second?.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("throws ENOENT when its directory is missing (callers create it and retry)", () => {
    expect(() => tryAcquireLock(join(dir, "missing", "s.lock"))).toThrow(/ENOENT/);
  });

  it("takes over a lock whose holder is dead, or older than staleMs", () => {
    mkdirSync(join(path, `${DEAD_PID}-${Date.now()}-dead0`), { recursive: true });
    const a = tryAcquireLock(path);
    expect(a).toBeDefined();
    a?.release();
    mkdirSync(join(path, `${process.pid}-${Date.now() - 10_000}-old0`), { recursive: true });
    expect(tryAcquireLock(path, { staleMs: 60_000 })).toBeUndefined();
    const b = tryAcquireLock(path, { staleMs: 5_000 });
    expect(b).toBeDefined();
    b?.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a released-then-replaced lock is not removed by its former holder", () => {
    const old = tryAcquireLock(path, { staleMs: 1 });
    expect(old).toBeDefined();
    // Another process judges it stale (staleMs 1 ms) and takes it over.
    const start = Date.now();
    while (Date.now() - start < 5) {
      // let 1 ms pass
    }
    const taker = tryAcquireLock(path, { staleMs: 1 });
    expect(taker).toBeDefined();
    old?.release();
    expect(existsSync(path)).toBe(true);
    expect(tryAcquireLock(path)).toBeUndefined();
    taker?.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("an empty lock directory (a holder that died releasing it) is replaced", () => {
    mkdirSync(path);
    const held = tryAcquireLock(path);
    expect(held).toBeDefined();
    held?.release();
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
    expect(readdirSync(dir)).toEqual([]);
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
    expect(readdirSync(dir)).toEqual([]);
  });
});
