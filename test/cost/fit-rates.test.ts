/**
 * fitRates keeps the Gram-Schmidt basis of the segments it has taken from one candidate to the
 * next: it must give what solving each candidate's whole system from scratch gives, to the bit.
 * The reference below is that direct formulation (the fit as it was first written).
 */
import { describe, expect, it } from "vitest";
import { fitRates } from "../../src/cost/fit-rates.js";
import type { Fit } from "../../src/cost/fit-rates.js";
import type { LedgerObservation } from "../../src/model/pricer.js";
import type { Rates } from "../../src/model/token-kinds.js";
import { ANTHROPIC_PROPORTIONS, TOKEN_KINDS, costAt } from "../../src/model/token-kinds.js";

const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
const vec = (r: Rates): number[] => TOKEN_KINDS.map((k) => r[k]);
const rates = (v: readonly number[]): Rates => ({ input: v[0] ?? 0, output: v[1] ?? 0, cacheRead: v[2] ?? 0, cacheWrite5m: v[3] ?? 0, cacheWrite1h: v[4] ?? 0 });
const agrees = (r: Rates, o: LedgerObservation): boolean => Math.abs(costAt(r, o.tokens) - o.usd) <= 1e-9 + 1e-9 * o.usd;

function outside(v: readonly number[], basis: readonly (readonly number[])[]): number[] {
  let r = [...v];
  for (const q of basis) {
    const c = dot(q, r);
    r = r.map((x, i) => x - c * (q[i] ?? 0));
  }
  return r;
}

function referenceSolve(prior: readonly number[], weights: readonly number[], rows: readonly LedgerObservation[]): number[] | undefined {
  const basis: number[][] = [];
  const picked: { b: number[]; d: number }[] = [];
  for (const o of rows) {
    const b = TOKEN_KINDS.map((k, j) => (o.tokens[k] / 1e6) * (weights[j] ?? 0));
    const d =
      o.usd -
      dot(
        TOKEN_KINDS.map((k) => o.tokens[k] / 1e6),
        prior,
      );
    const v = outside(b, basis);
    const norm = Math.sqrt(dot(v, v));
    if (norm <= 1e-7 * Math.sqrt(dot(b, b)) || basis.length === TOKEN_KINDS.length) continue;
    basis.push(v.map((x) => x / norm));
    picked.push({ b, d });
  }
  if (picked.length === 0) return undefined;
  const n = picked.length;
  const m = picked.map((p) => [...picked.map((q) => dot(p.b, q.b)), p.d]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]?.[col] ?? 0) > Math.abs(m[pivot]?.[col] ?? 0)) pivot = r;
    [m[col], m[pivot]] = [m[pivot] as number[], m[col] as number[]];
    const row = m[col] as number[];
    const p = row[col] ?? 0;
    if (p === 0) return undefined;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const other = m[r] as number[];
      const f = (other[col] ?? 0) / p;
      for (let c = col; c <= n; c++) other[c] = (other[c] ?? 0) - f * (row[c] ?? 0);
    }
  }
  const y = m.map((row, i) => (row[n] ?? 0) / (row[i] ?? 1));
  const x = TOKEN_KINDS.map((_, j) => picked.reduce((s, p, i) => s + (p.b[j] ?? 0) * (y[i] ?? 0), 0));
  return prior.map((r, j) => r + (weights[j] ?? 0) * (x[j] ?? 0));
}

function rank(rows: readonly LedgerObservation[]): number {
  const basis: number[][] = [];
  for (const o of rows) {
    const row = TOKEN_KINDS.map((k) => o.tokens[k]);
    const v = outside(row, basis);
    const norm = Math.sqrt(dot(v, v));
    if (norm > 1e-7 * Math.sqrt(dot(row, row))) basis.push(v.map((x) => x / norm));
  }
  return basis.length;
}

