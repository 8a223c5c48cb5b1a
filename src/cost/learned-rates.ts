/**
 * Rates learned from the ledgers seen on this machine, per model and Claude Code release, kept
 * in the state folder (state/learned-rates-store.ts) so that a live session is priced at what
 * Claude Code charges before its own ledger exists.
 *
 * Fitted rates apply to requests sent from the moment they were fitted, never before: a request
 * priced live keeps that price when the session is read again later (the ledger's correction at
 * its end counts on it).
 */
import type { FittedRates, LearnedModel, LearnedRatesData, LedgerObservation } from "../model/pricer.js";
import type { Rates } from "../model/token-kinds.js";
import { fitRates } from "./fit-rates.js";

/** Segments kept per model and release (the newest), and fits kept (the newest). */
const MAX_OBSERVATIONS = 24;
const MAX_FITS = 16;

/** Segments that may wait for their fit: beyond, every waiting batch is fitted. */
const MAX_PENDING = 8192;

/** Segments one `observe` call added for a key, and its time (when their fit applies from). */
interface PendingBatch {
  readonly atMs: number;
  readonly added: readonly LedgerObservation[];
}

function segmentId(o: LedgerObservation): string {
  return `${o.sessionId}#${o.index}`;
}

export function learnedKey(model: string, version: string): string {
  return `${model}@${version}`;
}

export interface LearnedLookup {
  readonly rates: Rates;
  readonly version: string;
}

function sameRates(a: Rates, b: Rates): boolean {
  return (Object.keys(a) as (keyof Rates)[]).every((k) => Math.abs(a[k] - b[k]) <= 1e-12 * Math.max(1, Math.abs(a[k])));
}

export class LearnedRates {
  private readonly models = new Map<string, LearnedModel>();
  /** Keys fitted again since loading: what a save must write. */
  readonly changedKeys = new Set<string>();
  /** Segments observed and not fitted yet, per key: in the order observed, and their ids. */
  private readonly pending = new Map<string, { readonly batches: PendingBatch[]; readonly ids: Set<string> }>();
  /** Per model, when its oldest waiting batch was observed: a request sent from then on needs the fits. */
  private readonly pendingFrom = new Map<string, number>();
  private pendingCount = 0;

  constructor(
    data: LearnedRatesData,
    /** The price library's rates for a model, the starting point of a fit. */
    private readonly prior: (model: string) => Rates | undefined,
    private readonly now: () => number = Date.now,
  ) {
    for (const [key, m] of Object.entries(data.models)) this.models.set(key, m);
  }

  /** What other processes saved meanwhile: taken for every model this one has not fitted again since its last save. */
  adopt(data: LearnedRatesData): void {
    for (const [key, m] of Object.entries(data.models)) if (!this.changedKeys.has(key)) this.models.set(key, m);
  }

  /**
   * New segments: kept, and the model fitted again when they say something new. The fit waits
   * until a request could be priced with it (its fit applies from the moment of this call, so a
   * request sent before never is: a history's requests never need it), or until saved: it is then
   * made as it would have been here, one batch after another, each applying from its call's time
   * (only the library's prior is taken when the fit is made).
   */
  observe(observations: readonly LedgerObservation[]): void {
    const atMs = this.now();
    const byKey = new Map<string, LedgerObservation[]>();
    for (const o of observations) {
      const key = learnedKey(o.model, o.version);
      const list = byKey.get(key) ?? [];
      list.push(o);
      byKey.set(key, list);
    }
    for (const [key, fresh] of byKey) {
      const model = (fresh[0] as LedgerObservation).model;
      let waiting = this.pending.get(key);
      const held = new Set((this.models.get(key)?.observations ?? []).map(segmentId));
      const seen = (o: LedgerObservation): boolean => held.has(segmentId(o)) || waiting?.ids.has(segmentId(o)) === true;
      if (fresh.every(seen)) continue;
      if (waiting === undefined) this.pending.set(key, (waiting = { batches: [], ids: new Set() }));
      waiting.batches.push({ atMs, added: fresh });
      for (const o of fresh) waiting.ids.add(segmentId(o));
      if (!((this.pendingFrom.get(model) ?? Number.POSITIVE_INFINITY) <= atMs)) this.pendingFrom.set(model, atMs);
      this.changedKeys.add(key);
      this.pendingCount += fresh.length;
    }
    // Bounded memory over a long history: fit what waits (what a fit keeps is bounded).
    if (this.pendingCount > MAX_PENDING) this.fitPending(undefined);
  }

  /** Fits the waiting batches of `model` (undefined: of every model), in the order they came, each at its own time. */
  private fitPending(model: string | undefined): void {
    for (const [key, { batches }] of this.pending) {
      if (model !== undefined && (batches[0] as PendingBatch).added[0]?.model !== model) continue;
      this.pending.delete(key);
      for (const b of batches) {
        this.fitNow(key, b.added, b.atMs);
        this.pendingCount -= b.added.length;
      }
    }
    if (model === undefined) this.pendingFrom.clear();
    else this.pendingFrom.delete(model);
  }

  private fitNow(key: string, fresh: readonly LedgerObservation[], atMs: number): void {
    const first = fresh[0] as LedgerObservation;
    const known = this.models.get(key);
    const held = known?.observations ?? [];
    const heldIds = new Set(held.map(segmentId));
    const added = fresh.filter((o) => !heldIds.has(segmentId(o)));
    if (added.length === 0) return;
    const all = [...held, ...added].sort((a, b) => b.atMs - a.atMs).slice(0, MAX_OBSERVATIONS);
    const fit = fitRates(all, this.prior(first.model));
    const fits = [...(known?.fits ?? [])];
    const latest = fits[fits.length - 1];
    if (fit !== undefined && (latest === undefined || !sameRates(latest.rates, fit.rates) || latest.exact !== fit.exact)) {
      fits.push({ fittedAtMs: Math.max(atMs, latest?.fittedAtMs ?? 0), rates: fit.rates, basis: fit.basis, exact: fit.exact });
    }
    this.models.set(key, { model: first.model, version: first.version, observations: all, fits: fits.slice(-MAX_FITS) });
  }

  /**
   * The rates a request sent at `atMs` is priced at: fitted for its release, else the newest fit
   * of the model in another release; only fits made before the request.
   */
  lookup(model: string, version: string | undefined, atMs: number): LearnedLookup | undefined {
    if ((this.pendingFrom.get(model) ?? Number.POSITIVE_INFINITY) <= atMs) this.fitPending(model);
    const applicable = (m: LearnedModel): FittedRates | undefined => {
      let best: FittedRates | undefined;
      for (const f of m.fits) if (f.fittedAtMs <= atMs) best = f;
      return best;
    };
    if (version !== undefined) {
      const own = this.models.get(learnedKey(model, version));
      const fit = own === undefined ? undefined : applicable(own);
      if (fit !== undefined) return { rates: fit.rates, version };
    }
    let best: { fit: FittedRates; version: string } | undefined;
    for (const m of this.models.values()) {
      if (m.model !== model) continue;
      const fit = applicable(m);
      if (fit !== undefined && (best === undefined || fit.fittedAtMs > best.fit.fittedAtMs)) best = { fit, version: m.version };
    }
    return best === undefined ? undefined : { rates: best.fit.rates, version: best.version };
  }

  /** Every model known, for saving; `only`: just these keys. */
  data(only?: ReadonlySet<string>): LearnedRatesData {
    this.fitPending(undefined);
    const models: Record<string, LearnedModel> = {};
    for (const [key, m] of this.models) if (only === undefined || only.has(key)) models[key] = m;
    return { version: 1, models };
  }
}
