/**
 * Speed of `claude-code-otel report --json` against ccusage 20's native binary on the same corpus,
 * in the same run: printed figures, not a timed test.
 *
 *   npm run bench:report -- [--runs 3] [--corpus <projects dir>] [--jobs <n>] [--profile] [--ours-only] [--result <file>]
 *
 * Builds the corpus (bench/.corpus/projects, >= 400 MB, >= 1,000 sessions) when absent, runs one
 * warm-up of each tool (page cache), then, alternately `--runs` times: ours reading every
 * transcript (`--no-cache`), ours on a first run (empty report cache: reads everything and writes
 * the cache), ours on a later run (the cache holds every session: nothing changed), ours on a
 * later run after 1 % of the sessions changed (new mtimes: read again, as an active session is), and ccusage,
 * measuring the child's wall time and peak RSS (`/usr/bin/time -f %M`). Each round runs its
 * commands in a shuffled order, and the ratios to ccusage are per round (ours / ccusage in the
 * same round), then their median and range: a slow spell of the host weighs on both. All of ours must
 * print the same report. Checks that both count the same cost:
 * ours `totals.costUsd` minus our ledger-only (unattributed) cost against ccusage's `totals.totalCost`.
 * `--profile` also runs ours (`--no-cache`) once under `node --cpu-prof` and prints self time per function.
 * Run `npm run build` first: the CLI runs dist/.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ccusageBinary } from "../test/support/ccusage.js";
import { REPO_ROOT } from "../test/support/shared-fixtures.js";
import { corpusSize, loadLine, machineLine, median, writeResult } from "./machine.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    corpus: { type: "string" },
    profile: { type: "boolean", default: false },
    "ours-only": { type: "boolean", default: false },
    jobs: { type: "string" },
    result: { type: "string" },
  },
});
const runs = Math.max(1, Number(values.runs));
const corpus = resolve(values.corpus ?? join(REPO_ROOT, "bench", ".corpus", "projects"));
const BIN = join(REPO_ROOT, "bin", "claude-code-otel.js");
const TIME = "/usr/bin/time";

if (!existsSync(join(REPO_ROOT, "dist", "cli", "main.js")) && !existsSync(join(REPO_ROOT, "dist", "index.js"))) {
  throw new Error("dist/ is missing: run `npm run build` first");
}
if (!existsSync(corpus)) {
  console.error(`building the corpus in ${corpus} ...`);
  const made = spawnSync(process.execPath, ["--import", "tsx", join(REPO_ROOT, "bench", "make-corpus.ts"), corpus, "400"], { stdio: "inherit", cwd: REPO_ROOT });
  if (made.status !== 0) throw new Error("make-corpus failed");
}

interface Run {
  wallMs: number;
  peakRssKb: number | undefined;
  /** User + system CPU seconds of the child: steadier than wall time on a busy machine. */
  cpuS: number | undefined;
  stdout: string;
}

