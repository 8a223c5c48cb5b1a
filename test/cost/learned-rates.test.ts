/**
 * Rates learned from Claude Code's ledgers: fitted to the recorded cost corpus (models-2.1.330),
 * they are Claude Code's own; they price requests from the moment they were learned; they are
 * kept in the state folder, merged across processes.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fitRates } from "../../src/cost/fit-rates.js";
import { ANTHROPIC_PROPORTIONS } from "../../src/model/token-kinds.js";
import { LearnedRates, learnedKey } from "../../src/cost/learned-rates.js";
import { NO_LEARNED_RATES } from "../../src/model/pricer.js";
import { createPricer, libraryRates } from "../../src/cost/price-request.js";
import type { LearnedModel, LedgerObservation } from "../../src/model/pricer.js";
import { scanSessions } from "../../src/pipeline/scan-sessions.js";
import { learnedRatesPath, loadLearnedRates, saveLearnedRates } from "../../src/state/learned-rates-store.js";
import type { TokenUsage } from "../../src/transcript/line-types.js";
import { MODELS_2_1_330 } from "../support/recorded-fixtures.js";

const T0 = Date.UTC(2027, 0, 1);
/** Claude Code 2.1.330's own rates (its model catalog), USD per million tokens. */
const SONNET_5_5 = { input: 2, output: 10, cacheRead: 0.1, cacheWrite5m: 2.5, cacheWrite1h: 4 };
const HAIKU_5_5 = { input: 0.1, output: 0.5, cacheRead: 0.01, cacheWrite5m: 0.125, cacheWrite1h: 0.2 };

let observations: LedgerObservation[];
const tmp = mkdtempSync(join(tmpdir(), "learned-rates-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(async () => {
  observations = [];
  const pricer = Object.assign(createPricer(), { observe: (o: readonly LedgerObservation[]) => void observations.push(...o) });
  await scanSessions(MODELS_2_1_330.projects, { timeZone: "UTC" }, pricer, () => undefined);
});

const of = (model: string): LedgerObservation[] => observations.filter((o) => o.model === model).sort((a, b) => b.atMs - a.atMs);
const usage = (input: number, output: number, cacheRead: number, w5m: number, w1h: number): TokenUsage => ({
  input,
  output,
  cacheRead,
  cacheCreation: w5m + w1h,
  cacheCreation5m: w5m,
  cacheCreation1h: w1h,
});

describe("fitting rates to ledgers", () => {
  it("the corpus's ledger lines, per model: the over-100k stretch of claude-haiku-5-5 is left out (long-prompt rates are not linear)", () => {
    expect(observations.map((o) => [o.model, o.version, o.index])).toEqual(
      expect.arrayContaining([
        ["claude-sonnet-5-5", "2.1.330", 0],
        ["claude-haiku-5-5", "2.1.330", 0],
        ["claude-fable-5-2", "2.1.330", 0],
        ["claude-nova-1", "2.1.330", 0],
      ]),
    );
    // sonnet-5-5: one session, three of the long one (the compaction stretch included), the agent session's.
    expect(of("claude-sonnet-5-5")).toHaveLength(5);
    // haiku-5-5: the edit-files run and the subagent; not the resumed run with the 212,520-token request.
    expect(
      of("claude-haiku-5-5")
        .map((o) => o.sessionId)
        .sort(),
    ).toEqual([MODELS_2_1_330.sessionId("agent-mixed"), MODELS_2_1_330.sessionId("haiku-5-5")].sort());
  });

  it("five independent ledger lines pin Claude Code's rates exactly, though the library's prior has cache reads at twice the rate", () => {
    expect(libraryRates("claude-sonnet-5-5")).toEqual({ ...SONNET_5_5, cacheRead: 0.2 });
    expect(fitRates(of("claude-sonnet-5-5"), libraryRates("claude-sonnet-5-5"))).toEqual({ rates: SONNET_5_5, basis: 5, exact: true });
  });

  it("fewer lines: the rates nearest the prior that explain every line; with no prior, Anthropic's proportions scaled to the newest line", () => {
    const one = of("claude-sonnet-5-5").slice(0, 1);
    const fit = fitRates(one, libraryRates("claude-sonnet-5-5"));
    expect(fit?.exact).toBe(false);
    const o = one[0] as LedgerObservation;
    const cost = (r: typeof SONNET_5_5): number =>
      (o.tokens.input * r.input + o.tokens.output * r.output + o.tokens.cacheRead * r.cacheRead + o.tokens.cacheWrite5m * r.cacheWrite5m + o.tokens.cacheWrite1h * r.cacheWrite1h) /
      1e6;
    expect(cost(fit?.rates as typeof SONNET_5_5)).toBeCloseTo(o.usd, 12);
    // claude-haiku-5-5 is priced in Anthropic's usual proportions: its two lines give its rates.
    expect(libraryRates("claude-haiku-5-5")).toBeUndefined();
    expect(fitRates(of("claude-haiku-5-5"), undefined)).toEqual({ rates: HAIKU_5_5, basis: 2, exact: false });
    const nova = fitRates(of("claude-nova-1"), undefined);
    expect(nova?.rates.output).toBeCloseTo(nova?.rates.input === undefined ? NaN : nova.rates.input * ANTHROPIC_PROPORTIONS.output, 12);
  });

  it("a line no rates can explain with the others (a regional surcharge of 10%) is left out, the newest kept", () => {
    const lines = of("claude-sonnet-5-5");
    const surcharged = { ...(lines[4] as LedgerObservation), sessionId: "geo", atMs: 0, usd: (lines[4] as LedgerObservation).usd * 1.1 };
    expect(fitRates([...lines, surcharged], libraryRates("claude-sonnet-5-5"))).toEqual({ rates: SONNET_5_5, basis: 5, exact: true });
  });
});

