/**
 * Sends a destination's outbox while a replay or watch pass is still writing to it: whatever
 * is ready goes out in order as batches are recorded (`kick` after each), so the network works
 * while the next sessions are read. The first failure stops the loop and is reported once
 * (the caller stops writing: nothing more is read); `finish` drains what is left.
 */
import type { DeliveryFailure } from "../delivery/send-outbox.js";
import type { DestinationPass } from "./destination-pass.js";

export interface SendTotals {
  sent: number;
  split: number;
  rejected: number;
  remaining: number;
  failure: DeliveryFailure | undefined;
}

export interface SendLoop {
  /** A batch was recorded: its requests are ready. */
  kick(): void;
  /** Writing is over: sends the rest (within `budgetMs`) and returns the totals. */
  finish(budgetMs: number): Promise<SendTotals>;
}

export function startSendLoop(pass: DestinationPass, onFailure: (failure: DeliveryFailure) => void, onRejected?: (name: string, error: string) => void): SendLoop {
  const totals: SendTotals = { sent: 0, split: 0, rejected: 0, remaining: 0, failure: undefined };
  let wake: (() => void) | undefined;
  let kicked = false;
  let finishing = false;
  const send = async (budgetMs: number): Promise<void> => {
    const r = await pass.send({ budgetMs, ...(onRejected !== undefined ? { onRejected } : {}) });
    totals.sent += r.sent;
    totals.split += r.split;
    totals.rejected += r.rejected;
    totals.remaining = r.remaining;
    if (r.failure !== undefined && totals.failure === undefined) {
      totals.failure = r.failure;
      onFailure(r.failure);
    }
  };
  const running = (async (): Promise<void> => {
    while (!finishing && totals.failure === undefined) {
      if (!kicked) await new Promise<void>((resolve) => (wake = resolve));
      kicked = false;
      if (finishing) break;
      // Per request, the destination's timeout bounds the wait; the loop ends with the pass.
      await send(24 * 3600_000);
    }
  })();
  return {
    kick(): void {
      kicked = true;
      wake?.();
      wake = undefined;
    },
    async finish(budgetMs: number): Promise<SendTotals> {
      finishing = true;
      wake?.();
      wake = undefined;
      await running;
      if (totals.failure === undefined) await send(budgetMs);
      return totals;
    },
  };
}