/** Runs a command, capturing stdout; peak RSS from /usr/bin/time when present. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const haveTime = existsSync(TIME);
  const rssFile = join(tmpdir(), `bench-rss-${process.pid}-${Date.now()}`);
  const [file, argv] = haveTime ? [TIME, ["-f", "%M %U %S", "-o", rssFile, cmd, ...args]] : [cmd, args];
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(file, argv, { env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) {
        reject(new Error(`${cmd} exited ${code}: ${Buffer.concat(err).toString().slice(0, 2000)}`));
        return;
      }
      let peakRssKb: number | undefined;
      let cpuS: number | undefined;
      if (haveTime) {
        const [rss, user, sys] = (readFileSync(rssFile, "utf8").trim().split("\n").pop() ?? "").split(" ").map(Number);
        peakRssKb = rss;
        cpuS = user === undefined || sys === undefined ? undefined : user + sys;
        rmSync(rssFile, { force: true });
      }
      resolvePromise({ wallMs, peakRssKb, cpuS, stdout: Buffer.concat(out).toString("utf8") });
    });
  });
}

const baseEnv = { ...process.env, TZ: "UTC", NO_COLOR: "1" };
// Our home (and so the report cache) in a temp folder of the bench's own.
const otelHome = mkdtempSync(join(tmpdir(), "bench-otel-home-"));
const oursEnv = { ...baseEnv, CLAUDE_CODE_OTEL_HOME: otelHome };
// The bin itself, as `npx claude-code-otel` runs it: its shebang carries the V8 flags (small young generation).
const jobsArgs = values.jobs === undefined ? [] : ["--jobs", values.jobs];
const ours = (...extra: string[]): Promise<Run> => timed(BIN, ["report", "--projects-dir", corpus, "--json", ...jobsArgs, ...extra], oursEnv);
const oursUncached = (): Promise<Run> => ours("--no-cache");
const oursFirst = (): Promise<Run> => {
  rmSync(join(otelHome, "cache"), { recursive: true, force: true });
  return ours();
};
const oursCached = (): Promise<Run> => ours();
/** Session transcripts (main files), to mark some as changed the way an active session changes: a new mtime. */
const mainFiles = readdirSync(corpus, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    readdirSync(join(corpus, d.name))
      .filter((n) => n.endsWith(".jsonl") && !n.startsWith("agent-"))
      .map((n) => join(corpus, d.name, n)),
  );
const CHANGED = Math.max(1, Math.round(mainFiles.length / 100));
let touchRound = 0;
const oursSomeChanged = (): Promise<Run> => {
  const now = new Date(Date.now() + ++touchRound * 1000);
  for (let i = 0; i < CHANGED; i++) utimesSync(mainFiles[(touchRound * CHANGED + i) % mainFiles.length] as string, now, now);
  return ours();
};
/** The report without the one field that says where its figures came from. */
const comparable = (stdout: string): string => stdout.replace(/\n\s*"cachedSessions": \d+,?/, "");

const ccusageBin = values["ours-only"] ? undefined : ccusageBinary();
let ccusageEnv: NodeJS.ProcessEnv | undefined;
if (ccusageBin !== undefined) {
  const config = mkdtempSync(join(tmpdir(), "ccusage-bench-"));
  symlinkSync(corpus, join(config, "projects"));
  ccusageEnv = { ...baseEnv, CLAUDE_CONFIG_DIR: config, HOME: config };
}
const ccusage = (): Promise<Run> => timed(ccusageBin as string, ["session", "--json", "--offline"], ccusageEnv as NodeJS.ProcessEnv);

interface OursJson {
  sessions: { unattributedCostUsd: number }[];
  totals: { sessions: number; costUsd: number; requests: number };
}
interface CcusageJson {
  session: unknown[];
  totals: { totalCost: number };
}

const maxOf = (xs: (number | undefined)[]): number | undefined => (xs.some((x) => x === undefined) ? undefined : Math.max(...(xs as number[])));

const size = corpusSize(corpus);
const startLoad = loadLine();
console.log(`report --json: ${machineLine(REPO_ROOT)}`);
console.log(`corpus: ${corpus}  ${(size.bytes / 1e6).toFixed(0)} MB in ${size.files} .jsonl files`);
console.log(
  `comparison: ${ccusageBin === undefined ? "none (--ours-only)" : "ccusage 20.0.20 `session --json --offline` (native binary)"}; ${runs} round(s) after one warm-up, each round's commands in shuffled order${values.jobs === undefined ? "" : `; ours with --jobs ${values.jobs}`}\n`,
);

// Warm-up: page cache, and the outputs we check.
const oursWarm = await oursUncached();
const oursData = JSON.parse(oursWarm.stdout) as OursJson;
const ccWarm = ccusageBin !== undefined ? await ccusage() : undefined;

