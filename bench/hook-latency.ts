/**
 * Wall time of one `claude-code-otel hook` invocation (spawn → exit, as Claude Code pays it) for
 * UserPromptSubmit (which starts a flusher ahead of the turn when none runs), PreToolUse, PostToolUse and Stop, with the collector up (a loopback OTLP receiver) and
 * black-holed (accepts, never answers), against bare `node -e 0` measured in the same rounds.
 *
 *   npm run build && npx tsx bench/hook-latency.ts [--runs 200] [--result <file>]
 *
 * Runs are interleaved (bare, Pre, Post, Stop, bare, ...) so that background flushers and machine
 * noise fall on every column alike. Payloads and transcripts: the recorded 2.1.330 set (test/fixtures).
 */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, chmodSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadLine, machineLine, writeResult } from "./machine.js";

const REPO = resolve(import.meta.dirname, "..");
// What `install` writes into Claude Code's settings: the CommonJS bin.
const BIN = join(REPO, "bin", "claude-code-otel.cjs");
const RECORDED = join(REPO, "test", "fixtures", "claude-code-2.1.330");

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

function run(args: string[], env: NodeJS.ProcessEnv, input: string | undefined): Promise<number> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: [input === undefined ? "ignore" : "pipe", "ignore", "ignore"] });
    child.on("error", fail);
    child.on("close", (code) => (code === 0 ? done(performance.now() - started) : fail(new Error(`${args.join(" ")} exited ${code}`))));
    if (input !== undefined) child.stdin?.end(input);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

async function collector(mode: "up" | "black-hole"): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    req.resume();
    if (mode === "up") req.on("end", () => res.writeHead(200, { "content-type": "application/x-protobuf" }).end());
  });
  server.on("connection", (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

interface Row {
  label: string;
  collector: string;
  times: number[];
}

async function main(): Promise<void> {
  const runs = arg("runs", 200);
  const root = mkdtempSync(join(tmpdir(), "cco-bench-hooks-"));
  const claude = join(root, "home", ".claude");
  mkdirSync(claude, { recursive: true });
  cpSync(join(RECORDED, "projects"), join(claude, "projects"), { recursive: true });
  chmodSync(claude, 0o755);
  for (const e of readdirSync(claude, { withFileTypes: true, recursive: true })) chmodSync(join(e.parentPath, e.name), e.isDirectory() ? 0o755 : 0o644);
  const payloads = readFileSync(join(RECORDED, "hooks.jsonl"), "utf8").split("/home/user/.claude").join(claude).split("\n").filter(Boolean);
  const pick = (event: string): string => payloads.find((l) => (JSON.parse(l) as { hook_event_name: string }).hook_event_name === event) as string;
  const events = ["UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop"].map((e) => ({ event: e, input: pick(e) }));
  const rows: Row[] = [];

  for (const mode of ["up", "black-hole"] as const) {
    const c = await collector(mode);
    const otelHome = join(root, `otel-${mode}`);
    mkdirSync(otelHome, { recursive: true });
    writeFileSync(join(otelHome, "config.json"), JSON.stringify({ otlp: { endpoint: c.url } }));
    const env: NodeJS.ProcessEnv = { PATH: process.env["PATH"], HOME: join(root, "home"), CLAUDE_CODE_OTEL_HOME: otelHome, CLAUDE_CODE_OTEL_STATE_DIR: join(otelHome, "state") };
    const bare: Row = { label: "node -e 0 (bare Node start-up)", collector: mode, times: [] };
    const hooks: Row[] = events.map((e) => ({ label: `hook ${e.event}`, collector: mode, times: [] }));
    // Warm the file cache and the ledger (the first Stop exports the session) before measuring.
    for (const e of events) await run([BIN, "hook"], env, e.input);
    for (let i = 0; i < runs; i++) {
      bare.times.push(await run(["-e", "0"], env, undefined));
      for (const [j, e] of events.entries()) (hooks[j] as Row).times.push(await run([BIN, "hook"], env, e.input));
      if (i % 50 === 49) process.stderr.write(`  ${mode}: ${i + 1}/${runs}\n`);
    }
    rows.push(bare, ...hooks);
    await c.close();
  }
  const bareP50 = new Map(
    rows
      .filter((r) => r.label.startsWith("node"))
      .map((r) => [
        r.collector,
        percentile(
          [...r.times].sort((a, b) => a - b),
          50,
        ),
      ]),
  );
  const lines = [
    `hook latency: ${runs} runs each; ${machineLine(REPO)}`,
    `comparison: bare \`node -e 0\` (the same node), in the same rounds (interleaved); payloads and transcripts: the recorded 2.1.330 set`,
    "",
    `| ${"invocation".padEnd(32)} | ${"collector".padEnd(10)} | ${"p50 ms".padStart(7)} | ${"p95 ms".padStart(7)} | ${"mean ms".padStart(7)} | ${"p50 / bare".padStart(10)} |`,
    `|${"-".repeat(34)}|${"-".repeat(12)}|${"-".repeat(9)}|${"-".repeat(9)}|${"-".repeat(9)}|${"-".repeat(12)}|`,
  ];
  for (const r of rows) {
    const sorted = [...r.times].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
    const ratio = p50 / (bareP50.get(r.collector) ?? p50);
    lines.push(
      `| ${r.label.padEnd(32)} | ${r.collector.padEnd(10)} | ${p50.toFixed(1).padStart(7)} | ${percentile(sorted, 95).toFixed(1).padStart(7)} | ${mean.toFixed(1).padStart(7)} | ${`${ratio.toFixed(2)}×`.padStart(10)} |`,
    );
  }
  console.log(lines.join("\n"));
  writeResult({
    machine: machineLine(REPO),
    load: loadLine(),
    runs,
    rows: rows.map((r) => {
      const sorted = [...r.times].sort((a, b) => a - b);
      const p50 = percentile(sorted, 50);
      return { label: r.label, collector: r.collector, p50, p95: percentile(sorted, 95), ratio: p50 / (bareP50.get(r.collector) ?? p50) };
    }),
  });
  // A detached flusher may still be writing here: retry while it finishes, and never lose the figures over it.
  try {
    rmSync(root, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
  } catch (error) {
    process.stderr.write(`could not remove ${root}: ${(error as Error).message}\n`);
  }
}

await main();
