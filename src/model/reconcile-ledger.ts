/**
 * Claude Code's `cost-state` lines are its own running ledger for a session. They include
 * calls that leave no assistant line (the compaction summary call), so the ledger, not the
 * sum of requests, is what the session cost.
 */

export interface LedgerSnapshot {
  /** Ordinal of the `cost-state` line in the main transcript. */
  readonly position: number;
  readonly totalUsd: number;
}

export interface PositionedCost {
  readonly position: number;
  readonly usd: number;
}

export interface LedgerReconciliation {
  /** Undefined when the transcript has no ledger. */
  readonly totalUsd: number | undefined;
  /** Per compaction (same order as given): ledger growth across it not explained by requests. */
  readonly compactionCosts: readonly (number | undefined)[];
}

/** Rounding noise below this is not a cost: ledger totals are sums of floats. */
const EPSILON_USD = 1e-9;

export function reconcileLedger(snapshots: readonly LedgerSnapshot[], requestCosts: readonly PositionedCost[], compactionPositions: readonly number[]): LedgerReconciliation {
  if (snapshots.length === 0) return { totalUsd: undefined, compactionCosts: compactionPositions.map(() => undefined) };

  // A total that goes down means a new process started its ledger from zero: add the segments.
  let completed = 0;
  let last = 0;
  const running: number[] = [];
  for (const s of snapshots) {
    if (s.totalUsd + EPSILON_USD < last) completed += last;
    last = s.totalUsd;
    running.push(completed + last);
  }
  const totalUsd = completed + last;

  const compactionCosts = compactionPositions.map((position) => {
    let before = -1;
    for (let i = 0; i < snapshots.length && (snapshots[i]?.position ?? Infinity) < position; i++) before = i;
    const after = snapshots.findIndex((s) => s.position > position);
    if (before === -1 || after === -1) return undefined;
    const from = snapshots[before]?.position ?? 0;
    const to = snapshots[after]?.position ?? 0;
    const explained = requestCosts.filter((r) => r.position > from && r.position < to).reduce((sum, r) => sum + r.usd, 0);
    const growth = (running[after] ?? 0) - (running[before] ?? 0);
    const unexplained = growth - explained;
    return unexplained > EPSILON_USD ? unexplained : 0;
  });
  return { totalUsd, compactionCosts };
}