describe("learned rates price what no ledger covers yet", () => {
  it("from the moment they were learned: a request sent before keeps the library's price, one after gets Claude Code's", () => {
    const learned = new LearnedRates(NO_LEARNED_RATES, libraryRates, () => T0);
    learned.observe(of("claude-sonnet-5-5"));
    expect([...learned.changedKeys]).toEqual([learnedKey("claude-sonnet-5-5", "2.1.330")]);
    const pricer = createPricer(undefined, { learned });
    const u = usage(1_000, 100, 100_000, 0, 0);
    const before = pricer("claude-sonnet-5-5", u, new Date(T0 - 1), "2.1.330");
    const after = pricer("claude-sonnet-5-5", u, new Date(T0), "2.1.330");
    expect([before.source, after.source]).toEqual(["price_table", "learned"]);
    expect(before.usd).toBeCloseTo((1_000 * 2 + 100 * 10 + 100_000 * 0.2) / 1e6, 15);
    expect(after.usd).toBeCloseTo((1_000 * 2 + 100 * 10 + 100_000 * 0.1) / 1e6, 15);
    // Another release: the newest fit of the model, until that release's own ledgers are seen.
    expect(pricer("claude-sonnet-5-5", u, new Date(T0), "2.1.400").source).toBe("learned");
    // The same lines again teach nothing new.
    learned.changedKeys.clear();
    learned.observe(of("claude-sonnet-5-5"));
    expect(learned.changedKeys.size).toBe(0);
  });

  it("cost sources: auto lets the user's own price win, ledger prefers Claude Code's rates, computed never uses them", () => {
    const learned = new LearnedRates(NO_LEARNED_RATES, libraryRates, () => T0);
    learned.observe(of("claude-sonnet-5-5"));
    const prices = { overrides: [{ model: "claude-sonnet-5-5", input_mtok: 0.2, output_mtok: 1, cache_read_mtok: 0.02, cache_write_mtok: 0.25, cache_write_1h_mtok: 0.4 }] };
    const u = usage(1_000_000, 0, 0, 0, 0);
    const at = new Date(T0 + 1);
    expect(createPricer(prices, { learned, mode: "auto" })("claude-sonnet-5-5", u, at, "2.1.330")).toMatchObject({ source: "override", usd: 0.2, computedUsd: 0.2 });
    expect(createPricer(prices, { learned, mode: "ledger" })("claude-sonnet-5-5", u, at, "2.1.330")).toMatchObject({ source: "learned", usd: 2, computedUsd: 0.2 });
    expect(createPricer(undefined, { learned, mode: "computed" })("claude-sonnet-5-5", u, at, "2.1.330")).toMatchObject({ source: "price_table", usd: 2 });
    expect(createPricer(prices, { learned }).overridden?.("claude-sonnet-5-5")).toBe(true);
  });
});

describe("the store", () => {
  it("kept in the state folder, private; a save merges with what another process saved meanwhile", () => {
    const dir = join(tmp, "merge");
    const a = new LearnedRates(loadLearnedRates(dir), libraryRates, () => T0);
    const b = new LearnedRates(loadLearnedRates(dir), libraryRates, () => T0 + 5);
    a.observe(of("claude-sonnet-5-5"));
    b.observe(of("claude-haiku-5-5"));
    saveLearnedRates(dir, a.data(a.changedKeys));
    saveLearnedRates(dir, b.data(b.changedKeys));
    const saved = loadLearnedRates(dir);
    expect(Object.keys(saved.models).sort()).toEqual([learnedKey("claude-haiku-5-5", "2.1.330"), learnedKey("claude-sonnet-5-5", "2.1.330")]);
    expect(saved.models[learnedKey("claude-sonnet-5-5", "2.1.330")]?.fits.at(-1)).toEqual({ fittedAtMs: T0, rates: SONNET_5_5, basis: 5, exact: true });
    expect(readdirSync(dir)).toEqual(["learned-rates.json"]);
    // Another process's learning, adopted by a long-running one.
    const c = new LearnedRates(NO_LEARNED_RATES, libraryRates, () => T0);
    c.adopt(saved);
    expect(c.lookup("claude-haiku-5-5", "2.1.330", T0 + 5)?.rates).toEqual(HAIKU_5_5);
  });

  it("a corrupt file is set aside (kept for inspection) and learning starts again", () => {
    const dir = join(tmp, "bad");
    saveLearnedRates(dir, { version: 1, models: { x: { model: "x", version: "1", observations: [], fits: [] } } });
    writeFileSync(learnedRatesPath(dir), '{"version":1,"models":{"x":{"model":"x","fits":"nope"}}}');
    expect(loadLearnedRates(dir)).toEqual(NO_LEARNED_RATES);
    const aside = readdirSync(dir).filter((f) => f.startsWith("learned-rates.json.corrupt-"));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0] as string), "utf8")).toContain("nope");
    expect(readdirSync(dir)).not.toContain("learned-rates.json");
  });
});

