/**
 * Secret redaction applied to anything that may leave the machine or reach a terminal. The
 * rules (rules.ts) follow the families secret scanners cover; they are deliberately broad: a
 * false positive costs a few characters of context, a false negative leaks a credential.
 */
import { RULES } from "./rules.js";

export { REDACTED } from "./rules.js";

export function redactSecrets(text: string): string {
  let out = text;
  for (const rule of RULES) {
    if (rule.hints !== undefined && !rule.hints.some((h) => out.includes(h))) continue;
    // Two overloads of replace: a string template or a function, never a union.
    out = typeof rule.replace === "string" ? out.replace(rule.pattern, rule.replace) : out.replace(rule.pattern, rule.replace);
  }
  return out;
}

/** Truncates to `max` characters, saying how much was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [${text.length - max} more characters]`;
}
