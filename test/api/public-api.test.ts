/**
 * The library's public API (src/index.ts): a deliberate list of names, each documented. Anything
 * else is on `claude-code-otel/internal`, without a stability promise.
 */
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import * as api from "../../src/index.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";

/** Every export of a module with its documentation comment (TSDoc), read through the type checker. */
function documentedExports(file: string): { name: string; doc: string }[] {
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  return checker.getExportsOfModule(moduleSymbol).map((s) => {
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    return { name: s.getName(), doc: ts.displayPartsToString(target.getDocumentationComment(checker)).trim() };
  });
}

describe("the public API", () => {
  it("exports these values, no more (about twenty; add one deliberately)", () => {
    expect(Object.keys(api).sort()).toEqual([
      "ATTR",
      "METRIC",
      "RESOURCE_ATTR",
      "SPAN_NAME",
      "SessionMetricProducer",
      "buildResource",
      "buildSession",
      "createPricer",
      "defaultProjectsDir",
      "discoverSessionsSync",
      "emitSession",
      "loadSessionSync",
      "parseTranscriptLine",
      "replay",
      "resolveDestination",
      "scanSessions",
      "sessionToMetricPoints",
      "sessionToReadableSpans",
      "sessionToSpans",
      "spanIdFor",
      "traceIdFor",
    ]);
  });

  it("documents every exported name, values and types", { timeout: 120_000 }, () => {
    const exports = documentedExports(join(REPO_ROOT, "src", "index.ts"));
    expect(exports.length).toBeGreaterThan(50);
    expect(exports.filter((e) => e.doc === "").map((e) => e.name)).toEqual([]);
  });
});
