import { Worker } from "node:worker_threads";
import { LockBusyError } from "../state/lock.js";
import type { SessionSource } from "../transcript/discover.js";
import type { BatchedOutcome } from "./sync-session.js";
import type { StopMessage, WorkerData, WorkerMessage, WorkerSettings } from "./sync-worker-protocol.js";

/**
 * The worker's compiled module. `src/pipeline` and `dist/pipeline` are both two levels under the
 * package root, so this finds dist/ from either (tests run the sources; the build comes first).
 */
const WORKER_URL = new URL("../../dist/pipeline/sync-worker.js", import.meta.url);

/**
 * `syncSessions` over shards of sessions, one worker thread each, for a replay with more work than
 * one core does quickly: every shard reads, models, maps, encodes and sends on its own core.
 * Outcomes arrive as the shards produce them. The first shard to fail stops the others (each drops
 * its planned batch uncommitted and reads no further session); its error is returned. A worker
 * that throws (a busy lock, a full disk) stops the others too, and the error is thrown here once
 * every worker has ended, a LockBusyError as a LockBusyError.
 */
export async function syncSessionsInWorkers(
  shards: readonly (readonly SessionSource[])[],
  settings: WorkerSettings,
  env: NodeJS.ProcessEnv,
  onOutcome: (outcome: BatchedOutcome) => void,
): Promise<{ failure: string | undefined }> {
  // Each worker's process.env is the command's environment: the SDK's exporters read
  // OTEL_EXPORTER_OTLP_* (compression, certificates) from it themselves.
  const workerEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  let failure: string | undefined;
  let thrown: unknown;
  const workers: Worker[] = [];
  const stopOthers = (): void => {
    for (const w of workers) w.postMessage({ type: "stop" } satisfies StopMessage);
  };
  const ended = shards.map(
    (sources) =>
      new Promise<void>((resolve) => {
        // An earlier shard failed to start: start no more (those started are stopping).
        if (thrown !== undefined) {
          resolve();
          return;
        }
        let worker: Worker;
        try {
          worker = new Worker(WORKER_URL, { workerData: { sources, settings } satisfies WorkerData, env: workerEnv });
        } catch (error) {
          // Not started (data that does not cross threads; a missing build arrives later, as an
          // 'error' event): the started ones stop after their batch in flight, and this ends once they have.
          thrown ??= error;
          stopOthers();
          resolve();
          return;
        }
        workers.push(worker);
        let finished = false;
        worker.on("message", (m: WorkerMessage) => {
          if (m.type === "outcome") {
            try {
              onOutcome(m.outcome);
            } catch (error) {
              thrown ??= error;
              stopOthers();
            }
            return;
          }
          finished = true;
          if (m.type === "done") {
            if (m.failure !== undefined && failure === undefined) {
              failure = m.failure;
              stopOthers();
            }
          } else {
            thrown ??= m.lockBusy ? new LockBusyError(m.message) : Object.assign(new Error(m.message), m.code !== undefined ? { code: m.code } : {});
            stopOthers();
          }
        });
        worker.on("error", (error) => {
          thrown ??= error;
          stopOthers();
        });
        worker.on("exit", (code) => {
          if (!finished) {
            thrown ??= new Error(`a replay worker stopped (exit code ${code}) before finishing its sessions`);
            stopOthers();
          }
          resolve();
        });
      }),
  );
  await Promise.all(ended);
  if (thrown !== undefined) throw thrown;
  return { failure };
}
