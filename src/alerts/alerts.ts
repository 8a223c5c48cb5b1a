/**
 * Per-session cost alerts. Pure decision (`crossedThresholds`, `alertText`) and thin I/O: the
 * session's cost from its transcript (the same pipeline as `report`: Claude Code's ledger where
 * present), an O_EXCL marker per session and threshold so each alert fires once even when hooks
 * run in parallel, a `{"systemMessage": ...}` for Claude Code and an optional Slack post.
 *
 * Where it runs: the synchronous Stop entry (`claude-code-otel hook-alerts`, see alerts-main.ts).
 * Claude Code shows a hook's `systemMessage` to the user, but the output of an `async: true` hook
 * is held and delivered on the next turn as context for the model: so the async observer (`hook`)
 * must not produce alerts (a marker it claimed would swallow the alert the user should see).
 */
import { join } from "node:path";
import { readAlertSettings } from "../config/hook-config.js";
import { defaultStateDir } from "../config/state-dir.js";
import { discoverSessionSync } from "../transcript/discover.js";
import { createExclusive, ensurePrivateDir } from "../util/private-fs.js";
import type { HookLog } from "../hook/hook-log.js";
import type { HookPayload } from "../hook/payload.js";

/** What the alerts Stop hook (alerts-main.ts) works with. */
export interface HookOutputContext {
  /** `<state home>`: config, state, spool, outbox. */
  readonly stateHome: string;
  /** The parsed config file (`~/.claude/otel/config.json`), `{}` when absent or broken. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly env: NodeJS.ProcessEnv;
  readonly log: HookLog;
}

/** Thresholds (ascending) at or below `costUsd`. */
export function crossedThresholds(costUsd: number, thresholds: readonly number[]): number[] {
  return thresholds.filter((t) => costUsd >= t);
}

function usd(n: number): string {
  return `$${n.toFixed(2)}`;
}

/** The one line the user sees in Claude Code (and Slack gets). `fired` is ascending, non-empty. */
export function alertText(costUsd: number, fired: readonly number[], project: string | undefined, sessionId: string): string {
  const top = fired[fired.length - 1] ?? 0;
  const also = fired.length > 1 ? ` (also crossed ${fired.slice(0, -1).map(usd).join(", ")})` : "";
  const where = project === undefined || project === "" ? "" : ` in ${project}`;
  return `Cost alert: this Claude Code session${where} has cost ${usd(costUsd)}, over your ${usd(top)} threshold${also}. Session ${sessionId.slice(0, 8)}.`;
}

/** `<state home>/alerts/<session>-<threshold>`; session ids are made file-name safe, never trusted. */
export function markerPath(stateHome: string, sessionId: string, threshold: number): string {
  const safe = sessionId.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 128);
  return join(stateHome, "alerts", `${safe}-${String(threshold)}`);
}

/** True when this call is the first to claim the alert (atomic across parallel hook processes). */
export function claimAlert(stateHome: string, sessionId: string, threshold: number, costUsd: number): boolean {
  ensurePrivateDir(join(stateHome, "alerts"));
  return createExclusive(markerPath(stateHome, sessionId, threshold), `${JSON.stringify({ sessionId, threshold, costUsd, at: new Date().toISOString() })}\n`);
}

export interface SessionCostResult {
  readonly costUsd: number;
  readonly project: string;
}

/**
 * What the session has cost so far: Claude Code's ledger where present, else the priced requests.
 * `env` names the state folder whose learned rates price the rest: the hook's, as for everything else.
 */
