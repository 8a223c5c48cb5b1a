/**
 * A model's effective rates from Claude Code's ledgers. Each ledger segment says: these tokens
 * (input, output, cache read, 5-minute and 1-hour cache writes) cost this much. Claude Code's
 * price is linear in them (below its long-prompt thresholds, which ledger.ts keeps out), so five
 * independent segments pin the five rates. With fewer, the rates are the ones closest to a prior
 * (the price library's, else Anthropic's usual proportions scaled to the ledgers) that explain
 * every segment exactly: the change to each rate is weighed by the rate itself, so a rate the
 * prior gets right and the segments never test stays as it is.
 */
import type { LedgerObservation } from "../model/pricer.js";
import type { Rates } from "../model/token-kinds.js";
import { ANTHROPIC_PROPORTIONS, TOKEN_KINDS, costAt } from "../model/token-kinds.js";

export interface Fit {
  readonly rates: Rates;
  /** Observations the rates explain. */
  readonly basis: number;
  readonly exact: boolean;
}

/** Claude Code's ledger is a sum of floats: this much difference is agreement. */
function agrees(rates: Rates, o: LedgerObservation): boolean {
  return Math.abs(costAt(rates, o.tokens) - o.usd) <= 1e-9 + 1e-9 * o.usd;
}

function vec(r: Rates): number[] {
  return TOKEN_KINDS.map((k) => r[k]);
}

function rates(v: readonly number[]): Rates {
  return { input: v[0] ?? 0, output: v[1] ?? 0, cacheRead: v[2] ?? 0, cacheWrite5m: v[3] ?? 0, cacheWrite1h: v[4] ?? 0 };
}

const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

/** What of `v` lies outside the span of the orthonormal `basis` (Gram-Schmidt's step). */
function outside(v: readonly number[], basis: readonly (readonly number[])[]): number[] {
  let r = [...v];
  for (const q of basis) {
    const c = dot(q, r);
    r = r.map((x, i) => x - c * (q[i] ?? 0));
  }
  return r;
}

/** The prior with no rate at 0 (a rate the library omits is charged at the input rate, as the library does). */
function usablePrior(prior: Rates | undefined, observations: readonly LedgerObservation[]): Rates | undefined {
  if (prior !== undefined && prior.input > 0) return prior;
  const newest = observations[0];
  if (newest === undefined) return undefined;
  const scale = newest.usd / costAt(ANTHROPIC_PROPORTIONS, newest.tokens);
  if (!(scale > 0) || !Number.isFinite(scale)) return undefined;
  return rates(vec(ANTHROPIC_PROPORTIONS).map((x) => x * scale));
}

/** A ledger segment as a row of the system: its tokens weighed, and what its cost differs from the prior's. */
interface Row {
  readonly b: number[];
  readonly d: number;
}

/**
 * The segment's row, and its part outside the span of `basis` (orthonormal) made a unit vector;
 * `q` undefined when the row adds nothing new (dependent on the rows before) or the basis is full.
 */
function rowOf(prior: readonly number[], weights: readonly number[], o: LedgerObservation, basis: readonly (readonly number[])[]): Row & { readonly q: number[] | undefined } {
  const b = TOKEN_KINDS.map((k, j) => (o.tokens[k] / 1e6) * (weights[j] ?? 0));
  const d =
    o.usd -
    dot(
      TOKEN_KINDS.map((k) => o.tokens[k] / 1e6),
      prior,
    );
  const v = outside(b, basis);
  const norm = Math.sqrt(dot(v, v));
  if (norm <= 1e-7 * Math.sqrt(dot(b, b)) || basis.length === TOKEN_KINDS.length) return { b, d, q: undefined };
  return { b, d, q: v.map((x) => x / norm) };
}

/**
 * Minimum change x (weighed by `weights`) to `prior` such that every independent row's cost is
 * its target (`picked`: the rows that added something new; the others are left to the agreement check).
 */
function solve(prior: readonly number[], weights: readonly number[], picked: readonly Row[]): number[] | undefined {
  if (picked.length === 0) return undefined;
  // Minimum-norm solution of B x = d: x = Bᵀ y with (B Bᵀ) y = d.
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

/**
 * Rates explaining the observations (newest first), or undefined when none can be fitted. Each
 * segment is taken, newest first, if the rates can still explain it and every one taken before;
 * one that cannot (a price change, a regional surcharge) is left out. The Gram-Schmidt basis of
 * the segments taken is kept from one candidate to the next (each candidate's system is the taken
 * rows' plus its own): the same numbers as building it again per candidate, without its O(n²).
 */
export function fitRates(observations: readonly LedgerObservation[], prior: Rates | undefined): Fit | undefined {
  const start = usablePrior(prior, observations);
  if (start === undefined) return undefined;
  const p = vec(start);
  const taken: LedgerObservation[] = [];
  const basis: number[][] = [];
  const picked: Row[] = [];
  let best: Rates | undefined;
  for (const o of observations) {
    const row = rowOf(p, p, o, basis);
    const solved = solve(p, p, row.q === undefined ? picked : [...picked, row]);
    if (solved === undefined || solved.some((r) => r < 0 || !Number.isFinite(r))) continue;
    const fitted = rates(solved);
    if (!agrees(fitted, o) || !taken.every((t) => agrees(fitted, t))) continue;
    taken.push(o);
    if (row.q !== undefined) {
      basis.push(row.q);
      picked.push(row);
    }
    best = fitted;
  }
  if (best === undefined) return undefined;
  const exact = rank(taken) === TOKEN_KINDS.length;
  // Claude Code's rates are short decimals: pinned ones are kept without the solver's last bits.
  const tidy = rates(vec(best).map((r) => Number(r.toPrecision(12))));
  const final = taken.every((o) => agrees(tidy, o)) ? tidy : best;
  return { rates: final, basis: taken.length, exact };
}

function rank(rows: readonly LedgerObservation[]): number {
  const basis: number[][] = [];
  for (const o of rows) {
    const row = TOKEN_KINDS.map((k) => o.tokens[k]);
    const size = Math.sqrt(dot(row, row));
    const v = outside(row, basis);
    const norm = Math.sqrt(dot(v, v));
    if (norm > 1e-7 * size) basis.push(v.map((x) => x / norm));
  }
  return basis.length;
}
