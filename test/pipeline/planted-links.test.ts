/**
 * Issue 16.3 in a destination's state (`state/destinations/<key>/`): a link planted in place of
 * one of its folders (the folder itself, `sessions/`, `outbox/`, `rejected/`) or of a file we
 * write there (status.json, destination.json, pass.lock, an outbox entry) is never written
 * through, and nothing is moved into or pruned from the folder a link points at.
 */
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OtlpDestination } from "../../src/delivery/destination.js";
import { destinationDir, resolveDestination } from "../../src/delivery/destination.js";
import type { EntryHeader } from "../../src/delivery/outbox.js";
import { listOutbox, markReady, outboxDir, readEntry, writePendingEntry } from "../../src/delivery/outbox.js";
import { sendOutbox } from "../../src/delivery/send-outbox.js";
import { otlpTransport } from "../../src/delivery/transports.js";
import { openDestinationPass } from "../../src/pipeline/destination-pass.js";
import { markIdle } from "../../src/flusher/linger.js";
import { IDLE_MARK } from "../../src/hook/flush-lock.js";
import { lockHeld, tryAcquireLock } from "../../src/util/file-lock.js";

const header: EntryHeader = { v: 1, signal: "traces", encoding: "pb", items: 1, units: {} };
const resource = { "service.name": "claude-code" };

let root: string;
let victimDir: string;
const victimFiles = (): Record<string, string> => Object.fromEntries(readdirSync(victimDir).map((n) => [n, readFileSync(join(victimDir, n), "utf8")]));
let before: Record<string, string>;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "cco-planted-"));
  victimDir = join(root, "victim");
  mkdirSync(victimDir);
  // More than the 20 refused requests kept: pruning there would delete some.
  for (let i = 0; i < 25; i++) writeFileSync(join(victimDir, `precious-${String(i).padStart(2, "0")}`), `keep ${i}\n`);
  before = victimFiles();
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function answering(statuses: readonly number[]): Promise<{ url: string; close(): Promise<void> }> {
  let n = 0;
  const srv = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(statuses[n++] ?? 200).end());
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

