/**
 * What each tool call cost: a partition of every request's cost among the tool calls it concerns,
 * so the calls of a session never sum to more than its requests.
 *
 * A request's cost splits by Anthropic's price ratios, which every Claude model shares (per
 * token, relative to uncached input: a 5-minute cache write 1.25, a 1-hour write 2, a cache read
 * 0.1, output 5): its *new* part (uncached input and cache writes: what this request added to the
 * context), its *cached* part (cache reads) and its output. Within each thread (the main thread,
 * each subagent), in the order requests were sent:
 * - **result**: a tool result first reaches the model in the next request of its thread, among
 *   that request's new tokens. Its tokens are estimated from its size (UTF-8 bytes / 4), and the
 *   results a request carries share at most its new tokens less the previous response's output
 *   (which is new too); they are charged at the request's new-token rate;
 * - **carried**: in every later request of the thread, until a compaction drops it, the result is
 *   part of the prefix: charged at that request's cache-read rate (the results in the prefix share
 *   at most its cache reads), or, when the cache was cold (no reads), at its new-token rate within
 *   what the new results left;
 * - **call**: the output of the request that made the call (the model writing it), shared equally
 *   by the calls of that response;
 * - **subagent**: whatever a subagent's requests cost beyond what its own calls explain goes to
 *   the Agent/Task call that started it: the subagent exists because of that call.
 * What stays with no tool: in the main thread, the system prompt, prompts and answers (input no
 * tool put there, output with no call), and the compaction call.
 */
import { ANTHROPIC_PROPORTIONS, tokensOfUsage } from "./token-kinds.js";
import type { ToolCallDraft } from "./tool-calls.js";
import type { ApiRequest, ToolCallCost } from "./types.js";

/** Rough size of a token in UTF-8 bytes: the usual rule of thumb for English text and code. */
export const BYTES_PER_TOKEN = 4;

interface Item {
  readonly callId: string;
  tokens: number;
  resultUsd: number;
  /** Index (in its thread) of the request that first carried it, and of the first one that no longer does. */
  from: number;
  to: number;
}

interface Parts {
  callUsd: number;
  resultUsd: number;
  carriedUsd: number;
  subagentUsd: number;
  resultTokens: number;
}

/**
 * `requests` in start order; `calls` by id (with their results); `droppedAt`: call id → when the
 * compaction that dropped its result ended; `parentCallOf`: subagent id → the call that started it.
 */
export function attributeToolCosts(
  requests: readonly ApiRequest[],
  calls: ReadonlyMap<string, ToolCallDraft>,
  droppedAt: ReadonlyMap<string, number>,
  parentCallOf: ReadonlyMap<string, string>,
): Map<string, ToolCallCost> {
  const parts = new Map<string, Parts>();
  const partsOf = (id: string): Parts => {
    let p = parts.get(id);
    if (p === undefined) {
      p = { callUsd: 0, resultUsd: 0, carriedUsd: 0, subagentUsd: 0, resultTokens: 0 };
      parts.set(id, p);
    }
    return p;
  };
  for (const [thread, threadRequests] of byThread(requests)) {
    const results = threadResults(calls, thread);
    attributeThread(threadRequests, results, droppedAt, partsOf, thread === undefined ? undefined : parentCallOf.get(thread));
  }
  const costs = new Map<string, ToolCallCost>();
  for (const [id, p] of parts) {
    costs.set(id, {
      usd: p.callUsd + p.resultUsd + p.carriedUsd + p.subagentUsd,
      callUsd: p.callUsd,
      resultUsd: p.resultUsd,
      carriedUsd: p.carriedUsd,
      subagentUsd: p.subagentUsd,
      resultTokens: Math.round(p.resultTokens),
    });
  }
  return costs;
}

function byThread(requests: readonly ApiRequest[]): Map<string | undefined, ApiRequest[]> {
  const threads = new Map<string | undefined, ApiRequest[]>();
  for (const r of requests) {
    let list = threads.get(r.agentId);
    if (list === undefined) {
      list = [];
      threads.set(r.agentId, list);
    }
    list.push(r);
  }
  return threads;
}

/** The thread's calls that have a result, in the order their results came. */
function threadResults(calls: ReadonlyMap<string, ToolCallDraft>, thread: string | undefined): ToolCallDraft[] {
  const out: ToolCallDraft[] = [];
  for (const c of calls.values()) if (c.agentId === thread && c.endTime !== undefined) out.push(c);
  out.sort((a, b) => (a.endTime ?? 0) - (b.endTime ?? 0) || a.id.localeCompare(b.id));
  return out;
}

