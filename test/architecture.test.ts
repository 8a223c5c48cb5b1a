/**
 * The shape of src/ (DEVELOPERS.md, "Layout"): folders in layers, imports only going down, no
 * cycle between folders or between files, and a hook fast path that loads only what it needs.
 * The checks run on the real tree, and on small made-up graphs to show that each one can fail.
 */
import { describe, expect, it } from "vitest";
import type { Import } from "./support/import-graph.js";
import { cycles, folderOf, layerViolations, readImports, runtimeClosure, SRC_ROOT } from "./support/import-graph.js";
import { functionSizes, functionSizesIn, lineCount } from "./support/source-sizes.js";

/**
 * Bottom first. Folders in one layer are siblings: neither imports the other (so state/ cannot
 * reach mapping/ or report/, and mapping/ cannot reach report/).
 */
const LAYERS: readonly (readonly string[])[] = [
  ["util", "redact", "semconv"],
  ["config"],
  ["transcript", "hook"],
  ["model"],
  ["cost", "mapping", "report", "state"],
  ["sdk"],
  ["delivery"],
  ["pipeline"],
  ["flusher", "alerts", "install"],
  ["cli"],
  ["(root)"],
];

/**
 * Everything `claude-code-otel hook` loads (bundled into dist/hook/hook.cjs), paid on every tool
 * call. Shrink it freely; growing it needs a measurement (`npm run bench:hooks`).
 */
const HOOK_ENTRY = "hook/hook-entry.ts";
const HOOK_FILES = [
  "config/config-file.ts",
  "config/flusher-linger.ts",
  "config/price-overrides.ts",
  "config/state-dir.ts",
  "hook/flush-lock.ts",
  "hook/hook-entry.ts",
  "hook/hook-log.ts",
  "hook/hook-main.ts",
  "hook/payload.ts",
  "hook/spool.ts",
  "hook/stdin.ts",
  "util/file-lock.ts",
  "util/json.ts",
  "util/mask-url.ts",
  "util/pid-alive.ts",
  "util/private-fs.ts",
  "util/text-hash.ts",
];
/** Node built-ins the hook may load; no package at all (node:child_process only when it spawns, through createRequire). */
const HOOK_MODULES = ["node:fs", "node:module", "node:os", "node:path", "node:url"];

const { files, imports } = readImports(SRC_ROOT);
const local = (i: Import): boolean => files.includes(i.to);

describe("the layers of src/", () => {
  it("every folder of src/ is in a layer", () => {
    const placed = new Set(LAYERS.flat());
    expect([...new Set(files.map(folderOf))].filter((f) => !placed.has(f))).toEqual([]);
  });

  it("every import between folders goes down a layer", () => {
    expect(layerViolations(imports, files, LAYERS)).toEqual([]);
  });

  it("no cycle between folders", () => {
    const edges = imports.filter(local).map((i) => [folderOf(i.from), folderOf(i.to)] as const);
    expect(cycles(edges.filter(([a, b]) => a !== b))).toEqual([]);
  });

  it("no cycle between files", () => {
    expect(cycles(imports.filter(local).map((i) => [i.from, i.to] as const))).toEqual([]);
  });

  it("every relative import names a file that exists", () => {
    expect(imports.filter((i) => i.to.endsWith(".ts") && !local(i)).map((i) => `${i.from} → ${i.to}`)).toEqual([]);
  });
});

describe("the hook fast path", () => {
  const loaded = runtimeClosure([HOOK_ENTRY], imports, files);

  it("loads only its allowed files", () => {
    expect([...loaded].sort()).toEqual(HOOK_FILES);
  });

  it("loads no package and only a few node built-ins", () => {
    const modules = imports.filter((i) => loaded.has(i.from) && !i.typeOnly && !local(i)).map((i) => i.to);
    expect([...new Set(modules)].filter((m) => !HOOK_MODULES.includes(m))).toEqual([]);
  });
});

/** Files of at most 300 lines, functions of at most 80 (STYLE.md: one job each). */
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 80;
/**
 * Files allowed past those limits for now (none today). This list only shrinks: an entry whose
 * file fits fails the test.
 */
