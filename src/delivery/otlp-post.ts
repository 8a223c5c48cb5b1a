/**
 * One OTLP/HTTP POST of already-serialized bytes, with a hard deadline covering connect, upload
 * and response: a collector that accepts the connection and never answers costs at most
 * `timeoutMs`. The SDK exporters retry with backoff inside one call, which is right for a
 * long-lived process and wrong for a flusher that must finish in seconds; the outbox is the retry.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Encoding } from "./outbox.js";

export type PostResult =
  | { readonly kind: "ok"; readonly status: number }
  /** Worth retrying later: network error, timeout, 408, 429, 5xx, redirects, 404 (endpoint misconfigured). */
  | { readonly kind: "retry"; readonly error: string }
  /** The collector will never take these bytes (400, 413, 415...): retrying would block the outbox forever. */
  | { readonly kind: "rejected"; readonly status: number; readonly error: string };

export const CONTENT_TYPE: Record<Encoding, string> = { pb: "application/x-protobuf", json: "application/json" };

const PERMANENT = new Set([400, 403, 413, 415, 422]);

export function postOtlp(url: string, body: Uint8Array, encoding: Encoding, headers: Readonly<Record<string, string>>, timeoutMs: number): Promise<PostResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: PostResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      done({ kind: "rejected", status: 0, error: `invalid URL ${url}` });
      return;
    }
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(target, {
      method: "POST",
      headers: { ...headers, "content-type": CONTENT_TYPE[encoding], "content-length": String(body.byteLength) },
      // A fresh connection per request: no keep-alive socket may hold the process open.
      agent: false,
    });
    const timer = setTimeout(() => {
      done({ kind: "retry", error: `no answer within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on("error", (error: NodeJS.ErrnoException) => done({ kind: "retry", error: error.code ?? error.message }));
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      // Drain the body (bounded by the deadline) so the socket closes cleanly.
      res.resume();
      res.on("end", () => {
        if (status >= 200 && status < 300) done({ kind: "ok", status });
        else if (PERMANENT.has(status)) done({ kind: "rejected", status, error: `HTTP ${status}` });
        else done({ kind: "retry", error: `HTTP ${status}` });
      });
      res.on("error", () => done({ kind: "retry", error: `HTTP ${status}, response cut` }));
    });
    req.end(body);
  });
}