const uncachedRuns: Run[] = [];
const firstRuns: Run[] = [];
const cachedRuns: Run[] = [];
const changedRuns: Run[] = [];
const ccRuns: Run[] = [];
for (let i = 0; i < runs; i++) {
  // The cached and changed runs need the cache the first run writes: those three stay in order.
  const steps: (() => Promise<void>)[] = [
    async () => void uncachedRuns.push(await oursUncached()),
    async () => {
      firstRuns.push(await oursFirst());
      cachedRuns.push(await oursCached());
      changedRuns.push(await oursSomeChanged());
    },
  ];
  if (ccusageBin !== undefined) steps.push(async () => void ccRuns.push(await ccusage()));
  for (const step of steps.sort(() => Math.random() - 0.5)) await step();
}
for (const r of [...uncachedRuns, ...firstRuns, ...cachedRuns, ...changedRuns]) {
  if (comparable(r.stdout) !== comparable(oursWarm.stdout)) throw new Error("report --json output differs between runs");
}
const cachedSessions = (r: Run): number => (JSON.parse(r.stdout) as { parse: { cachedSessions?: number } }).parse.cachedSessions ?? 0;
if (firstRuns.some((r) => cachedSessions(r) !== 0) || cachedRuns.some((r) => cachedSessions(r) !== oursData.totals.sessions)) {
  throw new Error("the report cache was not used as expected (first runs: none from it, later runs: every session)");
}

const sessions = oursData.totals.sessions;
const rows: string[][] = [["tool", "median s", "min s", "CPU s", "MB/s", "sessions/s", "peak RSS MB", "/ ccusage, per round: median (range)"]];
const ccMedian = ccRuns.length > 0 ? median(ccRuns.map((r) => r.wallMs)) : undefined;
/** Ours / ccusage in each round (the same rounds), sorted. */
const ratiosOf = (rs: Run[]): number[] => (ccRuns.length === rs.length ? rs.map((r, i) => r.wallMs / (ccRuns[i] as Run).wallMs).sort((a, b) => a - b) : []);
const ratioText = (rs: Run[]): string => {
  const q = ratiosOf(rs);
  return q.length === 0 ? "" : `${median(q).toFixed(2)}x (${(q[0] as number).toFixed(2)}-${(q.at(-1) as number).toFixed(2)})`;
};
const row = (name: string, rs: Run[], med: number): string[] => {
  const rss = maxOf(rs.map((r) => r.peakRssKb));
  return [
    name,
    (med / 1000).toFixed(3),
    (Math.min(...rs.map((r) => r.wallMs)) / 1000).toFixed(3),
    rs.some((r) => r.cpuS === undefined) ? "n/a" : median(rs.map((r) => r.cpuS as number)).toFixed(2),
    (size.bytes / 1e6 / (med / 1000)).toFixed(0),
    (sessions / (med / 1000)).toFixed(0),
    rss === undefined ? "n/a" : (rss / 1024).toFixed(1),
    rs === ccRuns ? "1" : ratioText(rs),
  ];
};
const medianOf = (rs: Run[]): number => median(rs.map((r) => r.wallMs));
rows.push(row("ours, --no-cache (every file read)", uncachedRuns, medianOf(uncachedRuns)));
rows.push(row("ours, first run (writes the cache)", firstRuns, medianOf(firstRuns)));
rows.push(row("ours, later run (cache, no change)", cachedRuns, medianOf(cachedRuns)));
rows.push(row(`ours, later run (${CHANGED} sessions changed)`, changedRuns, medianOf(changedRuns)));
if (ccMedian !== undefined) rows.push(row("ccusage 20 session --json (native)", ccRuns, ccMedian));
const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
for (const [i, r] of rows.entries()) {
  console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join("  "));
  if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
}
const walls = (rs: Run[]): string => rs.map((r) => (r.wallMs / 1000).toFixed(3)).join(" ");
console.log(`\nwall times ours --no-cache: ${walls(uncachedRuns)}`);
console.log(`wall times ours first run: ${walls(firstRuns)}`);
console.log(`wall times ours later run: ${walls(cachedRuns)}`);
console.log(`wall times ours, ${CHANGED} changed: ${walls(changedRuns)}`);
if (ccRuns.length > 0) console.log(`wall times ccusage:        ${walls(ccRuns)}`);
console.log(`sessions (ours): ${sessions}, requests: ${oursData.totals.requests}; ${loadLine()} at the end, ${startLoad} at the start`);
const figures = (rs: Run[]): object => ({
  medianS: Number((medianOf(rs) / 1000).toFixed(3)),
  seconds: rs.map((r) => Number((r.wallMs / 1000).toFixed(3))),
  cpuS: rs.some((r) => r.cpuS === undefined) ? null : Number(median(rs.map((r) => r.cpuS as number)).toFixed(2)),
  peakRssMB: rs.some((r) => r.peakRssKb === undefined) ? null : Number(((maxOf(rs.map((r) => r.peakRssKb)) as number) / 1024).toFixed(1)),
  ratios: ratiosOf(rs).map((x) => Number(x.toFixed(3))),
});
writeResult({
  machine: machineLine(REPO_ROOT),
  load: { start: startLoad, end: loadLine() },
  corpus: { path: corpus, mb: Math.round(size.bytes / 1e6), files: size.files, sessions },
  jobs: values.jobs ?? "default",
  noCache: figures(uncachedRuns),
  firstRun: figures(firstRuns),
  cached: figures(cachedRuns),
  changed: { sessions: CHANGED, ...figures(changedRuns) },
  ...(ccRuns.length > 0 ? { ccusage: figures(ccRuns) } : {}),
});

