/**
 * The import graph of `src/`, read with the TypeScript parser (static imports, `export … from`,
 * dynamic `import("…")`; type-only imports included: they couple folders as much as any other).
 * Used by test/architecture.test.ts and by `npm run graph`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, relative } from "node:path";
import ts from "typescript";

export interface Import {
  /** Importing file, relative to the source root, `/`-separated (`model/build-session.ts`). */
  readonly from: string;
  /** A file under the root for a relative specifier, else the bare specifier (`node:fs`, `@opentelemetry/api`). */
  readonly to: string;
  readonly typeOnly: boolean;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return walk(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path] : [];
  });
}

function importsOf(text: string, fileName: string): { specifier: string; typeOnly: boolean }[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const found: { specifier: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly = ts.isImportDeclaration(node) ? node.importClause?.isTypeOnly === true : node.isTypeOnly;
      found.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg !== undefined && ts.isStringLiteralLike(arg)) found.push({ specifier: arg.text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every import of every `.ts` file under `root`. */
export function readImports(root: string): { files: string[]; imports: Import[] } {
  const paths = walk(root);
  const files = paths.map((p) => relative(root, p).split("\\").join("/")).sort();
  const imports: Import[] = [];
  for (const path of paths) {
    const from = relative(root, path).split("\\").join("/");
    for (const { specifier, typeOnly } of importsOf(readFileSync(path, "utf8"), path)) {
      const to = specifier.startsWith(".") ? posix.normalize(posix.join(posix.dirname(from), specifier)).replace(/\.js$/, ".ts") : specifier;
      imports.push({ from, to, typeOnly });
    }
  }
  return { files, imports };
}

/** A file's folder: the first path segment (`mapping/destinations/x.ts` is in `mapping`); `(root)` for `index.ts`. */
export function folderOf(file: string): string {
  const slash = file.indexOf("/");
  return slash === -1 ? "(root)" : file.slice(0, slash);
}

export function isLocal(i: Import, files: readonly string[]): boolean {
  return files.includes(i.to);
}

/** Folder → folder → number of imports, local imports between different folders only. */
export function folderGraph(imports: readonly Import[], files: readonly string[]): Map<string, Map<string, number>> {
  const graph = new Map<string, Map<string, number>>();
  for (const i of imports) {
    if (!isLocal(i, files)) continue;
    const a = folderOf(i.from);
    const b = folderOf(i.to);
    if (a === b) continue;
    const row = graph.get(a) ?? new Map<string, number>();
    row.set(b, (row.get(b) ?? 0) + 1);
    graph.set(a, row);
  }
  return graph;
}

/** Strongly connected components of more than one node, or a node importing itself: the cycles. */
export function cycles(edges: readonly (readonly [string, string])[]): string[][] {
  const next = new Map<string, string[]>();
  const nodes = new Set<string>();
  for (const [a, b] of edges) {
    nodes.add(a);
    nodes.add(b);
    next.set(a, [...(next.get(a) ?? []), b]);
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (next.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const n of [...nodes].sort()) if (!index.has(n)) connect(n);
  return found;
}

/**
 * Imports that do not go strictly down `layers` (bottom first; folders in one layer are
 * siblings and may not import each other). A folder missing from `layers` is a violation too.
 */
export function layerViolations(imports: readonly Import[], files: readonly string[], layers: readonly (readonly string[])[]): string[] {
  const rank = new Map<string, number>();
  layers.forEach((layer, i) => layer.forEach((folder) => rank.set(folder, i)));
  const out: string[] = [];
  for (const i of imports) {
    if (!isLocal(i, files)) continue;
    const a = folderOf(i.from);
    const b = folderOf(i.to);
    if (a === b) continue;
    const ra = rank.get(a);
    const rb = rank.get(b);
    if (ra === undefined || rb === undefined) out.push(`${i.from} → ${i.to}: folder ${ra === undefined ? a : b} is in no layer`);
    else if (rb >= ra) out.push(`${i.from} → ${i.to}: ${a} (layer ${ra}) may not import ${b} (layer ${rb})`);
  }
  return out;
}

/** Files reached from `entries` by imports that load code (type-only imports are erased). */
export function runtimeClosure(entries: readonly string[], imports: readonly Import[], files: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...entries];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const i of imports) if (i.from === file && !i.typeOnly && isLocal(i, files)) todo.push(i.to);
  }
  return seen;
}

/** `a -> b(3), c(1)` lines, one per folder, for the notes and `npm run graph`. */
export function printFolderGraph(graph: ReadonlyMap<string, ReadonlyMap<string, number>>): string {
  return [...graph]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([a, row]) =>
        `${a} -> ${[...row]
          .sort(([x], [y]) => x.localeCompare(y))
          .map(([b, n]) => `${b}(${n})`)
          .join(", ")}`,
    )
    .join("\n");
}

export const SRC_ROOT = join(dirname(new URL(import.meta.url).pathname), "..", "..", "src");
