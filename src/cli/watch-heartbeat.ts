import type { Attributes } from "@opentelemetry/api";
import { otelHome } from "../config/config-file.js";
import type { ConsoleTarget } from "../config/export-target.js";
import type { Destination } from "../delivery/destination.js";
import { destinationDir } from "../delivery/destination.js";
import { heartbeatIfDue } from "../delivery/heartbeat.js";

/** watch's heartbeat: at most one a minute (delivery/heartbeat.ts); one that fails says nothing, the next one will. */
export async function watchHeartbeat(destination: Destination | ConsoleTarget, stateDir: string, env: NodeJS.ProcessEnv, resource: Readonly<Attributes>): Promise<void> {
  if (destination.kind !== "otlp") return;
  const source = { component: "watch" as const, stateHome: otelHome(env), destinationDir: destinationDir(stateDir, destination), resourceAttributes: resource };
  await heartbeatIfDue(destination, source, Date.now()).catch(() => undefined);
}
