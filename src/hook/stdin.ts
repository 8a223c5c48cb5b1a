/**
 * The hook's stdin: one JSON object from Claude Code, read within a byte limit and a deadline.
 *
 * `process.stdin` costs a hook about 5 ms (it loads `net` and builds a stream around the socket
 * Claude Code hands over), a sixth of Node's whole start-up. `readProcessStdin` reads fd 0 with
 * plain non-blocking reads instead. Non-blocking matters: a blocking read that never returns
 * (a writer that stalls with the socket open) cannot be abandoned, since Node joins its thread
 * pool at exit. So the fd is made non-blocking first: a FIFO by reopening it through
 * /proc/self/fd with O_NONBLOCK (a new open file, nobody else's flags change), a socket (what
 * Claude Code 2.x gives hooks: an AF_UNIX socketpair end, blocking) through libuv's pipe wrap,
 * the one handle that switches an inherited fd to non-blocking without loading `net`. Whenever a
 * step is unavailable (another OS, a Node without that binding), the stream reader takes over.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

export interface StdinResult {
  readonly text: string;
  readonly bytes: number;
  readonly truncated: boolean;
  readonly timedOut: boolean;
}

/** Stdin kept for parsing; beyond it input is drained and dropped (a huge tool_response). */
export const MAX_STDIN_BYTES = 16 * 1024 * 1024;
/** Claude Code closes stdin after the payload; a terminal or a stuck pipe must not hold us. */
export const STDIN_TIMEOUT_MS = 3_000;
/** Up to this size a buffer ending in "}" is tried as the whole payload, so a late EOF costs nothing. */
const EARLY_PARSE_MAX = 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;
/** Poll interval while a non-blocking fd has nothing yet (Claude Code writes before we start, so rare). */
const POLL_MS = 1;

function endsWithBrace(chunk: Uint8Array): boolean {
  for (let i = chunk.length - 1; i >= 0; i--) {
    const c = chunk[i] as number;
    if (c === 0x7d) return true;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  }
  return false;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Collects chunks up to `limit` bytes, counting (and dropping) the rest. */
class Collector {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  /** `kept` when `complete` last parsed. */
  private checked = -1;
  /** The text `complete` found whole, kept for `result`. */
  private whole: string | undefined;
  bytes = 0;

  constructor(private readonly limit: number) {}

  /** Adds a chunk (owned by the collector from now on). */
  add(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.kept >= this.limit) return;
    const take = Math.min(chunk.length, this.limit - this.kept);
    this.chunks.push(take === chunk.length ? chunk : chunk.subarray(0, take));
    this.kept += take;
  }

  /**
   * Do the bytes so far already form the whole payload? Claude Code sends one object then closes,
   * and a loaded machine can deliver the EOF late. Asked only when no more input is at hand: it
   * parses the payload, which the hook then parses again.
   */
  complete(): boolean {
    // Polled every millisecond while the writer pauses: the same bytes are parsed only once.
    if (this.kept === this.checked) return false;
    this.checked = this.kept;
    const last = this.chunks[this.chunks.length - 1];
    if (last === undefined || this.kept > EARLY_PARSE_MAX || this.kept !== this.bytes || !endsWithBrace(last)) return false;
    const text = Buffer.concat(this.chunks, this.kept).toString("utf8");
    if (!parses(text)) return false;
    this.whole = text;
    return true;
  }

  result(timedOut: boolean): StdinResult {
    // The bytes `complete` decoded, unless more came since (a stream may add a chunk after it).
    const text = this.whole !== undefined && this.checked === this.kept ? this.whole : Buffer.concat(this.chunks, this.kept).toString("utf8");
    return { text, bytes: this.bytes, truncated: this.bytes > this.kept, timedOut };
  }
}

