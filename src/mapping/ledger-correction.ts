/**
 * What a ledger line corrects. Where Claude Code's ledger covers a request when its span and cost
 * point are made, they carry its share of what Claude Code charged, and the chat and compaction
 * costs add up to the ledger. A live session sends them earlier, at their price (learned rates,
 * the library): when the ledger line comes, whatever it charged that the units already sent do
 * not carry, plus what no request explains, goes with the ledger line's own unit, once. Spans
 * and metric points are sent separately, so each has its own "sent before".
 */
import type { LedgerSegment, Session } from "../model/types.js";
import { EPSILON_USD } from "../util/usd.js";
import { UNIT_OF_WORK } from "./units-of-work.js";

/** The model cost no request carries is charged to: the session's most expensive model. */
export function mainModel(session: Session): string {
  let best: string | undefined;
  let bestUsd = -1;
  for (const [model, cost] of Object.entries(session.cost.byModel)) {
    if (cost.usd > bestUsd) {
      best = model;
      bestUsd = cost.usd;
    }
  }
  return best ?? "unknown";
}

/** Per model (the requests' name), the USD the ledger line adds: negative where more was sent than charged. */
export function ledgerCorrection(session: Session, segment: LedgerSegment, sentBefore: ((unitKey: string) => boolean) | undefined, mainModel: string): Map<string, number> {
  const out = new Map<string, number>();
  const add = (model: string, usd: number): void => {
    out.set(model, (out.get(model) ?? 0) + usd);
  };
  for (const [model, usd] of Object.entries(segment.unattributedUsd)) add(model, usd);
  if (sentBefore !== undefined) {
    const keys = new Set(segment.requestKeys);
    for (const r of session.requests) {
      // Sent before its ledger line existed: it carried its price, not its share.
      if (keys.has(r.key) && sentBefore(UNIT_OF_WORK.request(r.key))) add(r.model, r.cost.usd - r.cost.pricedUsd);
    }
    const uuids = new Set(segment.compactionUuids);
    for (const c of session.compactions) {
      // Sent before (the session ended first): without the summarising call's cost.
      if (uuids.has(c.uuid) && c.unattributedCostUsd !== undefined && sentBefore(UNIT_OF_WORK.compaction(c.uuid))) add(mainModel, c.unattributedCostUsd);
    }
  }
  for (const [model, usd] of out) if (Math.abs(usd) <= EPSILON_USD) out.delete(model);
  return out;
}
