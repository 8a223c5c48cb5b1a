/**
 * A metrics store slower than a remote-write client's patience, on loopback: a proxy in front of
 * Prometheus' remote-write receiver that holds every write `delayMs`, then passes it on and
 * answers with Prometheus' answer. A write whose client hung up meanwhile is not passed on (a
 * store that had not appended it yet), so what the client gave up on is lost, as it would be.
 *
 *   const store = await startSlowStore(`${prometheus.url}/api/v1/write`, 6_000);
 *   ... OTELCOL_REMOTE_WRITE_ENDPOINT = store.url ...; store.writes(); await store.stop();
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SlowStore {
  /** The proxy's remote-write URL. */
  readonly url: string;
  /** Writes passed on to the store, and writes dropped because their client had hung up. */
  counts(): { passed: number; abandoned: number };
  stop(): Promise<void>;
}

const FORWARDED = ["content-type", "content-encoding", "x-prometheus-remote-write-version", "user-agent"];

export async function startSlowStore(target: string, delayMs: number): Promise<SlowStore> {
  let passed = 0;
  let abandoned = 0;
  const timers = new Set<NodeJS.Timeout>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let hungUp = false;
    res.on("close", () => (hungUp = !res.writableEnded));
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, delayMs);
      timers.add(t);
    });
    if (hungUp) {
      abandoned++;
      return;
    }
    const headers: Record<string, string> = {};
    for (const h of FORWARDED) if (typeof req.headers[h] === "string") headers[h] = req.headers[h];
    const answer = await fetch(target, { method: "POST", headers, body: Buffer.concat(chunks), signal: AbortSignal.timeout(30_000) });
    const body = Buffer.from(await answer.arrayBuffer());
    passed++;
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/plain" }).end(body);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v1/write`,
    counts: () => ({ passed, abandoned }),
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
