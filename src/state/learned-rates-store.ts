/**
 * The rates learned from Claude Code's ledgers (cost/learned-rates.ts), in the state folder:
 * `learned-rates.json`, private. Every process that reads sessions (report, replay, watch, the
 * hooks' flusher) adds what it learned; a save merges with what others saved meanwhile (a model
 * this process did not touch keeps the file's version), so a lost race costs a later refit at
 * most. A corrupt file is set aside and learning starts again: never fatal.
 */
import { join } from "node:path";
import type { FittedRates, LearnedModel, LearnedRatesData, LedgerObservation } from "../model/pricer.js";
import { NO_LEARNED_RATES } from "../model/pricer.js";
import { TOKEN_KINDS } from "../model/token-kinds.js";
import { inDir } from "../config/state-dir.js";
import { isObject } from "../util/json.js";
import { readJsonFileSync, setAsideSync, writeJsonAtomicSync } from "./atomic-file.js";

export const LEARNED_RATES_FILE = "learned-rates.json";

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

function isKinds(o: unknown): boolean {
  return isObject(o) && TOKEN_KINDS.every((k) => isNumber(o[k]) && (o[k] as number) >= 0);
}

function isObservation(o: unknown): o is LedgerObservation {
  return (
    isObject(o) &&
    typeof o["model"] === "string" &&
    typeof o["version"] === "string" &&
    typeof o["sessionId"] === "string" &&
    isNumber(o["index"]) &&
    isNumber(o["atMs"]) &&
    isKinds(o["tokens"]) &&
    isNumber(o["usd"])
  );
}

function isFit(o: unknown): o is FittedRates {
  return isObject(o) && isNumber(o["fittedAtMs"]) && isKinds(o["rates"]) && isNumber(o["basis"]) && typeof o["exact"] === "boolean";
}

function isModel(o: unknown): o is LearnedModel {
  return (
    isObject(o) &&
    typeof o["model"] === "string" &&
    typeof o["version"] === "string" &&
    Array.isArray(o["observations"]) &&
    o["observations"].every(isObservation) &&
    Array.isArray(o["fits"]) &&
    o["fits"].every(isFit)
  );
}

function isData(o: unknown): o is LearnedRatesData {
  return isObject(o) && o["version"] === 1 && isObject(o["models"]) && Object.values(o["models"]).every(isModel);
}

export function learnedRatesPath(stateDir: string): string {
  return join(stateDir, LEARNED_RATES_FILE);
}

/** What has been learned so far (nothing when the file is missing; a corrupt file is set aside). */
export function loadLearnedRates(stateDir: string): LearnedRatesData {
  const path = learnedRatesPath(stateDir);
  const read = readJsonFileSync(path, isData);
  if (read.kind === "ok") return read.value;
  if (read.kind === "corrupt") setAsideSync(path);
  return NO_LEARNED_RATES;
}

/** Writes the models this process fitted again over the file's current content. */
export function saveLearnedRates(stateDir: string, mine: LearnedRatesData): void {
  if (Object.keys(mine.models).length === 0) return;
  const current = loadLearnedRates(stateDir);
  const merged: LearnedRatesData = { version: 1, models: { ...current.models, ...mine.models } };
  inDir(stateDir, () => writeJsonAtomicSync(learnedRatesPath(stateDir), merged));
}
