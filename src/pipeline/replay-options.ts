/**
 * What `replay` (replay.ts) takes and returns. Every option has the default the CLI's `replay`
 * has without options, except that nothing here reads the config file: pass
 * `resolveDestination(...)` for another destination.
 */
import type { Attributes } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import type { ConsoleTarget } from "../config/export-target.js";
import type { PriceConfig } from "../config/price-overrides.js";
import type { DeliveryFailure } from "../delivery/send-outbox.js";
import type { Destination } from "../delivery/destination.js";
import { resolveDestination } from "../delivery/destination.js";
import type { DestinationName, DestinationOptions } from "../mapping/destinations/index.js";
import { destinationOptionsFromResource } from "../mapping/destinations/index.js";
import type { Pricer } from "../model/pricer.js";
import { packageVersion } from "../sdk/resource-attributes.js";
import { defaultProjectsDir } from "../transcript/discover.js";
import type { BatchedOutcome } from "./catch-up-types.js";
import type { ExportSettings } from "./export-settings.js";
import { resolveExportSettings } from "./export-settings.js";
import type { LearningPricer } from "./learning-pricer.js";
import { createLearningPricer } from "./learning-pricer.js";
import type { SessionFilter } from "./session-filter.js";
import type { SendTotals } from "./send-loop.js";

/** Options of {@link replay}, all optional: without any, what `claude-code-otel replay` does with no options and no config file. */
export interface ReplayOptions {
  /**
   * Where to send: `resolveDestination(...)`, or `{ kind: "console" }` to print (records nothing).
   * Default `resolveDestination({})`: the OTEL_EXPORTER_OTLP_* variables, else OTLP JSON files in `~/.claude/otel`.
   */
  readonly destination?: Destination | ConsoleTarget;
  /** Claude Code's projects folder; default `defaultProjectsDir()`. */
  readonly projectsDir?: string;
  /** Which sessions; default all. */
  readonly filter?: SessionFilter;
  /** What each destination has received (ledgers, outbox, metric clock), shared with the CLI and hooks; default `~/.claude/otel/state` or $CLAUDE_CODE_OTEL_STATE_DIR. */
  readonly stateDir?: string;
  /** The resource of every span and metric point; default `buildResource(env)`. Its `user.id`, if any, goes to Langfuse and LangSmith attributes. */
  readonly resource?: Resource;
  /** Price overrides (the config file's `prices`); default none (list prices). */
  readonly prices?: PriceConfig;
  /** A session idle this long by its own timestamps is over (its end is sent); default 30 minutes. */
  readonly idleMs?: number;
  /** Export prompts and tool inputs (redacted); default OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true. */
  readonly captureContent?: boolean;
  /** The products whose attributes spans carry (`langfuse`, `langsmith`); default $CLAUDE_CODE_OTEL_DESTINATIONS, else both. */
  readonly products?: readonly DestinationName[];
  /** Put `session.id` on every metric point (one series per session: high cardinality); default $CLAUDE_CODE_OTEL_METRIC_SESSION_ID, else off. */
  readonly includeSessionId?: boolean;
  /** Also the GenAI names of v1.41.0 (semconv/stability.ts); default $OTEL_SEMCONV_STABILITY_OPT_IN (gen_ai_latest_experimental/dup), else off. */
  readonly legacyGenAiNames?: boolean;
  /** Ignore what this destination has received: send everything again (same span ids; metrics count twice). */
  readonly full?: boolean;
  /** Count what would be sent; send and record nothing. */
  readonly dryRun?: boolean;
  /** Worker threads; default one per core (at most 4) for 64 MB of transcripts or more. */
  readonly jobs?: number;
  /** The environment the defaults are read from, and worker threads' environment; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Wait this long for another process's pass on the same destination; default 30 s. */
  readonly lockWaitMs?: number;
  /** The console destination's printer; default none. */
  readonly write?: (text: string) => void;
  /** Called for each session as it is settled: skipped as unchanged, empty, filtered out, or exported. */
  readonly onOutcome?: (outcome: BatchedOutcome) => void;
  /** Called for a request the destination refused for good (set aside, not retried). */
  readonly onRejected?: (name: string, error: string) => void;
}

