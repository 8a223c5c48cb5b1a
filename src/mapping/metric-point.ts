import type { MetricKey } from "../semconv/names.js";

/** One measurement, as plain data: what the pure mapping produces and the exporters aggregate. */
export interface MetricPoint {
  readonly metric: MetricKey;
  readonly value: number;
  readonly attributes: Readonly<Record<string, string>>;
  /** The unit of work it comes from (see units.ts), for exactly-once export. */
  readonly unitKey: string;
}
