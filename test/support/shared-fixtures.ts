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

/** Skips (with a reason) when the shared fixtures are absent; in CI their absence is a failure. */
export function requireSharedFixtures(): boolean {
  if (SHARED_FIXTURES !== undefined) return true;
  if (process.env["CI"] === "true") throw new Error("../shared/fixtures is missing: CI must run beside the shared folder");
  console.warn("SKIPPED: ../shared/fixtures not found beside the checkout; fixture tests need it (set CLAUDE_CODE_OTEL_SHARED_FIXTURES)");
  return false;
}