/** The learning as it was before fits waited: each observe fits at once (the reference the waiting fits must equal). */
class EagerRates {
  readonly models = new Map<string, LearnedModel>();
  constructor(private readonly now: () => number) {}
  observe(observations: readonly LedgerObservation[]): void {
    const byKey = new Map<string, LedgerObservation[]>();
    for (const o of observations) byKey.set(learnedKey(o.model, o.version), [...(byKey.get(learnedKey(o.model, o.version)) ?? []), o]);
    for (const [key, fresh] of byKey) {
      const first = fresh[0] as LedgerObservation;
      const known = this.models.get(key);
      const held = known?.observations ?? [];
      const added = fresh.filter((o) => !held.some((h) => h.sessionId === o.sessionId && h.index === o.index));
      if (added.length === 0) continue;
      const all = [...held, ...added].sort((a, b) => b.atMs - a.atMs).slice(0, 24);
      const fit = fitRates(all, libraryRates(first.model));
      const fits = [...(known?.fits ?? [])];
      const latest = fits[fits.length - 1];
      const same =
        latest !== undefined &&
        fit !== undefined &&
        latest.exact === fit.exact &&
        (Object.keys(fit.rates) as (keyof typeof fit.rates)[]).every((k) => Math.abs(latest.rates[k] - fit.rates[k]) <= 1e-12 * Math.max(1, Math.abs(fit.rates[k])));
      if (fit !== undefined && !same) fits.push({ fittedAtMs: Math.max(this.now(), latest?.fittedAtMs ?? 0), rates: fit.rates, basis: fit.basis, exact: fit.exact });
      this.models.set(key, { model: first.model, version: first.version, observations: all, fits: fits.slice(-16) });
    }
  }
}

describe("fits wait until a request could use them", () => {
  it("the same prices at every time and the same saved fits as fitting on each observe, with lookups in between or not", () => {
    const models = [...new Set(observations.map((o) => o.model))];
    // The corpus's segments as sessions, each observed twice (as a re-read session is), in two releases, with a
    // changed cost to force a new fit; then the session order shuffled by a fixed seed.
    let seed = 7;
    const random = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const sessions = [...new Set(observations.map((o) => o.sessionId))];
    const batches: LedgerObservation[][] = [];
    for (const version of ["2.1.330", "2.1.400"]) {
      for (const s of sessions) {
        const own = observations.filter((o) => o.sessionId === s).map((o) => ({ ...o, version, usd: version === "2.1.400" ? o.usd * 1.25 : o.usd }));
        batches.push(own, own);
      }
    }
    batches.sort(() => random() - 0.5);
    for (const lookEvery of [1, 3, 0]) {
      let clock = T0;
      const waiting = new LearnedRates(NO_LEARNED_RATES, libraryRates, () => clock);
      const eager = new EagerRates(() => clock);
      const reference = new LearnedRates(NO_LEARNED_RATES, libraryRates, () => clock);
      batches.forEach((batch, i) => {
        clock += 1000;
        waiting.observe(batch);
        eager.observe(batch);
        if (lookEvery === 0 || i % lookEvery !== 0) return;
        reference.adopt({ version: 1, models: Object.fromEntries(eager.models) });
        for (const model of models) {
          for (const version of ["2.1.330", "2.1.400", undefined]) {
            for (const at of [T0 - 1, clock - 1500, clock - 500, clock, Number.POSITIVE_INFINITY]) {
              expect(waiting.lookup(model, version, at), `${model} ${version} at ${at}, batch ${i}`).toEqual(reference.lookup(model, version, at));
            }
          }
        }
      });
      expect(waiting.data()).toEqual({ version: 1, models: Object.fromEntries(eager.models) });
      expect([...waiting.changedKeys].sort()).toEqual([...eager.models.keys()].sort());
    }
  });
});