function referenceFit(observations: readonly LedgerObservation[], prior: Rates | undefined): Fit | undefined {
  let start = prior !== undefined && prior.input > 0 ? prior : undefined;
  if (start === undefined) {
    const newest = observations[0];
    if (newest === undefined) return undefined;
    const scale = newest.usd / costAt(ANTHROPIC_PROPORTIONS, newest.tokens);
    if (!(scale > 0) || !Number.isFinite(scale)) return undefined;
    start = rates(vec(ANTHROPIC_PROPORTIONS).map((x) => x * scale));
  }
  const p = vec(start);
  const taken: LedgerObservation[] = [];
  let best: Rates | undefined;
  for (const o of observations) {
    const solved = referenceSolve(p, p, [...taken, o]);
    if (solved === undefined || solved.some((r) => r < 0 || !Number.isFinite(r))) continue;
    const fitted = rates(solved);
    if (!agrees(fitted, o) || !taken.every((t) => agrees(fitted, t))) continue;
    taken.push(o);
    best = fitted;
  }
  if (best === undefined) return undefined;
  const tidy = rates(vec(best).map((r) => Number(r.toPrecision(12))));
  return { rates: taken.every((o) => agrees(tidy, o)) ? tidy : best, basis: taken.length, exact: rank(taken) === TOKEN_KINDS.length };
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SONNET: Rates = { input: 3, output: 15, cacheRead: 0.3, cacheWrite5m: 3.75, cacheWrite1h: 6 };

describe("fitRates", () => {
  it("equals solving each candidate's whole system again, to the bit, on segments of every kind", () => {
    const next = rng(2026);
    const int = (max: number): number => Math.floor(next() * max);
    let fitted = 0;
    for (let round = 0; round < 400; round++) {
      const truth = next() < 0.5 ? SONNET : rates(vec(SONNET).map((r) => r * (0.5 + next())));
      const count = 1 + int(24);
      const observations: LedgerObservation[] = [];
      for (let i = 0; i < count; i++) {
        // Some segments repeat an earlier one's proportions (dependent rows), some use few kinds.
        const shape = next();
        const base = observations[int(observations.length)]?.tokens;
        const tokens =
          shape < 0.2 && base !== undefined
            ? { input: base.input * 2, output: base.output * 2, cacheRead: base.cacheRead * 2, cacheWrite5m: base.cacheWrite5m * 2, cacheWrite1h: base.cacheWrite1h * 2 }
            : {
                input: int(5_000),
                output: int(20_000),
                cacheRead: shape < 0.4 ? 0 : int(500_000),
                cacheWrite5m: shape < 0.6 ? 0 : int(60_000),
                cacheWrite1h: shape < 0.8 ? 0 : int(30_000),
              };
        // A few segments at other prices (a surcharge, a price change) or with a float's rounding.
        const factor = next() < 0.1 ? 1.1 : 1;
        const usd = costAt(truth, tokens) * factor + (next() < 0.2 ? 1e-13 : 0);
        observations.push({ model: "claude-x", version: "2.1.330", sessionId: `s${round}`, index: i, atMs: 1e12 - i, tokens, usd });
      }
      const prior = next() < 0.3 ? undefined : next() < 0.5 ? SONNET : rates(vec(SONNET).map((r) => r * 0.8));
      const expected = referenceFit(observations, prior);
      const got = fitRates(observations, prior);
      expect(got === undefined, `round ${round}`).toBe(expected === undefined);
      if (got === undefined || expected === undefined) continue;
      expect(got.basis, `round ${round}`).toBe(expected.basis);
      expect(got.exact, `round ${round}`).toBe(expected.exact);
      for (const k of TOKEN_KINDS) expect(Object.is(got.rates[k], expected.rates[k]), `round ${round} ${k}: ${got.rates[k]} vs ${expected.rates[k]}`).toBe(true);
      fitted++;
    }
    expect(fitted).toBeGreaterThan(300);
  });
});
