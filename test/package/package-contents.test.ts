/**
 * The packed package holds every file the README and docs tell a user to use: an installed copy
 * (npm install -g <tarball>, or a git URL in a project) must not miss the deployment kit or the examples.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/shared-fixtures.js";

/** The documents a user reads, and the folders whose files they are told to use. */
const DOCS = ["README.md", "collector/README.md", ...readdirSync(join(REPO_ROOT, "docs")).map((f) => `docs/${f}`)];
const USER_FOLDERS = ["bin", "collector", "jaeger", "prometheus", "alertmanager", "grafana", "examples", "docs", "dist"];
/** Named in the docs as files the user creates, not files we ship. */
const USER_MADE = new Set(["examples/.env", "examples/collector.env"]);

/** `npm pack --dry-run`: the files the tarball would hold (dist/ as `npm test` built it). */
function packedFiles(): string[] {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return (JSON.parse(out) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path) ?? [];
}

/** `a/{b,c}.yaml` → `a/b.yaml`, `a/c.yaml`. */
function expandBraces(path: string): string[] {
  const m = /\{([^}]*)\}/.exec(path);
  if (m === null) return [path];
  return (m[1] ?? "").split(",").flatMap((alt) => expandBraces(path.replace(m[0], alt)));
}

/** Repository paths a document names: `code spans` and relative links, resolved from the document's folder. */
function pathsNamedIn(doc: string): string[] {
  const text = readFileSync(join(REPO_ROOT, doc), "utf8");
  const named = new Set<string>();
  const candidates = [...text.matchAll(/`([^`\s]+)`/g), ...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1] ?? "");
  for (const raw of candidates) {
    if (/^[a-z]+:|^\/|^\.\.\/shared|^~/.test(raw)) continue;
    for (const expanded of expandBraces(raw.replace(/^\.\//, ""))) {
      for (const base of [dirname(doc), "."]) {
        const path = normalize(join(base, expanded)).replace(/\/$/, "");
        if (!USER_FOLDERS.includes(path.split("/")[0] ?? "") && !/^[A-Z]+\.md$/.test(path)) continue;
        if (path.includes("*") ? globMatchesAFile(path) : existsSync(join(REPO_ROOT, path))) {
          named.add(path);
          break;
        }
      }
    }
  }
  return [...named].filter((p) => !USER_MADE.has(p));
}

/** A pattern like `grafana/dashboards/*.json` (a `*` in the last segment only) matches a file of the repository. */
function globMatchesAFile(path: string): boolean {
  const dir = dirname(path);
  if (dir.includes("*") || !existsSync(join(REPO_ROOT, dir))) return false;
  const pattern = globRegExp(path.slice(dir.length + 1));
  return readdirSync(join(REPO_ROOT, dir)).some((name) => pattern.test(name));
}

function globRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`);
}

/** A named path is in the package when it is a packed file, a folder holding packed files, or a glob matching some. */
function inPackage(path: string, files: readonly string[]): boolean {
  if (path.includes("*")) return files.some((f) => globRegExp(path).test(f));
  return files.includes(path) || files.some((f) => f.startsWith(`${path}/`));
}

describe("npm pack", () => {
  const files = packedFiles();

  it("ships the CLI, its built code, the deployment kit, the examples and the docs", () => {
    const top = [...new Set(files.map((f) => f.split("/")[0]))].sort();
    expect(top).toEqual(["DEVELOPERS.md", "README.md", "alertmanager", "bin", "collector", "dist", "docs", "examples", "grafana", "jaeger", "package.json", "prometheus"]);
    for (const f of [
      "bin/claude-code-otel.js",
      "bin/claude-code-otel.cjs",
      "dist/cli/main.js",
      "dist/hook/hook.cjs",
      "dist/pipeline/catch-up-worker.bundle.mjs",
      "dist/index.d.ts",
    ]) {
      expect(files, f).toContain(f);
    }
  });

  it("ships every file and folder the README and docs name", () => {
    const named = DOCS.flatMap((doc) => pathsNamedIn(doc).map((path) => ({ doc, path })));
    // The extraction finds the kit's files (a check that it reads the docs at all).
    expect(named.map((n) => n.path)).toEqual(
      expect.arrayContaining([
        "alertmanager/alertmanager.yml",
        "examples/docker-compose.yml",
        "examples/projects",
        "collector/overlays/langfuse.yaml",
        "grafana/dashboards/*.json",
        "docs/deployment.md",
      ]),
    );
    expect(named.filter((n) => !inPackage(n.path, files)).map((n) => `${n.doc}: ${n.path}`)).toEqual([]);
  });

  it("the README's install outside the clone names the tarball npm pack writes and every kit folder it ships", () => {
    const { name, version } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { name: string; version: string };
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Install outside the clone"), readme.indexOf("## Install the hook"));
    const tarballs = [...section.matchAll(/[\w.-]+\.tgz/g)].map((m) => m[0]);
    expect(tarballs.length).toBeGreaterThanOrEqual(2);
    expect(new Set(tarballs)).toEqual(new Set([`${name}-${version}.tgz`]));
    const kit = /the deployment kit\s+\(([^)]*)\)/.exec(section)?.[1] ?? "";
    const kitFolders = ["collector", "jaeger", "prometheus", "alertmanager", "grafana"];
    expect([...kit.matchAll(/`([a-z]+)\/`/g)].map((m) => m[1]).sort()).toEqual([...kitFolders].sort());
    for (const folder of kitFolders) expect(inPackage(folder, files), folder).toBe(true);
  });

  it("ships no tests, sources, benches or local state", () => {
    expect(files.filter((f) => /^(src|test|bench|scripts|node_modules|\.cache)\//.test(f) || f.endsWith(".tgz"))).toEqual([]);
  });
});
