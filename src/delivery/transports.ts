/**
 * How each kind of destination receives one request: an OTLP/HTTP POST, or a line appended to
 * the local OTLP JSON files (the layout of the collector's `file` exporter, which its
 * `otlpjsonfile` receiver reads back).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { appendPrivate } from "../util/private-fs.js";
import type { Destination, FileDestination, OtlpDestination } from "./destination.js";
import type { OtlpEncoding, OtlpSignal } from "../sdk/otlp-serialize.js";
import { postOtlp } from "./otlp-post.js";
import type { PostResult } from "./otlp-post.js";
import type { Transport } from "./send-outbox.js";

export const TRACES_FILE = "traces.jsonl";
export const METRICS_FILE = "metrics.jsonl";

export function otlpTransport(d: OtlpDestination): Transport {
  return {
    label: d.label,
    send: (signal: OtlpSignal, encoding: OtlpEncoding, body: Uint8Array): Promise<PostResult> =>
      postOtlp(body, encoding, {
        url: d.url[signal],
        shownUrl: d.shownUrl[signal],
        headers: d.headers[signal],
        timeoutMs: d.timeoutMs[signal],
        gzip: d.gzip[signal],
        ...(d.tls[signal] !== undefined ? { tls: d.tls[signal] } : {}),
      }),
  };
}

/**
 * One write of `body` and a newline to an O_APPEND file: concurrent writers never interleave a
 * line. appendPrivate refuses a link planted where the file should be (O_NOFOLLOW), a FIFO or
 * device (it would block or swallow), a hard-linked file and another user's file.
 */
function appendLine(path: string, body: Uint8Array): void {
  appendPrivate(path, Buffer.concat([body, Buffer.from("\n")]));
}

export function fileTransport(d: FileDestination): Transport {
  return {
    label: d.label,
    async send(signal: OtlpSignal, _encoding: OtlpEncoding, body: Uint8Array): Promise<PostResult> {
      const path = join(d.dir, signal === "traces" ? TRACES_FILE : METRICS_FILE);
      try {
        mkdirSync(d.dir, { recursive: true, mode: 0o700 });
        appendLine(path, body);
        return { kind: "ok", status: 0 };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ELOOP") return { kind: "endpoint", status: 0, error: `${path} is a symbolic link: refused` };
        if (code === "ENOTREG" || code === "EUNSAFE" || code === "ENXIO") return { kind: "endpoint", status: 0, error: `${path} is not a private regular file of ours: refused` };
        return { kind: "retry", error: `cannot write ${path}: ${code ?? (error as Error).message}` };
      }
    },
  };
}

export function transportFor(d: Destination): Transport {
  return d.kind === "otlp" ? otlpTransport(d) : fileTransport(d);
}

/** The encodings a destination's outbox holds: files are OTLP JSON lines. */
export function encodingsOf(d: Destination): Readonly<Record<OtlpSignal, OtlpEncoding>> {
  return d.kind === "otlp" ? d.encoding : { traces: "json", metrics: "json" };
}
