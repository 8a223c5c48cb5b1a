/**
 * Which Claude Code CLI the recorder and the real-client tests run, and where it comes from.
 *
 * - The pinned dev dependency (`@anthropic-ai/claude-code` in package.json, installed by `npm ci`)
 *   is the default, and what CI runs.
 * - `CLAUDE_CODE_VERSION=<version>` (or a `version` argument) selects another release from npm;
 *   it is installed on first use into `.cache/claude-code/<version>/` (never into package.json).
 *
 * Releases up to 2.1.112 are one JavaScript file (`cli.js`, run with this Node); later ones are
 * a native binary in a per-platform package.
 */
import { execFileSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { arch, platform } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE = "@anthropic-ai/claude-code";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Where selected releases are installed: `.cache/claude-code/<version>/node_modules/...`. */
export const CLAUDE_CACHE = process.env["CLAUDE_CODE_CACHE_DIR"] ?? join(REPO_ROOT, ".cache", "claude-code");

/** A runnable Claude Code CLI: spawn `command` with `args` first, then the CLI's own arguments. */
export interface ClaudeCli {
  /** The version it reports (from its package.json). */
  version: string;
  command: string;
  args: string[];
  /** `native` (a platform binary) or `js` (cli.js under this Node). */
  kind: "native" | "js";
  /** true for the devDependency in node_modules, false for a release from the cache. */
  pinned: boolean;
}

/** The devDependency's version from package.json (2.1.330 at the time of writing). */
export function pinnedClaudeVersion(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { devDependencies?: Record<string, string> };
  const spec = pkg.devDependencies?.[PACKAGE];
  if (spec === undefined || !/^\d+\.\d+\.\d+$/.test(spec)) throw new Error(`package.json must pin ${PACKAGE} to an exact version`);
  return spec;
}

/** `CLAUDE_CODE_VERSION` when set (and not empty), else the pinned version. */
export function selectedClaudeVersion(): string {
  const fromEnv = process.env["CLAUDE_CODE_VERSION"]?.trim();
  return fromEnv === undefined || fromEnv === "" ? pinnedClaudeVersion() : fromEnv;
}

/**
 * The CLI for `version` (default: {@link selectedClaudeVersion}) if it is installed, else
 * undefined. Never installs: see {@link ensureClaudeCli}.
 */
export function claudeCli(version: string = selectedClaudeVersion()): ClaudeCli | undefined {
  if (version === pinnedClaudeVersion()) {
    const found = findInPackageRoot(join(REPO_ROOT, "node_modules"));
    if (found !== undefined && found.version === version) return { ...found, pinned: true };
    return undefined;
  }
  const found = findInPackageRoot(join(cacheDir(version), "node_modules"));
  return found !== undefined && found.version === version ? { ...found, pinned: false } : undefined;
}

/**
 * The CLI for `version`, installing it from npm into the cache first when needed (the pinned
 * version comes from `npm ci` and is never installed here). Throws when npm fails.
 */
export function ensureClaudeCli(version: string = selectedClaudeVersion()): ClaudeCli {
  const present = claudeCli(version);
  if (present !== undefined) return present;
  if (version === pinnedClaudeVersion()) throw new Error(`${PACKAGE}@${version} is not installed under node_modules: run npm ci`);
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`CLAUDE_CODE_VERSION must be an exact version such as 2.1.332, got "${version}"`);
  const dir = cacheDir(version);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, "package.json"))) writeFileSync(join(dir, "package.json"), '{ "private": true }\n');
  // --ignore-scripts: the native wrapper's postinstall only copies the platform binary, which
  // findInPackageRoot also finds in place; old releases have no scripts worth running.
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock", "--ignore-scripts", `${PACKAGE}@${version}`], {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const installed = claudeCli(version);
  if (installed === undefined) throw new Error(`${PACKAGE}@${version} installed into ${dir} but no runnable CLI was found (platform ${platform()}-${arch()})`);
  return installed;
}

/**
 * The CLI a real-client test runs: an explicitly requested `CLAUDE_CODE_VERSION` is installed
 * on first use (the developer asked for it); the pinned version is only looked up, so a plain
 * `npm test` never reaches the network. Undefined when the pinned CLI is not installed.
 */
export function testClaudeCli(): ClaudeCli | undefined {
  const requested = process.env["CLAUDE_CODE_VERSION"]?.trim();
  return requested === undefined || requested === "" ? claudeCli() : ensureClaudeCli(requested);
}

function cacheDir(version: string): string {
  return join(CLAUDE_CACHE, version);
}

/** The CLI inside a node_modules folder: cli.js, or the native binary (wrapper or platform package). */
function findInPackageRoot(nodeModules: string): Omit<ClaudeCli, "pinned"> | undefined {
  const root = join(nodeModules, PACKAGE);
  const version = packageVersion(root);
  if (version === undefined) return undefined;
  const js = join(root, "cli.js");
  if (existsSync(js)) return { version, command: process.execPath, args: [js], kind: "js" };
  const os = platform();
  const cpu = arch();
  const candidates = [
    join(nodeModules, ".bin", "claude"),
    join(root, "bin", "claude.exe"),
    join(nodeModules, `${PACKAGE}-${os}-${cpu}`, "claude"),
    join(nodeModules, `${PACKAGE}-${os}-${cpu}-musl`, "claude"),
  ];
  const binary = candidates.find(isNativeExecutable);
  return binary === undefined ? undefined : { version, command: binary, args: [], kind: "native" };
}

function packageVersion(root: string): string | undefined {
  try {
    const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: unknown }).version;
    return typeof version === "string" ? version : undefined;
  } catch {
    return undefined;
  }
}

function isNativeExecutable(path: string): boolean {
  if (!existsSync(path)) return false;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return false;
  }
  // The wrapper package ships a small placeholder until postinstall replaces it; the real
  // binary is hundreds of MB.
  return statSync(path).size > 1_000_000;
}
