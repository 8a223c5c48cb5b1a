import { Worker } from "node:worker_threads";
import { LockBusyError } from "../util/file-lock.js";
import type { SessionSource } from "../transcript/discover.js";
import { SessionQueue } from "./session-queue.js";
import { workerUrl } from "./worker-url.js";
import type { BatchedOutcome } from "./catch-up.js";
import type { MainMessage, WorkerData, WorkerMessage, WorkerSettings } from "./catch-up-protocol.js";

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
  /** Every worker reads no further session (delivery failed: what is written waits in the outbox). */
  stop(): void;
  /** Ends the workers without work (the replay turned out to have little to read). */
  dismiss(): Promise<void>;
}

export function startCatchUpWorkers(count: number, settings: WorkerSettings, env: NodeJS.ProcessEnv): CatchUpWorkerPool {
  return new WorkerPool(count, settings, env);
}

class WorkerPool implements CatchUpWorkerPool {
  private readonly workers: Worker[] = [];
  /** One per worker started: resolved when it has exited. */
  private readonly ended: Promise<void>[] = [];
  /** The first failure a worker reported (its batch was refused). */
  private failure: string | undefined;
  /** The first error: a worker that threw, could not start, or exited early; or the outcome handler's. */
  private thrown: unknown;
  private queue: SessionQueue<SessionSource> | undefined;
  private onOutcome: ((outcome: BatchedOutcome) => void) | undefined;
  private dismissed = false;

  constructor(count: number, settings: WorkerSettings, env: NodeJS.ProcessEnv) {
    // Each worker's process.env is the command's environment (the resource comes in its settings).
    const workerEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
    // Bundled: each worker loads the OpenTelemetry SDK's exporters, some 650 CommonJS files, and one
    // file took 0.67 CPU-s less per replay of the bench corpus (8 alternating runs).
    const url = workerUrl("catch-up-worker");
    for (let i = 0; i < count; i++) {
      let worker: Worker;
      try {
        worker = new Worker(url, { workerData: { settings } satisfies WorkerData, env: workerEnv });
      } catch (error) {
        // Not started (a missing build arrives later, as an 'error' event): the started ones stop.
        this.thrown ??= error;
        this.stopAll();
        break;
      }
      // Until `run`, a worker waiting for its first sessions must not keep the process alive: an
      // error on the way to `run` then ends the command, not leaves it hanging.
      worker.unref();
      this.workers.push(worker);
      this.ended.push(this.listen(worker));
    }
  }

  get size(): number {
    return this.workers.length;
  }

  async run(sources: readonly SessionSource[], handler: (outcome: BatchedOutcome) => void): Promise<{ failure: string | undefined }> {
    if (this.queue !== undefined || this.dismissed) throw new Error("a catch-up worker pool runs once");
    this.onOutcome = handler;
    this.queue = new SessionQueue(sources, this.workers.length);
    for (const w of this.workers) w.ref();
    // A first chunk for every worker (or its end): none waits for another's request.
    if (this.thrown === undefined) for (const w of this.workers) this.handOut(w);
    else this.stopAll();
    await Promise.all(this.ended);
    if (this.thrown !== undefined) throw this.thrown;
    return { failure: this.failure };
  }

  /** Every worker reads no further session (delivery failed: what is written waits in the outbox). */
  stop(): void {
    this.stopAll();
  }

  async dismiss(): Promise<void> {
    this.dismissed = true;
    // Referenced while they end, or the process could exit before this returns.
    for (const w of this.workers) w.ref();
    await Promise.all(this.workers.map((w) => w.terminate()));
    await Promise.all(this.ended);
  }

  /** Follows a worker until it exits. */
  private listen(worker: Worker): Promise<void> {
    return new Promise<void>((resolve) => {
      let finished = false;
      worker.on("message", (m: WorkerMessage) => {
        if (m.type === "more") {
          // Only ever after a first chunk, which `run` hands every worker.
          if (this.queue !== undefined) this.handOut(worker);
          return;
        }
        if (m.type === "outcome") {
          try {
            this.onOutcome?.(m.outcome);
          } catch (error) {
            this.thrown ??= error;
            this.stopAll();
          }
          return;
        }
        finished = true;
        if (m.type === "done") {
          if (m.failure !== undefined && this.failure === undefined) {
            this.failure = m.failure;
            this.stopAll();
          }
        } else {
          this.thrown ??= m.lockBusy ? new LockBusyError(m.message) : Object.assign(new Error(m.message), m.code !== undefined ? { code: m.code } : {});
          this.stopAll();
        }
      });
      worker.on("error", (error) => {
        this.thrown ??= error;
        this.stopAll();
      });
      worker.on("exit", (code) => {
        if (!finished) {
          this.thrown ??= new Error(`a replay worker stopped (exit code ${code}) before finishing its sessions`);
          this.stopAll();
        }
        resolve();
      });
    });
  }

  /** The next chunk for a worker, or the end: nothing is handed out after a failure. */
  private handOut(worker: Worker): void {
    const chunk = this.queue?.take() ?? [];
    send(worker, chunk.length > 0 ? { type: "sessions", sources: chunk } : { type: "end" });
  }

  private stopAll(): void {
    this.queue?.clear();
    for (const w of this.workers) send(w, { type: "stop" });
  }
}

function send(worker: Worker, message: MainMessage): void {
  worker.postMessage(message);
}