/** What {@link replay} did. A failure is returned, never thrown (only a bug or a broken option throws). */
export interface ReplayResult {
  /** Sessions selected (read or skipped as unchanged). */
  readonly matched: number;
  readonly unchanged: number;
  readonly exported: number;
  readonly spans: number;
  readonly points: number;
  readonly bytes: number;
  /** Exported sessions still open (active within idle time, no SessionEnd): their end goes out later. */
  readonly leftOpen: number;
  readonly warnings: readonly string[];
  /** Requests sent, split and rejected; still queued at the end. */
  readonly delivery: SendTotals;
  /** What stopped the replay: a delivery failure, a busy destination, or an error while writing. */
  readonly failure: DeliveryFailure | { readonly kind: "busy" | "write"; readonly message: string } | undefined;
  /** Entries a crash or full disk had left pending, recorded on opening. */
  readonly recovered: number;
  /** Requests queued before this replay (by the hooks or an earlier run) that it delivered first. */
  readonly drained: number;
  /** The destination had no state before this replay (its first replay). */
  readonly firstTime: boolean;
}

/** ReplayOptions with every default applied. */
export interface ResolvedReplayOptions extends Omit<Required<ReplayOptions>, "write" | "onOutcome" | "onRejected" | "jobs" | "resource"> {
  /** The resource's attributes (the SDK's Resource is made only when something is written). */
  readonly resource: Readonly<Attributes>;
  /** Prices with the rates learned so far and learns from the ledgers it meets; replay saves it (workers save their own). */
  readonly pricer: Pricer;
  readonly learning: Pick<LearningPricer, "save">;
  readonly plan: { readonly captureContent: boolean; readonly destinations: DestinationOptions; readonly includeSessionId: boolean; readonly legacyGenAiNames: boolean };
  readonly jobs: number | undefined;
  readonly write: ((text: string) => void) | undefined;
  readonly onOutcome: ((outcome: BatchedOutcome) => void) | undefined;
  readonly onRejected: ((name: string, error: string) => void) | undefined;
}

function stringAttributes(attributes: Readonly<Attributes>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attributes)) if (typeof v === "string") out[k] = v;
  return out;
}

/**
 * The defaults are what the CLI resolves with no option and no config file (export-settings.ts),
 * or the `settings` the command resolved with its options and the config file.
 */
export function resolveReplayOptions(options: ReplayOptions, settings?: ExportSettings): ResolvedReplayOptions {
  const env = options.env ?? process.env;
  const base = settings ?? resolveExportSettings(env, {}, { stateDir: options.stateDir });
  const resource = options.resource !== undefined ? { ...options.resource.attributes } : base.resourceAttributes;
  const prices = options.prices ?? { overrides: [] };
  const captureContent = options.captureContent ?? base.captureContent;
  const products = options.products ?? base.products;
  const includeSessionId = options.includeSessionId ?? base.includeSessionId;
  const legacyGenAiNames = options.legacyGenAiNames ?? base.legacyGenAiNames;
  const stateDir = options.stateDir ?? base.stateDir;
  const learning = createLearningPricer(prices, stateDir);
  return {
    destination: options.destination ?? resolveDestination({}, env),
    projectsDir: options.projectsDir ?? defaultProjectsDir(env),
    filter: options.filter ?? { timeZone: "UTC" },
    stateDir,
    resource,
    prices,
    pricer: learning.pricer,
    learning,
    idleMs: options.idleMs ?? 30 * 60_000,
    captureContent,
    products,
    includeSessionId,
    legacyGenAiNames,
    plan: { captureContent, destinations: destinationOptionsFromResource(stringAttributes(resource), packageVersion(), products), includeSessionId, legacyGenAiNames },
    full: options.full ?? false,
    dryRun: options.dryRun ?? false,
    jobs: options.jobs,
    env,
    lockWaitMs: options.lockWaitMs ?? 30_000,
    write: options.write,
    onOutcome: options.onOutcome,
    onRejected: options.onRejected,
  };
}
