/**
 * A controllable OTLP front on loopback, forwarding to a real receiver: refuse connections
 * (not listening), answer 500, accept and never answer (black hole), or pass through. It counts
 * byte-identical re-sends (a retry after an ambiguous timeout) and can drop them like an
 * idempotent backend does.
 */
import { createHash } from "node:crypto";
import { createServer, request } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type FrontMode = "ok" | "refuse" | "500" | "hang";

export interface FrontServer {
  readonly url: string;
  /** Every request that reached the front, by mode at the time. */
  readonly seen: { mode: FrontMode; path: string; bytes: number }[];
  /** Requests forwarded again with bytes identical to an earlier forwarded one. */
  readonly resent: number;
  setMode(mode: FrontMode): Promise<void>;
  close(): Promise<void>;
}

export async function startFrontServer(target: string, options: { dropResent?: boolean; port?: number } = {}): Promise<FrontServer> {
  let mode: FrontMode = "ok";
  const forwarded = new Set<string>();
  const sockets = new Set<Socket>();
  const state = { resent: 0 };
  const seen: FrontServer["seen"] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      seen.push({ mode, path: req.url ?? "", bytes: body.length });
      if (mode === "hang") return; // Accepted, read, never answered.
      if (mode === "500") {
        res.writeHead(500).end("collector overloaded");
        return;
      }
      const digest = createHash("sha256")
        .update(req.url ?? "")
        .update(body)
        .digest("hex");
      if (forwarded.has(digest)) {
        state.resent++;
        if (options.dropResent === true) {
          res.writeHead(200, { "content-type": req.headers["content-type"] ?? "application/x-protobuf" }).end();
          return;
        }
      }
      forwarded.add(digest);
      const out = request(
        new URL(req.url ?? "/", target),
        { method: "POST", headers: { "content-type": req.headers["content-type"] ?? "", "content-length": String(body.length) } },
        (r) => {
          res.writeHead(r.statusCode ?? 502, { "content-type": r.headers["content-type"] ?? "application/octet-stream" });
          r.pipe(res);
        },
      );
      out.on("error", () => res.writeHead(502).end());
      out.end(body);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server.listening) resolve();
      else server.close(() => resolve());
    });
  const port = await listen(options.port ?? 0);
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    get resent() {
      return state.resent;
    },
    async setMode(next) {
      if (next === "refuse" && mode !== "refuse") await stop();
      if (next !== "refuse" && mode === "refuse") await listen(port);
      // Leaving the black hole: drop the connections it held.
      if (mode === "hang") for (const s of sockets) s.destroy();
      mode = next;
    },
    close: stop,
  };
}