if (ccWarm !== undefined) {
  const cc = JSON.parse(ccWarm.stdout) as CcusageJson;
  const unattributed = oursData.sessions.reduce((sum, s) => sum + s.unattributedCostUsd, 0);
  const comparable = oursData.totals.costUsd - unattributed;
  const diff = Math.abs(comparable - cc.totals.totalCost);
  console.log(
    `cost: ours $${oursData.totals.costUsd.toFixed(6)} - ledger-only $${unattributed.toFixed(6)} = $${comparable.toFixed(6)}; ccusage $${cc.totals.totalCost.toFixed(6)} (${cc.session.length} groups); |diff| = ${diff.toExponential(2)}`,
  );
  if (diff > 1e-6 * Math.max(1, sessions)) {
    console.log("COST MISMATCH: ours and ccusage disagree on the requests both count");
    process.exitCode = 1;
  }
}

if (values.profile) {
  const dir = mkdtempSync(join(tmpdir(), "bench-prof-"));
  mkdirSync(dir, { recursive: true });
  spawnSync(process.execPath, ["--cpu-prof", "--cpu-prof-dir", dir, BIN, "report", "--projects-dir", corpus, "--json", "--no-cache"], {
    env: oursEnv,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const file = readdirSync(dir).find((n) => n.endsWith(".cpuprofile"));
  if (file === undefined) throw new Error("no CPU profile written");
  printProfile(join(dir, file));
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

function printProfile(path: string): void {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const byArea = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    if (frame === undefined) return;
    const where = frame.url.replace(/^file:\/\//, "").replace(REPO_ROOT + "/", "");
    const key = `${frame.functionName || "(anonymous)"}  ${where ? `${where}:${frame.lineNumber + 1}` : ""}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    const area = where.startsWith("node_modules/")
      ? where
          .split("/")
          .slice(1, where.startsWith("node_modules/@") ? 3 : 2)
          .join("/")
      : where.startsWith("dist/")
        ? where.split("/").slice(0, 2).join("/")
        : where === ""
          ? frame.functionName
          : "node internals";
    byArea.set(area, (byArea.get(area) ?? 0) + dt);
  });
  const show = (title: string, m: Map<string, number>, n: number): void => {
    console.log(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)`);
    for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) {
      console.log(`${(v / 1000).toFixed(0).padStart(7)} ms ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
    }
  };
  show("CPU profile of ours: self time by area", byArea, 15);
  show("self time by function", self, 30);
  console.log(`\nprofile: ${path}`);
}
