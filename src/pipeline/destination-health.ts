/**
 * What `doctor` says of each destination: requests waiting in its outbox (sendable, or pending
 * their ledgers), what the last send found (refused credentials, a wrong URL, unreachable), and
 * requests set aside as refused for good. Reads only; never takes the destination's lock.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { Destination } from "../delivery/destination.js";
import { listOutbox, outboxDir } from "../delivery/outbox.js";
import type { DeliveryStatus } from "../delivery/send-outbox.js";
import { readStatus } from "../delivery/send-outbox.js";
import { knownDestinations } from "./destination-pass.js";

export interface DestinationHealth {
  readonly key: string;
  readonly label: string;
  readonly queued: number;
  /** Written, but their units not recorded yet (a crash or a full disk): the next pass records them. */
  readonly pending: number;
  readonly queuedBytes: number;
  readonly rejected: number;
  readonly status: DeliveryStatus | undefined;
}

function countNames(dir: string): number {
  try {
    return readdirSync(dir).length;
  } catch {
    return 0;
  }
}

function healthOf(stateDir: string, key: string, label: string): DestinationHealth {
  const dir = join(stateDir, "destinations", key);
  const entries = listOutbox(outboxDir(dir));
  return {
    key,
    label,
    queued: entries.length,
    pending: entries.filter((e) => !e.ready).length,
    queuedBytes: entries.reduce((n, e) => n + e.bytes, 0),
    rejected: countNames(join(dir, "rejected")),
    status: readStatus(outboxDir(dir)),
  };
}

/** The hooks' destination first (even before it has state), then every other one with state. */
export function destinationsHealth(stateDir: string, hooks: Destination): DestinationHealth[] {
  const others = knownDestinations(stateDir).filter((d) => d.key !== hooks.key);
  return [healthOf(stateDir, hooks.key, hooks.label), ...others.map((d) => healthOf(stateDir, d.key, d.label))];
}
