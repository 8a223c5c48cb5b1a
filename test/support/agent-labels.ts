/**
 * The team agent's label governance (collector/team/agent.yaml, transform/cardinality), read from
 * the file so the tests follow it: its `keep_matching_keys` statements with their environment
 * defaults resolved, and which metric each applies to. Only the conditions the file uses are
 * understood (`IsMatch(metric.name, "...")`, `metric.name == "..."`, their `not`, or none);
 * anything else throws, so an edit the tests cannot read fails loudly.
 */
import { readFileSync } from "node:fs";

export interface KeepRule {
  /** The kept keys: `^(?:...)$` over attribute keys, defaults resolved. */
  readonly keys: RegExp;
  /** Whether the statement applies to a metric (OTLP name). */
  applies(metric: string): boolean;
}

const KEEP = /^\s*- keep_matching_keys\(attributes, "([^"]*)"\)(?: where (.*))?$/;
const ENV_DEFAULT = /\$\{env:[A-Z0-9_]+:-([^}]*)\}/g;
function condition(where: string | undefined): (metric: string) => boolean {
  if (where === undefined) return () => true;
  const not = /^not (.*)$/.exec(where);
  if (not?.[1] !== undefined) {
    const inner = condition(not[1]);
    return (m) => !inner(m);
  }
  const match = /^IsMatch\(metric\.name, "(.*)"\)$/.exec(where);
  if (match?.[1] !== undefined) {
    const re = new RegExp(match[1]);
    return (m) => re.test(m);
  }
  const equal = /^metric\.name == "(.*)"$/.exec(where);
  if (equal?.[1] !== undefined) {
    const name = equal[1];
    return (m) => m === name;
  }
  throw new Error(`agent.yaml: a keep_matching_keys condition the tests cannot read: ${where}`);
}

/** The agent's keep rules, in file order. */
export function agentKeepRules(agentYaml: string): KeepRule[] {
  const rules: KeepRule[] = [];
  for (const line of readFileSync(agentYaml, "utf8").split("\n")) {
    const m = KEEP.exec(line);
    if (m?.[1] === undefined) continue;
    rules.push({ keys: new RegExp(m[1].replace(ENV_DEFAULT, "$1")), applies: condition(m[2]) });
  }
  if (rules.length === 0) throw new Error(`${agentYaml}: no keep_matching_keys statement`);
  return rules;
}

/** The attribute keys of a point of `metric` that survive every rule that applies to it. */
export function keptKeys(rules: readonly KeepRule[], metric: string, keys: Iterable<string>): string[] {
  return [...keys].filter((k) => rules.every((r) => !r.applies(metric) || r.keys.test(k)));
}
