/**
 * The README's TypeScript: every ```ts block there typechecks against the built package
 * (`claude-code-otel` as a user installs it: package.json exports → dist/) and runs with Node on
 * the recorded examples. Needs `npm run build` (npm test builds first).
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionToSpans } from "../../src/index.js";
import { expectTotalsEqualReport } from "../support/exported-spans.js";
import { startOtlpReceiver, type OtlpReceiver } from "../support/otlp-receiver.js";
import { EXAMPLES } from "../support/recorded-fixtures.js";
import { loadAllSessions } from "../support/sessions.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";

const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1] as string);
const built = existsSync(join(REPO_ROOT, "dist", "index.js")) && existsSync(join(REPO_ROOT, "dist", "index.d.ts"));
if (!built && process.env["CI"] === "true") throw new Error("dist/ is missing: npm test builds before testing");

/** A user's project: claude-code-otel and the OpenTelemetry packages in its node_modules, the examples as its projects. */
const home = mkdtempSync(join(tmpdir(), "cco-readme-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));
mkdirSync(join(home, "node_modules"));
symlinkSync(REPO_ROOT, join(home, "node_modules", "claude-code-otel"));
symlinkSync(join(REPO_ROOT, "node_modules", "@opentelemetry"), join(home, "node_modules", "@opentelemetry"));
symlinkSync(join(REPO_ROOT, "node_modules", "@types"), join(home, "node_modules", "@types"));
cpSync(EXAMPLES.projects, join(home, "claude", "projects"), { recursive: true });
cpSync(EXAMPLES.projects, join(home, "projects"), { recursive: true });
const files = blocks.map((code, i) => {
  const path = join(home, `block-${i + 1}.mts`);
  writeFileSync(path, code);
  return path;
});

/**
 * Runs block `n` (1-based) as a user would: transpiled to an .mjs in the project, Node, a fresh
 * HOME. Asynchronously: a receiver in this process must answer meanwhile.
 */
async function runBlock(n: number, env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const js = ts.transpileModule(blocks[n - 1] as string, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const path = join(home, `block-${n}.mjs`);
  writeFileSync(path, js);
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("OTEL_") && !k.startsWith("CLAUDE_")) clean[k] = v;
  const child = spawn(process.execPath, [path], { cwd: home, env: { ...clean, HOME: home, CLAUDE_CONFIG_DIR: join(home, "claude"), ...env }, timeout: 90_000 });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
  const status = await new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return { status, stdout, stderr };
}

describe.runIf(built)("the README's TypeScript blocks", () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => receiver?.close());

  it("there are three, and they typecheck against the package's exports and types", { timeout: 120_000 }, () => {
    expect(blocks.length).toBe(3);
    const program = ts.createProgram(files, {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      lib: ["lib.es2023.d.ts"],
      types: ["node"],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(problems).toEqual([]);
  });

  it("the first runs: every span of every session reaches the caller's span processor, the metric points the caller's reader", { timeout: 120_000 }, async () => {
    const run = await runBlock(1);
    expect(run.status, run.stderr).toBe(0);
    // ConsoleSpanExporter prints each span it is handed as an object with its id.
    const printedIds = new Set([...run.stdout.matchAll(/^\s*id: '([0-9a-f]{16})'/gm)].map((m) => m[1]));
    const sessions = await loadAllSessions(EXAMPLES.projects);
    const expectedIds = new Set(sessions.flatMap((s) => sessionToSpans(s, { final: true }).map((x) => x.spanId)));
    expect(expectedIds.size).toBeGreaterThan(sessions.length);
    expect(printedIds).toEqual(expectedIds);
    for (const name of ["claude_code.cost.usage", "claude_code.token.usage", "claude_code.session.count"]) expect(run.stdout).toContain(name);
  });

  it("the second runs (no providers registered: the API's no-op ones)", { timeout: 120_000 }, async () => {
    const run = await runBlock(2);
    expect(run.status, run.stderr).toBe(0);
    expect([run.stdout, run.stderr]).toEqual(["", ""]);
  });

  it("the third replays every session to OTEL_EXPORTER_OTLP_ENDPOINT once: a second run sends nothing", { timeout: 120_000 }, async () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, CLAUDE_CODE_OTEL_STATE_DIR: join(home, "state") };
    const sessions = await loadAllSessions(EXAMPLES.projects);
    const first = await runBlock(3, env);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^${sessions.length} sessions sent, 0 unchanged: \\d+ spans, \\d+ metric points\\n$`));
    const final = receiver.spans.filter((s) => s.attributes["claude_code.span.provisional"] !== true && s.attributes["claude_code.session.open"] !== true);
    expect(new Set(final.map((s) => s.spanId))).toEqual(new Set(sessions.flatMap((s) => sessionToSpans(s, { final: true }).map((x) => x.spanId))));
    expectTotalsEqualReport(receiver.points, sessions);

    const requests = receiver.requests.length;
    const second = await runBlock(3, env);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toBe(`0 sessions sent, ${sessions.length} unchanged: 0 spans, 0 metric points\n`);
    expect(receiver.requests.length).toBe(requests);
  });

  it("CommonJS code can require() the package and its internal entry (Node >= 20.19)", () => {
    const run = spawnSync(
      process.execPath,
      ["-e", 'const a = require("claude-code-otel"); const i = require("claude-code-otel/internal"); console.log(typeof a.replay, typeof i.planExport)'],
      { cwd: home, encoding: "utf8" },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe("function function\n");
  });
});
