import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./shared-fixtures.js";

export interface CcusageGroup {
  period: string;
  totalCost: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
}

/** ccusage 20's native binary (the npm package's platform dependency), if installed. */
export function ccusageBinary(): string | undefined {
  const bin = join(REPO_ROOT, "node_modules", "@ccusage", `ccusage-${process.platform}-${process.arch}`, "bin", "ccusage");
  if (existsSync(bin)) {
    // 20.0.20's tarball ships the binary without its exec bit (its wrapper fixes that on first run).
    if ((statSync(bin).mode & 0o111) === 0) chmodSync(bin, 0o755);
    return bin;
  }
  const wrapper = join(REPO_ROOT, "node_modules", ".bin", "ccusage");
  return existsSync(wrapper) ? wrapper : undefined;
}

/** Runs `ccusage session --json --offline` on a projects folder (through a temp CLAUDE_CONFIG_DIR). */
export function ccusageSessions(projectsDir: string): CcusageGroup[] {
  const bin = ccusageBinary();
  if (bin === undefined) throw new Error("ccusage is not installed (npm install)");
  const config = mkdtempSync(join(tmpdir(), "ccusage-"));
  symlinkSync(projectsDir, join(config, "projects"));
  const out = execFileSync(bin, ["session", "--json", "--offline"], {
    env: { ...process.env, CLAUDE_CONFIG_DIR: config, HOME: config, TZ: "UTC", NO_COLOR: "1" },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  return (JSON.parse(out) as { session: CcusageGroup[] }).session;
}
