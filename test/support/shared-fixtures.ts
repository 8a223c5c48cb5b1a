import { cpSync, existsSync, mkdtempSync, readdirSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
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

/** Sets every file under `dir` to `ageMs` ago: transcripts that old are finished sessions. */
export function ageAll(dir: string, ageMs: number): void {
  const t = new Date(Date.now() - ageMs);
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) utimesSync(join(entry.parentPath, entry.name), t, t);
  }
}

/** A private copy of the 2.1.330 fixture projects (`<tmp>/projects`), every file idle for two hours. */
export function copyIdleFixtures(prefix: string): { root: string; projects: string } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const projects = join(root, "projects");
  cpSync(FIXTURES_2_1_330 as string, projects, { recursive: true });
  ageAll(projects, 2 * 3600_000);
  return { root, projects };
}