/** A request's cost by part, by Anthropic's price ratios. */
function split(r: ApiRequest): { newUsd: number; readUsd: number; outputUsd: number } {
  const t = tokensOfUsage(r.usage);
  const w = ANTHROPIC_PROPORTIONS;
  const fresh = t.input * w.input + t.cacheWrite5m * w.cacheWrite5m + t.cacheWrite1h * w.cacheWrite1h;
  const read = t.cacheRead * w.cacheRead;
  const output = t.output * w.output;
  const total = fresh + read + output;
  if (!(total > 0) || !(r.cost.usd > 0)) return { newUsd: 0, readUsd: 0, outputUsd: 0 };
  return { newUsd: (r.cost.usd * fresh) / total, readUsd: (r.cost.usd * read) / total, outputUsd: (r.cost.usd * output) / total };
}

function attributeThread(
  requests: readonly ApiRequest[],
  results: readonly ToolCallDraft[],
  droppedAt: ReadonlyMap<string, number>,
  partsOf: (id: string) => Parts,
  parentCall: string | undefined,
): void {
  const items: Item[] = [];
  const live = new Set<Item>();
  // When results leave the context: checked only when a compaction has passed.
  const drops = [...new Set(droppedAt.values())].sort((a, b) => a - b);
  let nextDrop = 0;
  /** Cumulative per-token carried rate: the carried cost of an item is tokens × (rate[to] − rate[from + 1]). */
  const rate: number[] = [0];
  let next = 0;
  let liveTokens = 0;
  for (let j = 0; j < requests.length; j++) {
    const r = requests[j] as ApiRequest;
    // Results a compaction dropped before this request was sent are no longer in its context.
    if (nextDrop < drops.length && (drops[nextDrop] as number) <= r.startTime) {
      while (nextDrop < drops.length && (drops[nextDrop] as number) <= r.startTime) nextDrop++;
      for (const item of [...live]) {
        const dropped = droppedAt.get(item.callId);
        if (dropped !== undefined && dropped <= r.startTime) {
          live.delete(item);
          item.to = j;
          liveTokens -= item.tokens;
        }
      }
    }
    const { newUsd, readUsd, outputUsd } = split(r);
    const newTokens = r.usage.input + r.usage.cacheCreation;
    // Carried: what was live before this request's new results.
    let carriedRate = 0;
    if (liveTokens > 0) {
      if (r.usage.cacheRead > 0) carriedRate = (readUsd / r.usage.cacheRead) * Math.min(1, r.usage.cacheRead / liveTokens);
    }
    // New results: those returned by the time this request was sent.
    // A result a compaction summarised before any request carried it never reached one.
    const arrivals: ToolCallDraft[] = [];
    while (next < results.length && ((results[next] as ToolCallDraft).endTime ?? 0) <= r.startTime) {
      const c = results[next++] as ToolCallDraft;
      const dropped = droppedAt.get(c.id);
      if (dropped === undefined || dropped > r.startTime) arrivals.push(c);
    }
    const previousOutput = j > 0 ? (requests[j - 1] as ApiRequest).usage.output : 0;
    const pool = Math.max(0, newTokens - previousOutput);
    let estimated = 0;
    for (const c of arrivals) estimated += Math.ceil((c.resultBytes ?? 0) / BYTES_PER_TOKEN);
    const scale = estimated > pool ? pool / estimated : 1;
    const newRate = newTokens > 0 ? newUsd / newTokens : 0;
    let arrivalsUsd = 0;
    let arrivalTokens = 0;
    for (const c of arrivals) {
      const tokens = Math.ceil((c.resultBytes ?? 0) / BYTES_PER_TOKEN) * scale;
      const item: Item = { callId: c.id, tokens, resultUsd: tokens * newRate, from: j, to: requests.length };
      arrivalsUsd += item.resultUsd;
      arrivalTokens += tokens;
      items.push(item);
    }
    // A cold cache re-sent the prefix as new input: charged at the new rate, within what the new results left.
    if (liveTokens > 0 && r.usage.cacheRead === 0) carriedRate = Math.min(newRate, Math.max(0, newUsd - arrivalsUsd) / liveTokens);
    rate.push((rate[rate.length - 1] as number) + carriedRate);
    const calls = r.toolCallIds.length;
    for (const id of r.toolCallIds) partsOf(id).callUsd += outputUsd / calls;
    // In a subagent, everything its own calls do not explain was caused by the call that started it.
    if (parentCall !== undefined) partsOf(parentCall).subagentUsd += r.cost.usd - arrivalsUsd - liveTokens * carriedRate - (calls > 0 ? outputUsd : 0);
    for (const item of items.slice(items.length - arrivals.length)) live.add(item);
    liveTokens += arrivalTokens;
  }
  for (const item of items) {
    const p = partsOf(item.callId);
    p.resultUsd += item.resultUsd;
    p.resultTokens += item.tokens;
    // Requests after the first carrier (from + 1) up to the last that carried it (to − 1).
    p.carriedUsd += item.tokens * ((rate[item.to] as number) - (rate[item.from + 1] as number));
  }
}
