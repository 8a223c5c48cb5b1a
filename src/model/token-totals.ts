import type { Session } from "./types.js";

/** A session's tokens by kind, summed over its requests (subagents included). */
export interface TokenTotals {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

export function tokenTotals(session: Session): TokenTotals {
  const t: TokenTotals = { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };
  for (const r of session.requests) {
    t.input += r.usage.input;
    t.output += r.usage.output;
    t.cacheRead += r.usage.cacheRead;
    t.cacheCreation += r.usage.cacheCreation;
  }
  return t;
}
