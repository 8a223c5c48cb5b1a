import { statSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { LockBusyError } from "../state/lock.js";
import type { SessionSource } from "../transcript/discover.js";
import { SessionQueue } from "./session-queue.js";
import type { BatchedOutcome } from "./catch-up.js";
import type { MainMessage, WorkerData, WorkerMessage, WorkerSettings } from "./catch-up-protocol.js";

/**
 * The worker's module, bundled with its dependencies by the build (esbuild): each worker loads
 * the OpenTelemetry SDK's exporters, some 650 CommonJS files, and one file took 0.67 CPU-s less
 * per replay of the bench corpus (8 alternating runs). The compiled module when there is no
 * bundle (a build by tsc alone). `src/pipeline` and `dist/pipeline` are both two levels under the
 * package root, so this finds dist/ from either (tests run the sources; the build comes first).
 */
const BUNDLE_URL = new URL("../../dist/pipeline/catch-up-worker.bundle.mjs", import.meta.url);
const MODULE_URL = new URL("../../dist/pipeline/catch-up-worker.js", import.meta.url);

/** The bundle, unless a compile since (tsc alone, tsc --watch) made it older than the module. */
function workerUrl(): URL {
  try {
    return statSync(BUNDLE_URL).mtimeMs >= statSync(MODULE_URL).mtimeMs ? BUNDLE_URL : MODULE_URL;
  } catch {
    return MODULE_URL;
  }
}

/**
 * Worker threads for a replay with more work than one core does quickly: each reads, models,
 * maps, encodes and sends the sessions it is handed, on its own core. They start before the
 * sessions are known (a thread and its modules take ~0.1 s to load, which a replay overlaps with
 * its discovery), then `run` hands the sessions out.
 */
export interface CatchUpWorkerPool {
  /** Workers started. */
  readonly size: number;
  /**
   * `catchUpSessions` over these sessions, handed out chunk by chunk as the workers ask
   * (session-queue.ts). Outcomes arrive as the workers produce them. The first worker to fail
   * stops the others (each drops its planned batch uncommitted and reads no further session);
   * its error is returned. A worker that throws (a busy lock, a full disk) stops the others too,
   * and the error is thrown here once every worker has ended, a LockBusyError as a LockBusyError.
   * Once per pool.
   */
  run(sources: readonly SessionSource[], onOutcome: (outcome: BatchedOutcome) => void): Promise<{ failure: string | undefined }>;
  /** Ends the workers without work (the replay turned out to have little to read). */
  dismiss(): Promise<void>;
}

export function startCatchUpWorkers(count: number, settings: WorkerSettings, env: NodeJS.ProcessEnv): CatchUpWorkerPool {
  // Each worker's process.env is the command's environment: the SDK's exporters read
  // OTEL_EXPORTER_OTLP_* (compression, certificates) from it themselves.
  const workerEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  let failure: string | undefined;
  let thrown: unknown;
  let queue: SessionQueue<SessionSource> | undefined;
  let onOutcome: ((outcome: BatchedOutcome) => void) | undefined;
  const workers: Worker[] = [];
  const send = (worker: Worker, message: MainMessage): void => worker.postMessage(message);
  /** The next chunk for a worker, or the end: nothing is handed out after a failure. */
  const handOut = (worker: Worker): void => {
    const chunk = queue?.take() ?? [];
    send(worker, chunk.length > 0 ? { type: "sessions", sources: chunk } : { type: "end" });
  };
  const stopAll = (): void => {
    queue?.clear();
    for (const w of workers) send(w, { type: "stop" });
  };
  const ended: Promise<void>[] = [];
  const url = workerUrl();
  for (let i = 0; i < count; i++) {
    let worker: Worker;
    try {
      worker = new Worker(url, { workerData: { settings } satisfies WorkerData, env: workerEnv });
    } catch (error) {
      // Not started (a missing build arrives later, as an 'error' event): the started ones stop.
      thrown ??= error;
      stopAll();
      break;
    }
    // Until `run`, a worker waiting for its first sessions must not keep the process alive: an
    // error on the way to `run` then ends the command, not leaves it hanging.
    worker.unref();
    workers.push(worker);
    ended.push(
      new Promise<void>((resolve) => {
        let finished = false;
        worker.on("message", (m: WorkerMessage) => {
          if (m.type === "more") {
            // Only ever after a first chunk, which `run` hands every worker.
            if (queue !== undefined) handOut(worker);
            return;
          }
          if (m.type === "outcome") {
            try {
              onOutcome?.(m.outcome);
            } catch (error) {
              thrown ??= error;
              stopAll();
            }
            return;
          }
          finished = true;
          if (m.type === "done") {
            if (m.failure !== undefined && failure === undefined) {
              failure = m.failure;
              stopAll();
            }
          } else {
            thrown ??= m.lockBusy ? new LockBusyError(m.message) : Object.assign(new Error(m.message), m.code !== undefined ? { code: m.code } : {});
            stopAll();
          }
        });
        worker.on("error", (error) => {
          thrown ??= error;
          stopAll();
        });
        worker.on("exit", (code) => {
          if (!finished) {
            thrown ??= new Error(`a replay worker stopped (exit code ${code}) before finishing its sessions`);
            stopAll();
          }
          resolve();
        });
      }),
    );
  }
  let dismissed = false;
  return {
    size: workers.length,
    async run(sources, handler) {
      if (queue !== undefined || dismissed) throw new Error("a catch-up worker pool runs once");
      onOutcome = handler;
      queue = new SessionQueue(sources, workers.length);
      for (const w of workers) w.ref();
      // A first chunk for every worker (or its end): none waits for another's request.
      if (thrown === undefined) for (const w of workers) handOut(w);
      else stopAll();
      await Promise.all(ended);
      if (thrown !== undefined) throw thrown;
      return { failure };
    },
    async dismiss() {
      dismissed = true;
      // Referenced while they end, or the process could exit before this returns.
      for (const w of workers) w.ref();
      await Promise.all(workers.map((w) => w.terminate()));
      await Promise.all(ended);
    },
  };
}
