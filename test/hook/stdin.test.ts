/**
 * readProcessStdin on every kind of stdin a hook can get, in a real child process: the socket
 * Claude Code 2.x and Node give (a socketpair end), a FIFO (a shell pipe), a regular file,
 * /dev/null. A writer that stalls with the fd open must cost the deadline, never more.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/shared-fixtures.js";
import { requireBuild } from "../support/hook-harness.js";

interface Read {
  readonly length: number;
  readonly bytes: number;
  readonly truncated: boolean;
  readonly timedOut: boolean;
  readonly head: string;
  readonly ms: number;
}

const STDIN_MODULE = pathToFileURL(join(REPO_ROOT, "dist", "hook", "stdin.js")).href;
/** Prints what readProcessStdin(limit, timeout) returned, as one JSON line. */
const SCRIPT = `const t = performance.now(); import(${JSON.stringify(STDIN_MODULE)}).then((m) => m.readProcessStdin(Number(process.argv[1]), Number(process.argv[2]))).then((r) => { process.stdout.write(JSON.stringify({ length: r.text.length, bytes: r.bytes, truncated: r.truncated, timedOut: r.timedOut, head: r.text.slice(0, 20), ms: performance.now() - t })); process.exit(0); });`;

function collect(child: ReturnType<typeof spawn>): Promise<Read> {
  let out = "";
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out) as Read) : reject(new Error(`exit ${code}: ${out}`))));
  });
}

/** stdin: a socketpair end (what `spawn` with "pipe" and Claude Code both give). */
function overSocket(write: (stdin: NodeJS.WritableStream) => void, limit = 1 << 20, timeoutMs = 600): Promise<Read> {
  const child = spawn(process.execPath, ["-e", SCRIPT, String(limit), String(timeoutMs)], { stdio: ["pipe", "pipe", "inherit"] });
  child.stdin.on("error", () => undefined);
  write(child.stdin);
  return collect(child);
}

describe("readProcessStdin", () => {
  let dir: string;
  beforeAll(() => {
    requireBuild();
    dir = mkdtempSync(join(tmpdir(), "cco-stdin-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const payload = JSON.stringify({ session_id: "s", hook_event_name: "Stop", pad: "é".repeat(100_000) });

  it("a socket: the whole payload, across many chunks and multi-byte characters", async () => {
    const r = await overSocket((s) => s.end(payload));
    expect(r).toMatchObject({ length: payload.length, bytes: Buffer.byteLength(payload), truncated: false, timedOut: false, head: payload.slice(0, 20) });
  });

  it("a socket whose writer stalls mid-object: the deadline, then what was read", async () => {
    const r = await overSocket((s) => s.write(payload.slice(0, 30)));
    expect(r).toMatchObject({ length: 30, timedOut: true });
    expect(r.ms).toBeGreaterThanOrEqual(550);
    expect(r.ms).toBeLessThan(3_000);
  });

  it("a socket whose writer sends a whole object and never closes: no wait for EOF", async () => {
    const r = await overSocket((s) => s.write(payload), 1 << 20, 5_000);
    expect(r).toMatchObject({ length: payload.length, timedOut: false });
    expect(r.ms).toBeLessThan(2_500);
  });

  it("a socket with more than the limit: drained, counted, kept up to the limit", async () => {
    const r = await overSocket((s) => s.end(Buffer.alloc(3 << 20, 0x20)), 1 << 20, 5_000);
    expect(r).toMatchObject({ length: 1 << 20, bytes: 3 << 20, truncated: true, timedOut: false });
  });

  it("a FIFO whose writer stalls: the deadline, and the process exits (no blocked read left behind)", async () => {
    const fifo = join(dir, "stall.fifo");
    execFileSync("mkfifo", [fifo]);
    const started = performance.now();
    const child = spawn("sh", ["-c", `exec "$0" -e "$1" 1048576 600 < "$2"`, process.execPath, SCRIPT, fifo], { stdio: ["ignore", "pipe", "inherit"] });
    const result = collect(child);
    const writer = openSync(fifo, "w"); // blocks until the shell opened the read end
    writeSync(writer, '{"session_id":');
    try {
      const r = await result;
      expect(r).toMatchObject({ length: 14, timedOut: true });
      // The reader's own clock: the 600 ms deadline held (Node's start-up on a loaded host is not ours).
      expect(r.ms).toBeGreaterThanOrEqual(550);
      expect(r.ms).toBeLessThan(3_000);
      // And the process exited: not left blocked on the FIFO (bounded by the test's own timeout).
      expect(performance.now() - started).toBeGreaterThan(r.ms);
    } finally {
      closeSync(writer);
    }
  });

  it("a FIFO with a complete payload and EOF", async () => {
    const fifo = join(dir, "full.fifo");
    execFileSync("mkfifo", [fifo]);
    const child = spawn("sh", ["-c", `exec "$0" -e "$1" 1048576 2000 < "$2"`, process.execPath, SCRIPT, fifo], { stdio: ["ignore", "pipe", "inherit"] });
    const result = collect(child);
    const writer = openSync(fifo, "w");
    writeSync(writer, payload);
    closeSync(writer);
    expect(await result).toMatchObject({ length: payload.length, truncated: false, timedOut: false });
  });

  it("a regular file, and /dev/null", async () => {
    const file = join(dir, "payload.json");
    writeFileSync(file, payload);
    const fromFile = spawn(process.execPath, ["-e", SCRIPT, "1048576", "600"], { stdio: [openSync(file, "r"), "pipe", "inherit"] });
    expect(await collect(fromFile)).toMatchObject({ length: payload.length, timedOut: false });
    const fromNull = spawn(process.execPath, ["-e", SCRIPT, "1048576", "600"], { stdio: ["ignore", "pipe", "inherit"] });
    expect(await collect(fromNull)).toMatchObject({ length: 0, bytes: 0, timedOut: false });
  });
});