export async function sessionCost(
  transcriptPath: string,
  sessionId: string,
  config: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SessionCostResult | undefined> {
  // Loaded on demand: the price library and the model are heavy, and most hook calls never get here.
  const [{ readSessionSync }, { createPricer }, { parsePriceOverrides, parseCostMode }, { LearnedRates }, { loadLearnedRates }] = await Promise.all([
    import("../model/read-session.js"),
    import("../cost/price-request.js"),
    import("../config/price-overrides.js"),
    import("../cost/learned-rates.js"),
    import("../state/learned-rates-store.js"),
  ]);
  const source = discoverSessionSync(transcriptPath, sessionId);
  if (source === undefined) return undefined;
  const costSource = config["costSource"];
  const mode = typeof costSource === "string" ? parseCostMode(costSource) : undefined;
  // The rates learned so far price what no ledger covers yet (read only: learning is the flusher's).
  const learned = new LearnedRates(loadLearnedRates(defaultStateDir(env)), () => undefined);
  const prices = { overrides: parsePriceOverrides(config["prices"]).overrides, ...(mode === undefined ? {} : { mode }) };
  const { session } = readSessionSync(source, createPricer(prices, { learned }));
  return session === undefined ? undefined : { costUsd: session.cost.totalUsd, project: session.project };
}

export const SLACK_TIMEOUT_MS = 2_000;

export type SlackResult = { readonly ok: true; readonly status: number } | { readonly ok: false; readonly reason: string };

/**
 * Posts `{text}` to a Slack incoming webhook, bounded by `timeoutMs`. Never throws. The reason on
 * failure is a status or an error code, never the URL (it is the credential).
 */
export async function postSlack(url: string, text: string, timeoutMs = SLACK_TIMEOUT_MS): Promise<SlackResult> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.ok ? { ok: true, status: res.status } : { ok: false, reason: `HTTP ${res.status}` };
  } catch (error) {
    const e = error as { name?: string; cause?: { code?: string } };
    if (e.name === "TimeoutError" || e.name === "AbortError") return { ok: false, reason: `no answer within ${timeoutMs} ms` };
    return { ok: false, reason: e.cause?.code ?? e.name ?? "request failed" };
  }
}

const pending = new Set<Promise<void>>();

/** Waits (at most `timeoutMs`) for Slack posts started by `hookOutputFor`: call before exiting. */
export async function settleAlertPosts(timeoutMs = SLACK_TIMEOUT_MS + 250): Promise<void> {
  if (pending.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled([...pending]),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    }),
  ]);
  if (timer !== undefined) clearTimeout(timer);
}

/**
 * The hook's stdout for this payload: `{"systemMessage": "..."}` when the session just crossed one
 * or more thresholds, else undefined. Stop only; returns at once when alerts are off. A Slack post,
 * if configured, starts here and is awaited by `settleAlertPosts`, so the message is printed first.
 * Never throws (errors are logged without secrets).
 */
export async function hookOutputFor(payload: HookPayload, context: HookOutputContext): Promise<string | undefined> {
  if (payload.event !== "Stop") return undefined;
  const alerts = readAlertSettings(context.config as Record<string, unknown>).value;
  if (alerts.sessionUsd.length === 0) return undefined;
  if (payload.transcriptPath === undefined) {
    context.log.debug(`alerts: session ${payload.sessionId} has no transcript_path`);
    return undefined;
  }
  try {
    const cost = await sessionCost(payload.transcriptPath, payload.sessionId, context.config, context.env);
    if (cost === undefined) return undefined;
    const fired = crossedThresholds(cost.costUsd, alerts.sessionUsd).filter((t) => claimAlert(context.stateHome, payload.sessionId, t, cost.costUsd));
    if (fired.length === 0) return undefined;
    const text = alertText(cost.costUsd, fired, cost.project, payload.sessionId);
    context.log.info(`alerts: session ${payload.sessionId} at ${cost.costUsd.toFixed(4)} USD crossed ${fired.join(", ")}`);
    if (alerts.slackWebhookUrl !== undefined) {
      const post = postSlack(alerts.slackWebhookUrl, text).then((r) => {
        if (r.ok) context.log.info(`alerts: Slack post accepted (${r.status})`);
        else context.log.warn(`alerts: Slack post failed (${r.reason})`);
      });
      pending.add(post);
      void post.finally(() => pending.delete(post));
    }
    return JSON.stringify({ systemMessage: text });
  } catch (error) {
    context.log.error(`alerts: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message?.slice(0, 200) ?? "failed"}`);
    return undefined;
  }
}
