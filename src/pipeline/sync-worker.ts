/**
 * A worker thread that runs `syncSessions` over its shard of sessions (sync-in-workers.ts) with
 * its own pricer, sink and batches, and posts every outcome to the main thread. Sessions are
 * disjoint between shards and each is exported under its own lock, so shards never meet; the
 * metric clock's lock orders their metric windows.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createPricer, loadPriceLibrary } from "../cost/price-request.js";
import { createLazySink } from "../otel/lazy-sink.js";
import { LockBusyError } from "../state/lock.js";
import { syncSessions } from "./sync-session.js";
import type { StopMessage, WorkerData, WorkerMessage } from "./sync-worker-protocol.js";

const port = parentPort;
if (port === null) throw new Error("sync-worker.js runs as a worker thread");
const post = (message: WorkerMessage): void => port.postMessage(message);

const { sources, settings } = workerData as WorkerData;
const stop = new AbortController();
port.on("message", (m: StopMessage) => {
  if (m.type === "stop") stop.abort();
});
// Listening must not keep the thread alive: it exits once its shard is done.
port.unref();

await loadPriceLibrary();
// process.env here is the command's environment (sync-in-workers.ts starts the thread with it).
const sink = createLazySink(settings.target, { env: process.env });
try {
  const { failure } = await syncSessions(sources, { ...settings, pricer: createPricer(settings.prices), sink, signal: stop.signal }, (outcome) =>
    post({ type: "outcome", outcome }),
  );
  await sink.shutdown();
  post({ type: "done", failure });
} catch (error) {
  await sink.shutdown().catch(() => undefined);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  post({ type: "error", message: error instanceof Error ? error.message : String(error), code: typeof code === "string" ? code : undefined, lockBusy: error instanceof LockBusyError });
}
