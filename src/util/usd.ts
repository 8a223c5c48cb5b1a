/**
 * Money at the output edge. Costs are products and sums of floats (`0.053162100000000004`):
 * summed with compensation (Neumaier) so that long sums do not drift, and rounded only where
 * they leave us (span attributes, metric values, report fields): to 15 significant digits (the
 * noise lives in the 16th and 17th), and never finer than 1e-13 USD (a difference of two costs
 * carries the noise of the costs, not of the difference).
 */

/** Float noise in cost differences is not money: below this, a difference is none. */
export const EPSILON_USD = 1e-9;

/** Rounded at the output edge: the shortest decimal prints, no float noise. */
export function roundUsd(usd: number): number {
  if (!Number.isFinite(usd) || usd === 0) return usd === 0 ? 0 : usd;
  const digits = Math.min(13, Math.max(0, 15 - Math.ceil(Math.log10(Math.abs(usd)))));
  const r = Number(usd.toFixed(digits));
  return r === 0 ? 0 : r;
}

/** A compensated running sum. */
export class UsdSum {
  private sum = 0;
  private compensation = 0;

  add(x: number): this {
    const t = this.sum + x;
    if (Math.abs(this.sum) >= Math.abs(x)) this.compensation += this.sum - t + x;
    else this.compensation += x - t + this.sum;
    this.sum = t;
    return this;
  }

  get value(): number {
    return this.sum + this.compensation;
  }
}

export function sumUsd(values: Iterable<number>): number {
  const s = new UsdSum();
  for (const v of values) s.add(v);
  return s.value;
}
