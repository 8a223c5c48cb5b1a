/**
 * A pricer that learns: it prices with the rates learned so far from Claude Code's ledgers (kept
 * in the state folder), learns from the ledgers of the sessions it prices, and `save` writes what
 * it learned. The commands that export save (replay, watch, the hooks' flusher), so rates learned
 * from one session serve the next live one; `report` prices with them and saves nothing.
 */
import type { PriceConfig } from "../config/price-overrides.js";
import { LearnedRates } from "../cost/learned-rates.js";
import { createPricer, libraryRates } from "../cost/price-request.js";
import type { Pricer } from "../model/pricer.js";
import { loadLearnedRates, saveLearnedRates } from "../state/learned-rates-store.js";

export interface LearningPricer {
  readonly pricer: Pricer;
  /** Writes what was learned (merged with what others saved meanwhile); never throws. */
  save(): void;
  /** Takes what other processes learned since (a long-running `watch` does, each round). */
  refresh(): void;
}

export function createLearningPricer(prices: PriceConfig, stateDir: string): LearningPricer {
  let learned: LearnedRates;
  try {
    learned = new LearnedRates(loadLearnedRates(stateDir), libraryRates);
  } catch {
    // An unreadable state folder: price without learned rates, learn for this run only.
    learned = new LearnedRates({ version: 1, models: {} }, libraryRates);
  }
  return {
    pricer: createPricer(prices, { learned }),
    save: () => {
      if (learned.changedKeys.size === 0) return;
      try {
        saveLearnedRates(stateDir, learned.data(learned.changedKeys));
        learned.changedKeys.clear();
      } catch {
        // A full disk or read-only state folder: learning is an optimisation, never a failure.
      }
    },
    refresh: () => {
      try {
        learned.adopt(loadLearnedRates(stateDir));
      } catch {
        // Unreadable now: keep what is known.
      }
    },
  };
}
