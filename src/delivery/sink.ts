import type { MetricPoint } from "../mapping/metric-point.js";
import type { SpanData } from "../mapping/span-data.js";
import type { MetricWindow } from "../state/metric-clock.js";

/** What an export did. Exporters never throw into the caller: failures are values. */
export type ExportOutcome = { readonly ok: true; readonly bytes: number } | { readonly ok: false; readonly error: string };

/** Unit keys per signal, per session id: what a request carries. */
export type UnitsBySession = Readonly<Record<string, { readonly spans?: readonly string[]; readonly metrics?: readonly string[] }>>;

/** A destination for spans and metric points: a destination's outbox, the console, memory. */
export interface TelemetrySink {
  /** Where the data goes, for humans ("OTLP http/protobuf to http://…", "files in …"). */
  readonly description: string;
  exportSpans(spans: readonly SpanData[]): Promise<ExportOutcome>;
  /** `units`: the metric units of each session these points come from (an outbox records them). */
  exportMetrics(points: readonly MetricPoint[], window: MetricWindow, units?: UnitsBySession): Promise<ExportOutcome>;
  /**
   * A sink that stages (an outbox): what was exported since the last commit becomes final once
   * the units are recorded (`commit`), or is withdrawn when they could not be (`discard`).
   */
  commit?(): void;
  discard?(): void;
  shutdown(): Promise<void>;
}

export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    const code = (error as NodeJS.ErrnoException).code ?? (cause as NodeJS.ErrnoException | undefined)?.code;
    return code !== undefined && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
