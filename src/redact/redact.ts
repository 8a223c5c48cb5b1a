/**
 * Secret redaction applied to anything that may leave the machine or reach a terminal.
 * Patterns are deliberately broad: a false positive costs a few characters of context,
 * a false negative leaks a credential.
 */

const REDACTED = "[REDACTED]";

interface Rule {
  readonly pattern: RegExp;
  /** Replacement; `$1` keeps a non-secret prefix such as a variable name or URL scheme. */
  readonly replace: string;
}

const RULES: readonly Rule[] = [
  // PEM private keys, whole block.
  { pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, replace: REDACTED },
  // Provider API keys and tokens.
  { pattern: /\bsk-ant-[A-Za-z0-9_-]{10,}/g, replace: REDACTED },
  { pattern: /\b(?:sk|pk)-lf-[A-Za-z0-9-]{8,}/g, replace: REDACTED },
  { pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g, replace: REDACTED },
  { pattern: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}/g, replace: REDACTED },
  { pattern: /\bgithub_pat_[A-Za-z0-9_]{20,}/g, replace: REDACTED },
  { pattern: /\bglpat-[A-Za-z0-9_-]{20,}/g, replace: REDACTED },
  { pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, replace: REDACTED },
  { pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g, replace: REDACTED },
  { pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, replace: REDACTED },
  { pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+/g, replace: `https://hooks.slack.com/services/${REDACTED}` },
  { pattern: /\bnpm_[A-Za-z0-9]{36}\b/g, replace: REDACTED },
  { pattern: /\bhf_[A-Za-z0-9]{30,}\b/g, replace: REDACTED },
  { pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}/g, replace: REDACTED },
  { pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, replace: REDACTED },
  // Authorization headers.
  { pattern: /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, replace: `$1 ${REDACTED}` },
  // Passwords in URLs: scheme://user:password@host
  { pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+):[^\s@/]+@/gi, replace: `$1:${REDACTED}@` },
  // .env-style and header-style assignments of secret-looking names.
  {
    pattern: /\b([A-Za-z0-9_.-]*(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|PRIVATE|CREDENTIAL|AUTH)[A-Za-z0-9_.-]*)(\s*[=:]\s*)(["']?)[^\s"']{4,}\3/gi,
    replace: `$1$2$3${REDACTED}$3`,
  },
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const rule of RULES) out = out.replace(rule.pattern, rule.replace);
  return out;
}

/** Truncates to `max` characters, saying how much was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [${text.length - max} more characters]`;
}
