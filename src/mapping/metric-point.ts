import type { MetricKey } from "../semconv/names.js";

/** One measurement, as plain data: what the pure mapping produces and the exporters aggregate. */
export interface MetricPoint {
  readonly metric: MetricKey;
  readonly value: number;
  readonly attributes: Readonly<Record<string, string>>;
  /** The unit of work it comes from (see units.ts), for exactly-once export. */
  readonly unitKey: string;
}

/** A point's attributes: frozen, shared by every point with the same set. */
export type AttributeSet = Readonly<Record<string, string>>;

/** Appends one point. */
export type AddPoint = (metric: MetricKey, value: number, unitKey: string, attributes: AttributeSet) => void;

/**
 * Shared frozen attribute objects, one per set: a long session has tens of thousands of points
 * over a handful of sets, and the exporters aggregate by them.
 */
export class AttributeSets {
  private readonly sets = new Map<string, AttributeSet>();
  constructor(readonly common: AttributeSet) {}

  /** The set `common` + `attrs`, made once per `key`. */
  get(key: string, attrs: Record<string, string>): AttributeSet {
    let shared = this.sets.get(key);
    if (shared === undefined) {
      shared = Object.freeze({ ...this.common, ...attrs });
      this.sets.set(key, shared);
    }
    return shared;
  }
}
