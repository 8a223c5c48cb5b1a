/**
 * Money at the output edge. Costs are products and sums of floats (`0.053162100000000004`):
 * summed with compensation (Neumaier) so that long sums do not drift, and rounded to 15
 * significant digits (the noise lives in the 16th and 17th) only where they leave us, as span
 * attributes, metric values and report fields.
 */

/** Rounded to 15 significant digits: the shortest decimal prints, no float noise. */
export function roundUsd(usd: number): number {
  if (!Number.isFinite(usd) || usd === 0) return usd === 0 ? 0 : usd;
  return Number(usd.toPrecision(15));
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
