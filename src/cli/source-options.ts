import { stat } from "node:fs/promises";
import { defaultConfigPath, loadConfig } from "../config/config-file.js";
import type { PriceConfig } from "../config/price-overrides.js";
import { COST_MODES, parseCostMode } from "../config/price-overrides.js";
import { defaultStateDir } from "../config/state-dir.js";
import type { Pricer } from "../model/pricer.js";
import type { Session } from "../model/types.js";
import { loadPriceLibrary } from "../cost/price-request.js";
import { createLearningPricer } from "../pipeline/learning-pricer.js";
import { scanSessions } from "../pipeline/scan-sessions.js";
import type { SessionFilter } from "../pipeline/session-filter.js";
import { defaultProjectsDir, reasonOf } from "../transcript/discover.js";
import type { Parsed } from "./args.js";
import { NoInputError, UsageError, boolOpt, dayOpt, stringOpt } from "./args.js";
import type { CliIO } from "./output.js";
import { EXIT } from "./output.js";
import { oneLine } from "../util/terminal-safe.js";
import type { JsonObject } from "../util/json.js";

export interface SourceOptions {
  readonly projectsDir: string;
  readonly filter: SessionFilter;
  /** Learns rates from the ledgers it meets (pipeline/learning-pricer.ts): `saveLearned` keeps them. */
  readonly pricer: Pricer;
  readonly saveLearned: () => void;
  readonly refreshLearned: () => void;
  /** The price overrides and cost source the pricer applies (for a worker thread to build its own). */
  readonly prices: PriceConfig;
  readonly timeZone: string;
  readonly verbose: boolean;
  /** The parsed config file (`{}` when absent), for settings beyond prices. */
  readonly config: JsonObject;
}

/**
 * Resolves --projects-dir, filters, time zone and price overrides; checks the folder exists.
 * Loads the price library (loadPriceLibrary: watch exports, errors) unless `lazyPrices` (report: its cache may need no price at all).
 * `zoneOnlyForDays`: the command uses the time zone for nothing but --since/--until (replay).
 */
export async function resolveSourceOptions(p: Parsed, io: CliIO, options: { lazyPrices?: boolean; zoneOnlyForDays?: boolean } = {}): Promise<SourceOptions> {
  const asked = stringOpt(p, "timezone");
  if (asked !== undefined && !isTimeZone(asked)) throw new UsageError(`--timezone: unknown time zone "${asked}"`);
  const since = dayOpt(p, "since");
  const until = dayOpt(p, "until");
  if (since !== undefined && until !== undefined && since > until) throw new UsageError(`--since ${since} is after --until ${until}`);
  // Intl's first use starts ICU (~12 ms, a twentieth of a replay with nothing new): a command that
  // uses the zone only for --since/--until days skips it without them.
  const needZone = options.zoneOnlyForDays !== true || asked !== undefined || since !== undefined || until !== undefined;
  const timeZone = asked ?? (needZone ? defaultTimeZone(io.env) : "UTC");
  const explicitConfig = stringOpt(p, "config");
  const config = loadConfig(explicitConfig ?? defaultConfigPath(io.env));
  // The default config may be absent or broken (a warning: the work goes on without it); one
  // named on the command line must be there and readable, or its prices would silently not apply.
  if (explicitConfig !== undefined && !config.exists) throw new UsageError(`--config: no such file: ${explicitConfig}`);
  if (explicitConfig !== undefined && Object.keys(config.raw).length === 0 && config.errors.length > 0) throw new UsageError(`--config: ${config.errors[0] ?? ""}`);
  const projectsDir = stringOpt(p, "projects-dir") ?? defaultProjectsDir(io.env);
  try {
    const s = await stat(projectsDir);
    if (!s.isDirectory()) throw new NoInputError(`${projectsDir} is not a directory`);
  } catch (error) {
    if (error instanceof NoInputError) throw error;
    throw new NoInputError(`cannot read Claude Code projects folder ${projectsDir}: ${reasonOf(error)} (set --projects-dir or CLAUDE_CONFIG_DIR)`);
  }
  if (options.lazyPrices !== true) await loadPriceLibrary();
  for (const e of config.errors) io.err(`claude-code-otel: warning: ${e}\n`);
  const prices = withCostSource(config.prices, stringOpt(p, "cost-source"));
  const learning = createLearningPricer(prices, stringOpt(p, "state-dir") ?? defaultStateDir(io.env));
  return {
    projectsDir,
    filter: { session: stringOpt(p, "session"), project: stringOpt(p, "project"), since, until, timeZone },
    pricer: learning.pricer,
    saveLearned: learning.save,
    refreshLearned: learning.refresh,
    prices,
    timeZone,
    verbose: boolOpt(p, "verbose"),
    config: config.raw,
  };
}

/** `--cost-source` wins over the config file's `costSource`. */
function withCostSource(prices: PriceConfig, asked: string | undefined): PriceConfig {
  if (asked === undefined) return prices;
  const mode = parseCostMode(asked);
  if (mode === undefined) throw new UsageError(`--cost-source must be one of ${COST_MODES.join(", ")} (or ccusage's cc, ccusage), got "${asked}"`);
  return { ...prices, mode };
}

/**
 * The one session of the source that `sessionId` selects (as --session does), for the commands
 * about a single session; else, said on stderr, the exit code: none (no input) or several (usage).
 */
export async function findOneSession(source: SourceOptions, sessionId: string, io: CliIO): Promise<Session | number> {
  const found: Session[] = [];
  await scanSessions(source.projectsDir, { ...source.filter, session: sessionId }, source.pricer, (s) => void found.push(s));
  if (found.length === 0) {
    io.err(`claude-code-otel: no session ${oneLine(sessionId)} in ${oneLine(source.projectsDir)}\n`);
    return EXIT.noInput;
  }
  if (found.length > 1) {
    io.err(`claude-code-otel: "${oneLine(sessionId)}" matches ${found.length} sessions: ${found.map((s) => s.sessionId).join(", ")}\n`);
    return EXIT.usage;
  }
  return found[0] as Session;
}

/**
 * TZ may hold what Intl does not take (":/etc/localtime", "UTC0"): then the system's zone, and
 * UTC when there is none Intl knows (an empty TZ resolves to "Etc/Unknown").
 */
function defaultTimeZone(env: NodeJS.ProcessEnv): string {
  const envZone = env["TZ"];
  if (envZone !== undefined && isTimeZone(envZone)) return envZone;
  const systemZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return isTimeZone(systemZone) ? systemZone : "UTC";
}

function isTimeZone(zone: string): boolean {
  if (zone === "") return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
