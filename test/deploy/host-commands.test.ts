// The "without Docker" commands of the README and docs/deployment.md, as a user pastes them from
// the checkout: Prometheus and Alertmanager keep their data outside the repository (without a
// storage path both write ./data/ into the current folder), and the README's Prometheus line,
// run for real, does.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, freePort, promBinary, requireTool } from "../support/prometheus.js";

const README = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
const DEPLOYMENT = readFileSync(join(REPO_ROOT, "docs", "deployment.md"), "utf8");

/** Shell commands (backslash continuations joined) in the ```sh blocks of a Markdown text. */
function shellCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  return blocks.flatMap((b) => b.replace(/\\\n\s*/g, "").split("\n")).map((l) => l.replace(/\s+#.*$/, "").trim());
}

const commands = [...shellCommands(README), ...shellCommands(DEPLOYMENT)];
const fromCheckout = (binary: string, config: string): string[] => commands.filter((c) => c.startsWith(`${binary} --config.file=${config}`));

describe("host commands run from the checkout", () => {
  it("give Prometheus and Alertmanager a data folder outside the checkout, and listen on loopback", () => {
    const prometheus = fromCheckout("prometheus", "prometheus/prometheus.yml");
    const alertmanager = fromCheckout("alertmanager", "alertmanager/alertmanager.yml");
    expect(prometheus.length).toBeGreaterThanOrEqual(2);
    expect(alertmanager.length).toBeGreaterThanOrEqual(1);
    for (const c of prometheus) expect(c).toMatch(/ --storage\.tsdb\.path="\$\{XDG_DATA_HOME:-\$HOME\/\.local\/share\}\/claude-code-otel\/prometheus"/);
    for (const c of alertmanager) expect(c).toMatch(/ --storage\.path="\$\{XDG_DATA_HOME:-\$HOME\/\.local\/share\}\/claude-code-otel\/alertmanager"/);
    for (const c of [...prometheus, ...alertmanager]) expect(c).toMatch(/ --web\.listen-address=127\.0\.0\.1:\d+/);
    expect(readFileSync(join(REPO_ROOT, ".gitignore"), "utf8").split("\n")).toContain("/data/");
  });

  const available = requireTool("prometheus", "PROMETHEUS_BIN") !== undefined && promBinary() !== undefined;

  it.skipIf(!available)("the README's Prometheus line keeps its TSDB under $HOME/.local/share/claude-code-otel", async () => {
    const line = fromCheckout("prometheus", "prometheus/prometheus.yml")
      .find((c) => README.includes(c))
      ?.replace(/\s*&$/, "");
    expect(line).toBeDefined();
    const home = mkdtempSync(join(tmpdir(), "cco-prom-home-"));
    const port = await freePort();
    const command = `exec ${(line ?? "").replace(/^prometheus /, `${promBinary() ?? "prometheus"} `).replace(/127\.0\.0\.1:9090/, `127.0.0.1:${port}`)} --log.level=warn`;
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    delete env["XDG_DATA_HOME"];
    const child = spawn("bash", ["-c", command], { cwd: REPO_ROOT, env, stdio: "ignore" });
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    try {
      const deadline = Date.now() + 30_000;
      let flags: Record<string, string> | undefined;
      while (!flags && Date.now() < deadline) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/api/v1/status/flags`, { signal: AbortSignal.timeout(1_000) });
          if (res.ok) flags = ((await res.json()) as { data: Record<string, string> }).data;
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      const dataDir = join(home, ".local", "share", "claude-code-otel", "prometheus");
      expect(flags?.["storage.tsdb.path"]).toBe(dataDir);
      expect(flags?.["config.file"]).toBe("prometheus/prometheus.yml");
      expect(existsSync(join(dataDir, "wal"))).toBe(true);
    } finally {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
    }
  });
});
