import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";
import type { PriceConfig } from "../config/price-overrides.js";
import type { Pricer } from "../model/pricer.js";
import type { SessionDigest } from "../report/session-digest.js";
import { digestSession } from "../report/session-digest.js";
import type { SessionSource } from "../transcript/discover.js";
import type { ParseStats } from "../transcript/line-types.js";
import type { ReportWorkerData, ReportWorkerMessage } from "./report-worker-protocol.js";
import { readSessionSync } from "../model/read-session.js";
import { workerUrl } from "./worker-url.js";

/** One session as the report takes it from its files. */
export interface DigestRead {
  readonly stats: ParseStats;
  readonly digest: SessionDigest | null;
  readonly unreadable: { path: string; reason: string }[];
}

/** The session's files read and modelled on this thread. */
export function readDigest(source: SessionSource, pricer: Pricer): DigestRead {
  const read = readSessionSync(source, pricer);
  return { stats: read.stats, digest: read.session === undefined ? null : digestSession(read.session), unreadable: read.unreadable };
}

interface Helper {
  /** This thread's end of the worker's channel: polled while this thread reads (receiveMessageOnPort). */
  readonly port: MessagePort;
  readonly exited: Promise<void>;
  ended: boolean;
}

/**
 * Reads `sources` on this thread and `workers` worker threads side by side, and hands each read to
 * `onRead` in list order (the report's sums are then added in the order a single thread adds
 * them, to the last bit). Each thread claims the next unread session from a shared counter. A
 * session a worker claimed but never returned (it failed to start, threw, or exited) is read
 * here at the end: the report is whole either way.
 */
export async function readInParallel(
  sources: readonly SessionSource[],
  workers: number,
  prices: PriceConfig,
  pricer: Pricer,
  onRead: (index: number, read: DigestRead) => void,
): Promise<void> {
  const claims = new SharedArrayBuffer(4);
  const next = new Int32Array(claims);
  const done: (DigestRead | undefined)[] = new Array<DigestRead | undefined>(sources.length).fill(undefined);
  let folded = 0;
  const fold = (): void => {
    for (let r = done[folded]; r !== undefined && folded < sources.length; r = done[folded]) {
      done[folded] = undefined;
      onRead(folded++, r);
    }
  };
  const take = (m: ReportWorkerMessage, helper: Helper): void => {
    if (m.type === "read") done[m.index] = { stats: m.stats, digest: m.digest, unreadable: m.unreadable };
    else helper.ended = true;
  };
  const helpers = startHelpers(workers, { sources, claims, prices });
  const drain = (): void => {
    for (const h of helpers) for (let m = receiveMessageOnPort(h.port); m !== undefined; m = receiveMessageOnPort(h.port)) take(m.message as ReportWorkerMessage, h);
  };
  for (let i = Atomics.add(next, 0, 1); i < sources.length; i = Atomics.add(next, 0, 1)) {
    done[i] = readDigest(sources[i] as SessionSource, pricer);
    drain();
    fold();
  }
  await Promise.all(helpers.map((h) => untilEnded(h, take)));
  for (let i = folded; i < sources.length; i++) done[i] ??= readDigest(sources[i] as SessionSource, pricer);
  fold();
}

function startHelpers(count: number, data: Omit<ReportWorkerData, "port">): Helper[] {
  const helpers: Helper[] = [];
  const url = workerUrl("report-worker");
  for (let i = 0; i < count; i++) {
    const channel = new MessageChannel();
    let worker: Worker;
    try {
      worker = new Worker(url, { workerData: { ...data, port: channel.port2 } satisfies ReportWorkerData, transferList: [channel.port2], stdout: false, stderr: false });
    } catch {
      channel.port1.close();
      break;
    }
    // A worker that fails to load (no build) or throws has ended: its sessions are read here.
    const exited = new Promise<void>((resolve) => {
      worker.once("error", () => undefined);
      worker.once("exit", () => resolve());
    });
    helpers.push({ port: channel.port1, exited, ended: false });
  }
  return helpers;
}

/** Takes a helper's messages until it has said it is done, or has exited (what it posted before is taken too). */
async function untilEnded(helper: Helper, take: (m: ReportWorkerMessage, h: Helper) => void): Promise<void> {
  const drain = (): void => {
    for (let m = receiveMessageOnPort(helper.port); m !== undefined && !helper.ended; m = receiveMessageOnPort(helper.port)) take(m.message as ReportWorkerMessage, helper);
  };
  drain();
  if (!helper.ended) {
    await new Promise<void>((resolve) => {
      helper.port.on("message", (m: ReportWorkerMessage) => {
        if (!helper.ended) take(m, helper);
        if (helper.ended) resolve();
      });
      void helper.exited.then(() => {
        drain();
        helper.ended = true;
        resolve();
      });
    });
  }
  helper.port.close();
}
