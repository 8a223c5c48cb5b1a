/**
 * The extra corpus ../shared/fixtures: optional on a plain clone (also under `npm run test:all`),
 * required in CI. Each case runs in a child process: the corpus path is read once at module load.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./shared-fixtures.js";

function requireIn(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const source = `import { requireSharedFixtures } from ${JSON.stringify(join(REPO_ROOT, "test", "support", "shared-fixtures.ts"))};
    try { process.stdout.write(String(requireSharedFixtures("the corpus test"))); } catch (e) { process.stdout.write("threw: " + e.message); }`;
  const base = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", CLAUDE_CODE_OTEL_SHARED_FIXTURES: "/nonexistent/shared/fixtures" };
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", source], { cwd: REPO_ROOT, env: { ...base, ...env }, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("requireSharedFixtures without ../shared", () => {
  it("on a laptop: skip, with a message naming what is skipped", () => {
    const r = requireIn({});
    expect(r.stdout).toBe("false");
    expect(r.stderr).toContain("SKIPPED the corpus test: the extra corpus ../shared/fixtures is not beside the checkout");
  });

  it("in CI: a failure", () => {
    expect(requireIn({ CI: "true" }).stdout).toBe("threw: ../shared/fixtures is missing: CI must run beside the shared folder");
  });

  it("under npm run test:all outside CI (CI=true, the corpus optional): skip", () => {
    expect(requireIn({ CI: "true", CLAUDE_CODE_OTEL_SHARED_FIXTURES_OPTIONAL: "1" }).stdout).toBe("false");
  });
});
