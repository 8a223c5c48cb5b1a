/**
 * Telemetry health behind the team kit: the rules file's expressions made runnable at any time
 * (recording rules expanded in place), and Claude Code's own api_request events as its 2.1.330
 * binary logs them, for the native request count the agent's count connector makes.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { LogSpec } from "./otlp-json.js";
import { RULES_FILE } from "./prometheus.js";

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
}

export function rulesFile(file = RULES_FILE): Rule[] {
  const doc = parse(readFileSync(file, "utf8")) as { groups: { rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

/** The expression of the alert `name` whose labels include `labels`. */
export function alertExpr(rules: readonly Rule[], name: string, labels: Record<string, string>): string {
  const found = rules.filter((r) => r.alert === name && Object.entries(labels).every(([k, v]) => r.labels?.[k] === v));
  if (found.length !== 1 || found[0] === undefined) throw new Error(`${found.length} alerts ${name} with ${JSON.stringify(labels)}`);
  return found[0].expr;
}

/**
 * `expr` with every recording rule it names replaced by that rule's expression, recursively: what
 * Prometheus would have recorded, computed at query time. Only bare uses are expanded (a matcher
 * on a recorded name cannot be moved inside an expression): one with a matcher throws.
 */
export function expandRecords(expr: string, rules: readonly Rule[], depth = 0): string {
  if (depth > 5) throw new Error("recording rules nested too deep");
  let out = expr;
  for (const r of rules) {
    if (r.record === undefined || !out.includes(r.record)) continue;
    const escaped = r.record.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    if (new RegExp(`${escaped}\\s*\\{`).test(out)) throw new Error(`${r.record} is used with a matcher: cannot expand`);
    out = out.replace(new RegExp(`(?<![\\w:])${escaped}(?![\\w:])`, "g"), `(${expandRecords(r.expr.trim(), rules, depth + 1)})`);
  }
  return out;
}

/** One api_request event of Claude Code 2.1.330 (collector-health.test.ts has the recorded attribute set). */
export function apiRequestEvent(session: string, model: string, querySource: string, i: number, timeMs: number): LogSpec {
  return {
    body: "claude_code.api_request",
    timeMs,
    attributes: {
      "user.id": "657e2f20",
      "session.id": session,
      "terminal.type": "dumb",
      "event.name": "api_request",
      "event.sequence": i,
      model,
      input_tokens: 500,
      output_tokens: 100,
      cost_usd: 0.01425,
      request_id: `req_${session}_${i}`,
      query_source: querySource,
    },
  };
}
