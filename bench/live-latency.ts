/**
 * Time to visibility on the live path, with the real Claude Code CLI: from the moment Claude Code
 * runs a tool call's PostToolUse hook to the moment that tool's span reaches an OTLP receiver on
 * loopback (the collector's place). Our hook is installed by `install` in a temp HOME; every hook
 * run goes through a wrapper that records its start; the scripted Messages API answers after
 * `--delay-ms` (a model's thinking time: without it, tool calls follow each other faster than any
 * real session).
 *
 *   npm run build && npx tsx bench/live-latency.ts [--runs 3] [--delay-ms 1500] [--result <file>]
 *
 * Prints one line per scenario and run, then p50/p95/max over all tool spans, and the
 * PostToolUse hook's own wall time as Claude Code pays it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startAnthropicStub } from "../test/recorder/anthropic-stub.js";
import { claudeBinary, runClaude } from "../test/recorder/run-claude.js";
import { recorderScenarios } from "../test/recorder/scenarios.js";
import { arrivedAt, startOtlpReceiver } from "../test/support/otlp-receiver.js";
import { loadLine, machineLine, writeResult } from "./machine.js";

const REPO = resolve(import.meta.dirname, "..");
const BIN = join(REPO, "bin", "claude-code-otel.js");
const HOOK_BIN = join(REPO, "bin", "claude-code-otel.cjs");

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(v) && v >= 0 ? v : fallback;
}

/** Records each hook run's event, tool_use_id, start and wall time, passing stdin and stdout through. */
const WRAPPER = `import { spawnSync } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
const startedMs = Date.now();
const input = readFileSync(0);
let event = "?", tool;
try { const p = JSON.parse(input.toString("utf8")); event = p.hook_event_name; tool = p.tool_use_id; } catch {}
const r = spawnSync(process.execPath, [process.argv[2], "hook"], { input, env: process.env });
appendFileSync(process.argv[3], JSON.stringify({ event, tool, startedMs, ms: Date.now() - startedMs }) + "\\n");
process.stdout.write(r.stdout);
process.exit(r.status ?? 0);
`;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

const SCENARIOS: { prompt: string; model: string }[] = [
  { prompt: "scenario:parallel-fail check the project and the missing directory", model: "claude-sonnet-4-6" },
  { prompt: "scenario:edit-files write the notes and fix them", model: "claude-haiku-4-5" },
  { prompt: "scenario:agent survey the project with a subagent", model: "claude-opus-4-6" },
  { prompt: "scenario:long run the six steps", model: "claude-sonnet-4-5" },
];

async function main(): Promise<void> {
  const runs = arg("runs", 3);
  const delayMs = arg("delay-ms", 1500);
  if (claudeBinary() === undefined) throw new Error("the Claude Code CLI is missing: npm ci");
  const receiver = await startOtlpReceiver();
  const tmp = mkdtempSync(join(tmpdir(), "cco-live-"));
  const home = join(tmp, "home");
  const cwd = join(home, "work", "shop-api");
  mkdirSync(cwd, { recursive: true });
  writeFileSync(join(cwd, "README.md"), "# shop-api\n");
  execFileSync("git", ["init", "-q", "-b", "main"], { cwd });
  const stub = await startAnthropicStub({ scenarios: recorderScenarios(cwd), idTag: "live", responseDelayMs: delayMs });
  const env = { PATH: process.env["PATH"] ?? "", HOME: home };
  const installed = spawnSync(process.execPath, [BIN, "install", "--endpoint", receiver.url], { env, encoding: "utf8" });
  if (installed.status !== 0) throw new Error(`install: ${installed.stderr}`);
  const runsLog = join(tmp, "hook-runs.jsonl");
  const wrapper = join(tmp, "hook-wrapper.mjs");
  writeFileSync(wrapper, WRAPPER);
  const settingsPath = join(home, ".claude", "settings.json");
  const ours = JSON.stringify(`'${process.execPath}' '${HOOK_BIN}' hook`).slice(1, -1);
  writeFileSync(
    settingsPath,
    readFileSync(settingsPath, "utf8")
      .split(ours)
      .join(JSON.stringify(`'${process.execPath}' '${wrapper}' '${HOOK_BIN}' '${runsLog}'`).slice(1, -1)),
  );

  const lags: number[] = [];
  let hooks: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      for (const s of SCENARIOS) {
        const before = receiver.spans.length;
        const result = await runClaude({
          home,
          cwd,
          prompt: s.prompt,
          baseUrl: stub.url,
          model: s.model,
          env: { ANTHROPIC_DEFAULT_HAIKU_MODEL: "claude-haiku-4-5" },
          timeoutMs: 180_000,
        });
        if (result.exitCode !== 0) throw new Error(`${s.prompt}: exit ${result.exitCode}: ${result.stderr}`);
        // The last tool span may still be on its way.
        await new Promise((r) => setTimeout(r, 3_000));
        const posts = new Map<string, number>();
        for (const line of readFileSync(runsLog, "utf8").split("\n").filter(Boolean)) {
          const r = JSON.parse(line) as { event: string; tool?: string; startedMs: number };
          if ((r.event === "PostToolUse" || r.event === "PostToolUseFailure") && r.tool !== undefined) posts.set(r.tool, r.startedMs);
        }
        const mine: number[] = [];
        for (const span of receiver.spans.slice(before)) {
          const id = span.attributes["gen_ai.tool.call.id"];
          if (!span.name.startsWith("execute_tool") || typeof id !== "string" || span.attributes["claude_code.span.provisional"] === true) continue;
          const post = posts.get(id);
          const at = arrivedAt(span);
          if (post !== undefined && at !== undefined) mine.push(at - post);
        }
        lags.push(...mine);
        console.log(`run ${run + 1} ${s.prompt.split(" ")[0]}: ${mine.length} tool spans, lag ms ${mine.map((m) => m.toFixed(0)).join(" ")}`);
      }
    }
    hooks = readHookTimes(runsLog);
  } finally {
    await stub.stop();
    await receiver.close();
    rmSync(tmp, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
  }
  const sorted = [...lags].sort((a, b) => a - b);
  console.log(`\nlive: ${machineLine(REPO)}\ncomparison: none (absolute times; the real Claude Code CLI against a scripted model on loopback)`);
  writeResult({
    machine: machineLine(REPO),
    load: loadLine(),
    runs,
    delayMs,
    spans: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted.at(-1) ?? null,
    hookP50: hooks.length > 0 ? percentile(hooks, 50) : null,
  });
  console.log(
    `PostToolUse → tool span at the receiver (${sorted.length} spans, ${runs} runs, model delay ${delayMs} ms, ${cpus().length} cores): ` +
      `p50 ${percentile(sorted, 50).toFixed(0)} ms, p95 ${percentile(sorted, 95).toFixed(0)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(0)} ms`,
  );
  if (hooks.length > 0)
    console.log(`PostToolUse hook wall time (through the recording wrapper): p50 ${percentile(hooks, 50).toFixed(0)} ms, p95 ${percentile(hooks, 95).toFixed(0)} ms`);
}

function readHookTimes(path: string): number[] {
  try {
    return readFileSync(path, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; ms: number })
      .filter((r) => r.event === "PostToolUse")
      .map((r) => r.ms)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

await main();
