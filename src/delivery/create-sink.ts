import type { Resource } from "@opentelemetry/resources";
import { createConsoleSink } from "./console-sink.js";
import type { ExportTarget } from "../config/export-target.js";
import { createFileSink } from "./file-sink.js";
import { createOtlpSink } from "./otlp-sink.js";
import { buildResource } from "../sdk/resource.js";
import type { TelemetrySink } from "./sink.js";

/** The sink for a resolved target. `write` is the console printer's only door to the terminal. */
export function createSink(target: ExportTarget, options: { resource?: Resource; env?: NodeJS.ProcessEnv; write?: (text: string) => void } = {}): TelemetrySink {
  const resource = options.resource ?? buildResource(options.env);
  switch (target.kind) {
    case "otlp":
      return createOtlpSink(target, resource);
    case "file":
      return createFileSink(target.dir, resource);
    case "console":
      return createConsoleSink(options.write ?? (() => undefined));
  }
}
