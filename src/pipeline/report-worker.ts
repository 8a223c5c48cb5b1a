/**
 * A worker thread of `report`: reads, models and digests the sessions it claims from the list the
 * main thread posts (report-workers.ts), each the way the main thread would (readSessionSync, the same
 * pricer), and posts each digest back with the session's place in the list. The main thread
 * claims from the same list and folds every digest in list order.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createPricer, preparePrices } from "../cost/price-request.js";
import { digestSession } from "../report/session-digest.js";
import type { ReportWorkerData, ReportWorkerMessage } from "./report-worker-protocol.js";
import { readSessionSync } from "../model/read-session.js";

if (parentPort === null) throw new Error("report-worker.js runs as a worker thread");
const { sources, claims, prices, port: out } = workerData as ReportWorkerData;
const next = new Int32Array(claims);
const post = (message: ReportWorkerMessage): void => out.postMessage(message);

try {
  await preparePrices();
  const pricer = createPricer(prices);
  for (let i = Atomics.add(next, 0, 1); i < sources.length; i = Atomics.add(next, 0, 1)) {
    const source = sources[i];
    if (source === undefined) break;
    const read = readSessionSync(source, pricer);
    post({ type: "read", index: i, stats: read.stats, digest: read.session === undefined ? null : digestSession(read.session), unreadable: read.unreadable });
  }
  post({ type: "done" });
} catch (error) {
  post({ type: "error", message: error instanceof Error ? error.message : String(error) });
} finally {
  out.close();
}
