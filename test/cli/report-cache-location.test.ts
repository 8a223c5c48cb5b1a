/**
 * Where `report` writes (its cache, in our home) and where it never does (the transcripts it was
 * pointed at, or a Claude Code folder it cannot write: the cache is then off, said once).
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { reportCachePath } from "../../src/pipeline/report-cache.js";
import { runCli } from "../support/cli.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";

const EXAMPLES = join(REPO_ROOT, "examples", "projects");
const temp = (name: string): string => mkdtempSync(join(tmpdir(), `cco-${name}-`));

/** Every file and folder below `root` with its size and modification time: equal trees were not written. */
function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const s = statSync(path);
      out.push(`${relative(root, path)} ${entry.isDirectory() ? "dir" : s.size} ${s.mtimeMs}`);
      if (entry.isDirectory()) walk(path);
    }
  };
  walk(root);
  return out.sort();
}

function copyOfExamples(): { root: string; projects: string } {
  const root = temp("claude");
  const projects = join(root, "projects");
  cpSync(EXAMPLES, projects, { recursive: true });
  return { root, projects };
}

describe("report writes its cache in our home, and only there", () => {
  it("CLAUDE_CONFIG_DIR set: $CLAUDE_CONFIG_DIR/otel/cache/report-<hash>.jsonl, --verbose names it; the transcripts are untouched", async () => {
    const { root, projects } = copyOfExamples();
    const before = tree(projects);
    const r = await runCli(["report", "--verbose"], { env: { CLAUDE_CONFIG_DIR: root } });
    expect(r.code).toBe(0);
    const file = reportCachePath(join(root, "otel"), projects);
    expect(file).toMatch(new RegExp(`^${root}/otel/cache/report-[0-9a-f]{16}\\.jsonl$`));
    expect(r.stderr).toBe(`claude-code-otel: report cache: ${file}\n`);
    expect(tree(projects)).toEqual(before);
    expect(
      tree(root)
        .filter((l) => !l.startsWith("projects"))
        .map((l) => l.split(" ")[0]),
    ).toEqual(["otel", "otel/cache", `otel/cache/${relative(join(root, "otel", "cache"), file)}`]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("--projects-dir elsewhere: the cache goes to our home, never beside the transcripts; CLAUDE_CODE_OTEL_HOME moves it", async () => {
    const { projects } = copyOfExamples();
    const home = temp("otel-home");
    const before = tree(projects);
    const r = await runCli(["report", "--projects-dir", projects], { env: { CLAUDE_CODE_OTEL_HOME: home } });
    expect(r.code).toBe(0);
    expect(tree(projects)).toEqual(before);
    expect(readdirSync(join(home, "cache"))).toEqual([reportCachePath(home, projects).split("/").pop()]);
  });

  it("--no-cache writes nothing at all", async () => {
    const { root } = copyOfExamples();
    const before = tree(root);
    expect((await runCli(["report", "--no-cache"], { env: { CLAUDE_CONFIG_DIR: root } })).code).toBe(0);
    expect(tree(root)).toEqual(before);
  });
});

describe("a Claude Code folder we cannot write: the report works, the cache is off, said once", () => {
  it("(a file where the cache folder would be) same report as --no-cache, one line saying why, nothing left behind", async () => {
    const { root, projects } = copyOfExamples();
    mkdirSync(join(root, "otel"));
    writeFileSync(join(root, "otel", "cache"), "not a folder");
    const before = tree(root);
    const r = await runCli(["report", "--daily"], { env: { CLAUDE_CONFIG_DIR: root } });
    const plain = await runCli(["report", "--daily", "--no-cache", "--projects-dir", projects]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(plain.stdout);
    expect(r.stderr).toBe(
      `claude-code-otel: report cache off: cannot write ${join(root, "otel", "cache")}: not a directory (the report is complete; --no-cache skips the cache and this line)\n`,
    );
    expect(tree(root)).toEqual(before);
  });

  // A real read-only file system (tmpfs remounted read-only) where mounting is allowed (root with
  // CAP_SYS_ADMIN, as on this project's machines); elsewhere the test above covers the same path.
  const mountPoint = temp("ro-mount");
  const canMount = spawnSync("mount", ["-t", "tmpfs", "-o", "size=16m", "cco-test", mountPoint]).status === 0;
  afterAll(() => {
    if (canMount) spawnSync("umount", [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it.skipIf(!canMount)("(CLAUDE_CONFIG_DIR on a read-only mount) the report works and says the file system is read-only", async () => {
    cpSync(EXAMPLES, join(mountPoint, "projects"), { recursive: true });
    mkdirSync(join(mountPoint, "otel"));
    expect(spawnSync("mount", ["-o", "remount,ro", mountPoint]).status).toBe(0);
    const before = tree(mountPoint);
    const r = await runCli(["report", "--json"], { env: { CLAUDE_CONFIG_DIR: mountPoint } });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { totals: { sessions: number } }).totals.sessions).toBe(5);
    expect(r.stderr).toBe(
      `claude-code-otel: report cache off: cannot write ${join(mountPoint, "otel", "cache")}: read-only file system (the report is complete; --no-cache skips the cache and this line)\n`,
    );
    expect(tree(mountPoint)).toEqual(before);
  });
});
