/** Lines per file and per function under a source root, read with the TypeScript parser. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

export interface FunctionSize {
  /** `file:line name`, the line where the function starts. */
  readonly where: string;
  readonly lines: number;
}

function nameOf(node: ts.Node, source: ts.SourceFile): string {
  const named = node as ts.FunctionDeclaration | ts.MethodDeclaration;
  if (named.name !== undefined) return named.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText(source);
  return "(anonymous)";
}

/** Every function, method, arrow function and accessor of `files` (relative to `root`), nested ones counted in their own right too. */
export function functionSizes(root: string, files: readonly string[]): FunctionSize[] {
  return files.flatMap((file) => functionSizesIn(file, readFileSync(join(root, file), "utf8")));
}

export function functionSizesIn(file: string, text: string): FunctionSize[] {
  const sizes: FunctionSize[] = [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      sizes.push({ where: `${file}:${first + 1} ${nameOf(node, source)}`, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sizes;
}

export function lineCount(root: string, file: string): number {
  const text = readFileSync(join(root, file), "utf8");
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}