describe("a destination's folders", () => {
  const destination = resolveDestination({ endpoint: "http://127.0.0.1:9" }, {}, {}) as OtlpDestination;

  it.each([
    ["destinations/", (state: string) => join(state, "destinations")],
    ["the destination's own folder", (state: string) => destinationDir(state, destination)],
    ["sessions/", (state: string) => join(destinationDir(state, destination), "sessions")],
    ["outbox/", (state: string) => outboxDir(destinationDir(state, destination))],
    ["rejected/", (state: string) => join(destinationDir(state, destination), "rejected")],
  ])("a link planted at %s: the pass is refused, and nothing appears where it points", async (_name, at) => {
    const state = join(root, "state");
    const link = at(state);
    mkdirSync(join(link, ".."), { recursive: true, mode: 0o700 });
    symlinkSync(victimDir, link);
    await expect(openDestinationPass(state, destination, { resource, waitMs: 0 })).rejects.toMatchObject({
      code: "EUNSAFE",
      message: `${link} is a symlink, not a folder of ours`,
    });
    expect(victimFiles()).toEqual(before);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it("links planted at destination.json, status.json and pass.lock: replaced or taken over, the victims untouched", async () => {
    const state = join(root, "state");
    const dir = destinationDir(state, destination);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const victim = join(victimDir, "precious-00");
    for (const name of ["destination.json", "status.json", "pass.lock"]) symlinkSync(victim, join(dir, name));
    expect(lockHeld(join(dir, "pass.lock"))).toBe(false);
    const srv = await answering([200]);
    try {
      const pass = await openDestinationPass(state, resolveDestination({ endpoint: srv.url }, {}, {}) as OtlpDestination, { resource, waitMs: 0 });
      pass.release();
      const passHere = await openDestinationPass(state, destination, { resource, waitMs: 0 });
      markReady(writePendingEntry(passHere.outbox, header, new Uint8Array(3)));
      await sendOutbox(passHere.outbox, otlpTransport(resolveDestination({ endpoint: srv.url }, {}, {}) as OtlpDestination), { budgetMs: 5_000 });
      passHere.release();
    } finally {
      await srv.close();
    }
    expect(victimFiles()).toEqual(before);
    // status.json was written anew in place of the link; destination.json's link is left alone (read only).
    expect(lstatSync(join(dir, "status.json")).isFile()).toBe(true);
    expect(lstatSync(join(dir, "destination.json")).isSymbolicLink()).toBe(true);
  });
});

describe("the outbox", () => {
  it("a link planted at rejected/ after the pass opened: the refused request is dropped, never moved there, nothing pruned there", async () => {
    const dir = join(root, "dest");
    const outbox = outboxDir(dir);
    for (let i = 0; i < 3; i++) markReady(writePendingEntry(outbox, header, Uint8Array.from([i])));
    symlinkSync(victimDir, join(dir, "rejected"));
    const srv = await answering([200, 400, 200]);
    const refused: string[] = [];
    try {
      const r = await sendOutbox(outbox, otlpTransport(resolveDestination({ endpoint: srv.url }, {}, {}) as OtlpDestination), {
        budgetMs: 5_000,
        onRejected: (name) => refused.push(name),
      });
      expect(r).toMatchObject({ sent: 2, rejected: 1, remaining: 0, failure: undefined });
    } finally {
      await srv.close();
    }
    expect(refused).toEqual(["000000000002-traces.req"]);
    expect(victimFiles()).toEqual(before);
    expect(readdirSync(outbox)).toEqual([]);
  });

  it("only regular files are entries: a link, a FIFO or a folder named like one is passed over, and a link is never read", () => {
    const outbox = join(root, "outbox");
    markReady(writePendingEntry(outbox, header, Uint8Array.from([1])));
    symlinkSync(join(victimDir, "precious-01"), join(outbox, "000000000002-traces.req"));
    execFileSync("mkfifo", [join(outbox, "000000000003-traces.req")]);
    mkdirSync(join(outbox, "000000000004-metrics.req"));
    expect(listOutbox(outbox).map((e) => e.name)).toEqual(["000000000001-traces.req"]);
    const fake = { path: join(outbox, "000000000002-traces.req"), name: "000000000002-traces.req", seq: [2], signal: "traces" as const, ready: true, bytes: 0 };
    expect(() => readEntry(fake)).toThrow(expect.objectContaining({ code: "ELOOP" }));
    expect(victimFiles()).toEqual(before);
  });
});

describe("locks", () => {
  it("a link or an oversized file at a lock's path holds no lock: taken over, the victim untouched", () => {
    const path = join(root, "x.lock");
    symlinkSync(join(victimDir, "precious-02"), path);
    const held = tryAcquireLock(path);
    expect(held).toBeDefined();
    held?.release();
    writeFileSync(path, "x".repeat(100_000));
    const again = tryAcquireLock(path);
    expect(again).toBeDefined();
    again?.release();
    expect(existsSync(path)).toBe(false);
    expect(victimFiles()).toEqual(before);
  });
});

describe("the flusher's idle mark", () => {
  it("a link planted at flush.idle is replaced by the mark, the victim untouched; the mark goes when work comes", () => {
    const home = join(root, "otel");
    mkdirSync(home, { mode: 0o700 });
    symlinkSync(join(victimDir, "precious-00"), join(home, IDLE_MARK));
    markIdle(home, true);
    expect(victimFiles()).toEqual(before);
    expect(lstatSync(join(home, IDLE_MARK)).isFile()).toBe(true);
    expect(readFileSync(join(home, IDLE_MARK), "utf8")).toBe(`${process.pid}\n`);
    markIdle(home, false);
    expect(existsSync(join(home, IDLE_MARK))).toBe(false);
  });
});
