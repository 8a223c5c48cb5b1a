/**
 * A worker thread that runs `catchUpSessions` over the sessions the main thread hands it, chunk by
 * chunk as it asks (catch-up-in-workers.ts), with its own pricer and batches, writing into the
 * destination's outbox (the main thread sends it), and posts every outcome to the main thread.
 * Sessions are disjoint between workers and each is planned under its own lock, so workers never
 * meet; the metric clock's lock orders their metric windows and the outbox entries that hold them.
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadPriceLibrary } from "../cost/price-request.js";
import { createLearningPricer } from "./learning-pricer.js";
import { createOutboxSink } from "../delivery/outbox-sink.js";
import { LockBusyError } from "../util/file-lock.js";
import type { SessionSource } from "../transcript/discover.js";
import { catchUpSessions } from "./catch-up.js";
import type { MainMessage, WorkerData, WorkerMessage } from "./catch-up-protocol.js";

const port = parentPort;
if (port === null) throw new Error("catch-up-worker.js runs as a worker thread");
const post = (message: WorkerMessage): void => port.postMessage(message);

const { settings } = workerData as WorkerData;
const stop = new AbortController();
const held: SessionSource[] = [];
let ended = false;
let asked = false;
let wake: (() => void) | undefined;
port.on("message", (m: MainMessage) => {
  if (m.type === "sessions") {
    for (const source of m.sources) held.push(source);
    asked = false;
  } else {
    // "stop" also ends the sessions: the main thread answers no further request.
    if (m.type === "stop") stop.abort();
    ended = true;
  }
  wake?.();
  wake = undefined;
});

/**
 * The sessions as they come. The next chunk is asked for when the last one held is taken, so it
 * arrives while that session is read; never before the first chunk (the worker may start long
 * before the sessions are known).
 */
async function* handedSessions(): AsyncGenerator<SessionSource> {
  for (;;) {
    const next = held.shift();
    if (next !== undefined) {
      if (held.length === 0 && !ended && !asked) {
        asked = true;
        post({ type: "more" });
      }
      yield next;
      continue;
    }
    if (ended) return;
    // Waits for the first chunk (every worker is handed one unasked), or for the chunk asked for.
    await new Promise<void>((resolve) => (wake = resolve));
  }
}

await loadPriceLibrary();
const sink = createOutboxSink(settings.outbox.dir, settings.outbox.encoding, settings.outbox.resource, settings.outbox.label);
try {
  const learning = createLearningPricer(settings.prices, settings.factsDir);
  const { failure } = await catchUpSessions(handedSessions(), { ...settings, pricer: learning.pricer, sink, signal: stop.signal }, (outcome) => post({ type: "outcome", outcome }));
  // A dry run records nothing, learned rates included.
  if (settings.dryRun !== true) learning.save();
  await sink.shutdown();
  post({ type: "done", failure });
} catch (error) {
  await sink.shutdown().catch(() => undefined);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  post({
    type: "error",
    message: error instanceof Error ? error.message : String(error),
    code: typeof code === "string" ? code : undefined,
    lockBusy: error instanceof LockBusyError,
  });
} finally {
  // Listening must not keep the thread alive: it exits once its sessions are done.
  port.unref();
}