const SIZE_EXCEPTIONS: string[] = [];
const SIZE_EXCEPTION_FOLDERS: string[] = [];
const excepted = (file: string): boolean => SIZE_EXCEPTIONS.includes(file) || SIZE_EXCEPTION_FOLDERS.some((f) => file.startsWith(f));

describe("file and function sizes", () => {
  const sizes = functionSizes(SRC_ROOT, files);
  const tooLong = (file: string): boolean => lineCount(SRC_ROOT, file) > MAX_FILE_LINES || sizes.some((f) => f.where.startsWith(`${file}:`) && f.lines > MAX_FUNCTION_LINES);

  it(`no file over ${MAX_FILE_LINES} lines`, () => {
    expect(files.filter((f) => !excepted(f) && lineCount(SRC_ROOT, f) > MAX_FILE_LINES).map((f) => `${f}: ${lineCount(SRC_ROOT, f)} lines`)).toEqual([]);
  });

  it(`no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const file = (where: string): string => where.slice(0, where.indexOf(":"));
    expect(sizes.filter((f) => f.lines > MAX_FUNCTION_LINES && !excepted(file(f.where))).map((f) => `${f.where}: ${f.lines} lines`)).toEqual([]);
  });

  it("every file on the exception list still needs it (the list only shrinks)", () => {
    expect(SIZE_EXCEPTIONS.filter((f) => !files.includes(f) || !tooLong(f))).toEqual([]);
  });

  it("the measure itself: a function's lines from its first to its last, nested ones counted too", () => {
    const text = [
      "export function outer(): number {",
      "  const inner = (x: number): number => {",
      "    return x + 1;",
      "  };",
      "  return inner(1);",
      "}",
      "class C {",
      "  constructor() {}",
      "  method(): void {",
      "    void 0;",
      "  }",
      "}",
      "declare function bodiless(): void;",
    ].join("\n");
    expect(functionSizesIn("x.ts", text)).toEqual([
      { where: "x.ts:1 outer", lines: 6 },
      { where: "x.ts:2 inner", lines: 3 },
      { where: "x.ts:8 constructor", lines: 1 },
      { where: "x.ts:9 method", lines: 3 },
    ]);
  });
});

describe("the checks themselves fail on a bad graph", () => {
  const made = ["util/a.ts", "model/b.ts", "model/c.ts", "cli/d.ts", "hook/e.ts", "state/f.ts", "mapping/g.ts", "elsewhere/h.ts"];
  const imp = (from: string, to: string, typeOnly = false): Import => ({ from, to, typeOnly });

  it("an import up a layer, or between siblings, or into an unknown folder", () => {
    const bad = [imp("model/b.ts", "cli/d.ts"), imp("state/f.ts", "mapping/g.ts"), imp("model/b.ts", "elsewhere/h.ts"), imp("cli/d.ts", "model/b.ts")];
    expect(layerViolations(bad, made, LAYERS)).toEqual([
      "model/b.ts → cli/d.ts: model (layer 3) may not import cli (layer 9)",
      "state/f.ts → mapping/g.ts: state (layer 4) may not import mapping (layer 4)",
      "model/b.ts → elsewhere/h.ts: folder elsewhere is in no layer",
    ]);
  });

  it("a cycle between files and between folders", () => {
    expect(
      cycles([
        ["model/b.ts", "model/c.ts"],
        ["model/c.ts", "model/b.ts"],
        ["util/a.ts", "util/a.ts"],
        ["cli/d.ts", "model/b.ts"],
      ]),
    ).toEqual([["model/b.ts", "model/c.ts"], ["util/a.ts"]]);
  });

  it("a hook file that loads more than it should; type-only imports load nothing", () => {
    const graph = [imp("hook/e.ts", "util/a.ts"), imp("util/a.ts", "model/b.ts"), imp("hook/e.ts", "cli/d.ts", true)];
    expect([...runtimeClosure(["hook/e.ts"], graph, made)].sort()).toEqual(["hook/e.ts", "model/b.ts", "util/a.ts"]);
  });
});