/** Reads a stream up to `limit` bytes, draining (and dropping) the rest, within `timeoutMs`. */
export function readBoundedStdin(stream: NodeJS.ReadableStream & { isTTY?: boolean }, limit = MAX_STDIN_BYTES, timeoutMs = STDIN_TIMEOUT_MS): Promise<StdinResult> {
  return new Promise((resolve) => {
    if (stream.isTTY === true) {
      resolve({ text: "", bytes: 0, truncated: false, timedOut: false });
      return;
    }
    const collector = new Collector(limit);
    let done = false;
    const finish = (timedOut: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream.removeAllListeners("data");
      resolve(collector.result(timedOut));
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    stream.on("data", (chunk: Buffer | string) => {
      collector.add(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
      // A stream does not say whether more is buffered: try each chunk.
      if (collector.complete()) finish(false);
    });
    stream.on("end", () => finish(false));
    stream.on("error", () => finish(false));
  });
}

interface PipeWrapBinding {
  Pipe: new (type: number) => { open(fd: number): number; close(): void };
  constants: { SOCKET: number };
}

/** Switches an inherited socket fd to non-blocking (uv_pipe_open); false when that is not possible. */
function makeSocketNonBlocking(fd: number): boolean {
  const quiet = process.noDeprecation;
  try {
    // DEP0111 is documentation-only; keep `--pending-deprecation` users' stderr clean all the same.
    process.noDeprecation = true;
    const binding = (process as unknown as { binding(name: string): PipeWrapBinding }).binding("pipe_wrap");
    const pipe = new binding.Pipe(binding.constants.SOCKET);
    return pipe.open(fd) === 0;
  } catch {
    return false;
  } finally {
    process.noDeprecation = quiet;
  }
}

/** A readable non-blocking fd for stdin, whether to close it, or undefined when none can be had. */
function nonBlockingStdin(): { fd: number; owned: boolean } | "empty" | undefined {
  let stat;
  try {
    stat = fstatSync(0);
  } catch {
    return "empty"; // No stdin at all (closed fd).
  }
  // A terminal, or /dev/null: nothing to wait for.
  if (stat.isCharacterDevice()) return "empty";
  if (stat.isFile()) return { fd: 0, owned: false };
  if (stat.isFIFO()) {
    try {
      return { fd: openSync("/proc/self/fd/0", constants.O_RDONLY | constants.O_NONBLOCK), owned: true };
    } catch {
      return undefined;
    }
  }
  if (stat.isSocket() && makeSocketNonBlocking(0)) return { fd: 0, owned: false };
  return undefined;
}

function readFd(fd: number, limit: number, timeoutMs: number): Promise<StdinResult> {
  const deadline = Date.now() + timeoutMs;
  const collector = new Collector(limit);
  return new Promise((resolve) => {
    let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    const step = (): void => {
      for (;;) {
        let n: number;
        try {
          n = readSync(fd, chunk, 0, CHUNK_BYTES, null);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "EAGAIN") return resolve(collector.result(false));
          // Nothing more at hand: the payload may be whole without its EOF.
          if (collector.complete()) return resolve(collector.result(false));
          if (Date.now() >= deadline) return resolve(collector.result(true));
          setTimeout(step, POLL_MS);
          return;
        }
        if (n === 0) return resolve(collector.result(false));
        collector.add(n === CHUNK_BYTES ? chunk : chunk.subarray(0, n));
        chunk = Buffer.allocUnsafe(CHUNK_BYTES); // the collector keeps the one just read
        if (Date.now() >= deadline) return resolve(collector.result(true));
      }
    };
    step();
  });
}

/** The hook process's stdin, read as described above. */
export async function readProcessStdin(limit = MAX_STDIN_BYTES, timeoutMs = STDIN_TIMEOUT_MS): Promise<StdinResult> {
  const source = nonBlockingStdin();
  if (source === "empty") return { text: "", bytes: 0, truncated: false, timedOut: false };
  if (source === undefined) return readBoundedStdin(process.stdin, limit, timeoutMs);
  try {
    return await readFd(source.fd, limit, timeoutMs);
  } finally {
    if (source.owned) closeSync(source.fd);
  }
}
