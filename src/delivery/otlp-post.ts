/**
 * One OTLP/HTTP POST of already-serialized bytes, with a hard deadline covering connect, upload
 * and response: a collector that accepts the connection and never answers costs at most
 * `timeoutMs`. No retries here (the SDK exporters retry with backoff inside one call, right for a
 * long-lived process, wrong for a pass that must end): the outbox is the retry, byte for byte.
 */
import { request as httpRequest } from "node:http";
import type { OutgoingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { gzipSync } from "node:zlib";
import type { OtlpEncoding } from "../sdk/otlp-serialize.js";
import { maskUrlsIn } from "../util/mask-url.js";

export type PostResult =
  | { readonly kind: "ok"; readonly status: number }
  /** 413: the body is larger than the destination takes; split it. */
  | { readonly kind: "too-large"; readonly status: number }
  /** 401/403: the destination refuses our credentials. Keep everything; a person must act. */
  | { readonly kind: "auth"; readonly status: number; readonly error: string }
  /** 404/405: no OTLP endpoint at this URL (a wrong path). Keep everything; a person must act. */
  | { readonly kind: "endpoint"; readonly status: number; readonly error: string }
  /** 400/415/422: these bytes will never be accepted (from a destination that accepts others). */
  | { readonly kind: "rejected"; readonly status: number; readonly error: string }
  /** Worth retrying later, identical: refused, timeout, reset, 408, 429, 5xx, redirects. */
  | { readonly kind: "retry"; readonly error: string };

export const CONTENT_TYPE: Record<OtlpEncoding, string> = { pb: "application/x-protobuf", json: "application/json" };

export interface PostOptions {
  readonly url: string;
  /** What to show of the URL in messages (credentials masked). */
  readonly shownUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly gzip: boolean;
  /** PEM contents for https (OTEL_EXPORTER_OTLP_CERTIFICATE, ..._CLIENT_CERTIFICATE, ..._CLIENT_KEY). */
  readonly tls?: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  /** Given the status and the start of the body of every answer, 2xx too (an OTLP partial success is in a 200's body). */
  readonly onAnswer?: (status: number, body: Buffer) => void;
}

/** What of an answer's body we read: enough for an error message, never a whole page. */
const ANSWER_BYTES = 2048;

/** The collector's message, if its answer carries one (OTLP's Status JSON, or text). */
function answerText(body: Buffer): string {
  const text = body.toString("utf8");
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === "string") return message;
  } catch {
    // Not JSON (protobuf Status, or plain text).
  }
  return text.replace(/[^\x20-\x7e]+/g, " ").trim();
}

function classify(status: number, shownUrl: string, answer: string): PostResult {
  if (status >= 200 && status < 300) return { kind: "ok", status };
  // The OpenTelemetry Collector answers an oversized body with 400 "request body too large".
  if (status === 413 || (status === 400 && /too large/i.test(answer))) return { kind: "too-large", status };
  if (status === 401 || status === 403) return { kind: "auth", status, error: `HTTP ${status} from ${shownUrl}: the credentials were refused` };
  if (status === 404 || status === 405) return { kind: "endpoint", status, error: `HTTP ${status} from ${shownUrl}: no OTLP receiver at this URL` };
  // A gateway may echo the request's URL, query credentials and all.
  const said = answer === "" ? "" : ` (${maskUrlsIn(answer).slice(0, 200)})`;
  if (status === 400 || status === 415 || status === 422) return { kind: "rejected", status, error: `HTTP ${status} from ${shownUrl}${said}` };
  return { kind: "retry", error: `HTTP ${status} from ${shownUrl}${said}` };
}

export function postOtlp(body: Uint8Array, encoding: OtlpEncoding, options: PostOptions): Promise<PostResult> {
  return new Promise((resolve) => {
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const done = (r: PostResult): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      resolve(r);
    };
    let target: URL;
    try {
      target = new URL(options.url);
    } catch {
      done({ kind: "endpoint", status: 0, error: `invalid URL ${options.shownUrl}` });
      return;
    }
    const payload = options.gzip ? gzipSync(body) : body;
    const headers: OutgoingHttpHeaders = { ...options.headers, "content-type": CONTENT_TYPE[encoding], "content-length": String(payload.byteLength) };
    if (options.gzip) headers["content-encoding"] = "gzip";
    const https = target.protocol === "https:";
    const send = https ? httpsRequest : httpRequest;
    let req: ReturnType<typeof httpRequest>;
    try {
      // A fresh connection per request: no keep-alive socket may hold the process open.
      req = send(target, { method: "POST", headers, agent: false, ...(https ? (options.tls ?? {}) : {}) });
    } catch (error) {
      done({ kind: "endpoint", status: 0, error: `cannot post to ${options.shownUrl}: ${(error as Error).message}` });
      return;
    }
    const timer = setTimeout(() => {
      done({ kind: "retry", error: `no answer from ${options.shownUrl} within ${options.timeoutMs} ms` });
      req.destroy();
    }, options.timeoutMs);
    timer.unref();
    timers.push(timer);
    req.on("error", (error: NodeJS.ErrnoException) => done({ kind: "retry", error: `${options.shownUrl}: ${error.code ?? error.message}` }));
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      // The whole body is drained (bounded by the deadline) so the socket closes cleanly; its
      // start is kept for the classification and the message.
      const kept: Buffer[] = [];
      let keptBytes = 0;
      res.on("data", (chunk: Buffer) => {
        if (keptBytes < ANSWER_BYTES && (status >= 300 || options.onAnswer !== undefined)) {
          kept.push(chunk.subarray(0, ANSWER_BYTES - keptBytes));
          keptBytes += Math.min(chunk.length, ANSWER_BYTES - keptBytes);
        }
      });
      res.on("end", () => {
        const body = Buffer.concat(kept);
        options.onAnswer?.(status, body);
        done(classify(status, options.shownUrl, answerText(body)));
      });
      res.on("error", () => done({ kind: "retry", error: `HTTP ${status} from ${options.shownUrl}, response cut` }));
    });
    req.end(payload);
  });
}
