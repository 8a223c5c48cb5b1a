/**
 * The heartbeat: at most once a minute per machine, the hooks' flusher and `watch` each post a
 * few gauges (heartbeat-metrics.ts) straight to the destination's metrics URL:
 * alive, what waits in the outbox and the spool, errors logged in the last hour. It never goes
 * through the outbox, so a stuck outbox shows; it is never retried or queued (the next one
 * replaces it), and it waits at most a few seconds.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Attributes } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { LOG_FILE } from "../hook/hook-log.js";
import { SPOOL_DIR } from "../hook/spool.js";
import type { HeartbeatSnapshot } from "../sdk/heartbeat-metrics.js";
import { heartbeatMetrics } from "../sdk/heartbeat-metrics.js";
import type { OtlpEncoding } from "../sdk/otlp-serialize.js";
import { parseJsonObject } from "../util/json.js";
import { writeFileAtomic } from "../util/private-fs.js";
import type { OtlpDestination } from "./destination.js";
import type { PostResult } from "./otlp-post.js";
import { postOtlp } from "./otlp-post.js";
import { listOutbox, outboxDir } from "./outbox.js";

/** At most one heartbeat a minute per destination and component (the hooks' flushers share one pace, watch has its own). */
export const HEARTBEAT_INTERVAL_MS = 60_000;
/** A heartbeat waits this long at most for an answer. */
export const HEARTBEAT_TIMEOUT_MS = 3_000;
/** When each component last sent the destination one: `heartbeat-hooks.json`, `heartbeat-watch.json` in its state folder. */
const stampFile = (component: string): string => `heartbeat-${component}.json`;
const HOUR_MS = 3_600_000;

export interface HeartbeatSource {
  readonly component: HeartbeatSnapshot["component"];
  /** Our state home: the hooks' spool and log. */
  readonly stateHome: string;
  /** The destination's state folder: its outbox, and when each component last sent it a heartbeat. */
  readonly destinationDir: string;
  /** Our resource's attributes: its `user.id` (OTEL_RESOURCE_ATTRIBUTES, or the config file's resourceAttributes) names the user. */
  readonly resourceAttributes: Readonly<Attributes>;
}

/** What this machine's telemetry looks like now. */
export function gatherHeartbeat(source: HeartbeatSource, nowMs: number): HeartbeatSnapshot {
  const entries = listOutbox(outboxDir(source.destinationDir));
  let bytes = 0;
  for (const e of entries) bytes += e.bytes;
  let ageMs = 0;
  const oldest = entries[0];
  if (oldest !== undefined) {
    try {
      ageMs = Math.max(0, nowMs - statSync(oldest.path).mtimeMs);
    } catch {
      // Sent meanwhile.
    }
  }
  return {
    component: source.component,
    host: hostname(),
    user: typeof source.resourceAttributes["user.id"] === "string" ? source.resourceAttributes["user.id"] : undefined,
    timeMs: nowMs,
    outboxRequests: entries.length,
    outboxBytes: bytes,
    outboxAgeMs: ageMs,
    spoolTriggers: countSpool(source.stateHome),
    logErrors: countLogErrors(source.stateHome, nowMs),
  };
}

function countSpool(stateHome: string): number {
  try {
    return readdirSync(join(stateHome, SPOOL_DIR)).filter((n) => n.endsWith(".json") && !n.startsWith(".")).length;
  } catch {
    return 0;
  }
}

/** ERROR lines of hook.log (and its rotated generation) written in the last hour. */
export function countLogErrors(stateHome: string, nowMs: number): number {
  let n = 0;
  for (const name of [LOG_FILE, `${LOG_FILE}.1`]) {
    let text: string;
    try {
      text = readFileSync(join(stateHome, name), "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      const space = line.indexOf(" ");
      if (space <= 0 || !line.startsWith("ERROR ", space + 1)) continue;
      const at = Date.parse(line.slice(0, space));
      if (at > nowMs - HOUR_MS && at <= nowMs) n++;
    }
  }
  return n;
}

/** The gauges as one OTLP metrics request body. */
export function encodeHeartbeat(snapshot: HeartbeatSnapshot, resource: Resource, encoding: OtlpEncoding): Uint8Array {
  const batch = heartbeatMetrics(snapshot, resource);
  const body = encoding === "json" ? JsonMetricsSerializer.serializeRequest(batch) : ProtobufMetricsSerializer.serializeRequest(batch);
  if (body === undefined) throw new Error("the OTLP serializer returned nothing for a heartbeat");
  return body;
}

/** Posts one heartbeat now. */
export function postHeartbeat(destination: OtlpDestination, snapshot: HeartbeatSnapshot, resource: Resource): Promise<PostResult> {
  const encoding = destination.encoding.metrics;
  return postOtlp(encodeHeartbeat(snapshot, resource, encoding), encoding, {
    url: destination.url.metrics,
    shownUrl: destination.shownUrl.metrics,
    headers: destination.headers.metrics,
    timeoutMs: Math.min(destination.timeoutMs.metrics, HEARTBEAT_TIMEOUT_MS),
    gzip: destination.gzip.metrics,
    ...(destination.tls.metrics === undefined ? {} : { tls: destination.tls.metrics }),
  });
}

/**
 * A heartbeat if this component of this machine sent none in the last minute: undefined when not
 * due (or the stamp cannot be written: then no process could keep the pace either), else the answer.
 */
export async function heartbeatIfDue(destination: OtlpDestination, source: HeartbeatSource, nowMs: number): Promise<PostResult | undefined> {
  const stamp = join(source.destinationDir, stampFile(source.component));
  const lastMs = lastHeartbeatMs(stamp);
  if (nowMs - lastMs < HEARTBEAT_INTERVAL_MS && nowMs >= lastMs) return undefined;
  try {
    writeFileAtomic(stamp, JSON.stringify({ timeMs: nowMs, component: source.component }), 0o600);
  } catch {
    return undefined;
  }
  return postHeartbeat(destination, gatherHeartbeat(source, nowMs), resourceFromAttributes(source.resourceAttributes));
}

function lastHeartbeatMs(stamp: string): number {
  try {
    const last = parseJsonObject(readFileSync(stamp, "utf8"));
    return typeof last?.["timeMs"] === "number" ? last["timeMs"] : 0;
  } catch {
    return 0;
  }
}
