/**
 * The extra corpus `../shared/fixtures` beside the checkout: another recording of Claude Code
 * 2.1.330 and public third-party transcripts and hook payloads (1.0.17 to 2.1.114). Tests that read
 * it are extra coverage: skipped with a message on a plain clone, required under CI=true. The
 * suite's own fixtures are in test/fixtures (recorded-fixtures.ts).
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** `../shared/fixtures` beside the checkout (CI has it); undefined on a laptop without it. */
export const SHARED_FIXTURES: string | undefined = (() => {
  const dir = process.env["CLAUDE_CODE_OTEL_SHARED_FIXTURES"] ?? join(REPO_ROOT, "..", "shared", "fixtures");
  return existsSync(dir) ? dir : undefined;
})();

export const FIXTURES_2_1_330 = SHARED_FIXTURES && join(SHARED_FIXTURES, "claude-code-2.1.330", "claude-home", "projects");
export const PUBLIC_FIXTURES = SHARED_FIXTURES && join(SHARED_FIXTURES, "public");

/**
 * Skips (with a reason) when the shared fixtures are absent; in CI their absence is a failure,
 * except under `npm run test:all` started outside CI (CLAUDE_CODE_OTEL_SHARED_FIXTURES_OPTIONAL=1,
 * set by scripts/test-all.sh): a plain clone has no ../shared beside it.
 */
export function requireSharedFixtures(what = "extra-corpus tests"): boolean {
  if (SHARED_FIXTURES !== undefined) return true;
  if (process.env["CI"] === "true" && process.env["CLAUDE_CODE_OTEL_SHARED_FIXTURES_OPTIONAL"] !== "1") {
    throw new Error("../shared/fixtures is missing: CI must run beside the shared folder");
  }
  console.warn(`SKIPPED ${what}: the extra corpus ../shared/fixtures is not beside the checkout (set CLAUDE_CODE_OTEL_SHARED_FIXTURES); the suite's own fixtures still ran`);
  return false;
}
