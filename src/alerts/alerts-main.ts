/**
 * `claude-code-otel hook-alerts`: the synchronous Stop entry that install adds when cost alerts
 * are on. Claude Code waits for it (timeout ALERT_TIMEOUT_S) and shows the `systemMessage` it
 * prints to the user, without feeding it to the model. It exports nothing (the async `hook` entry
 * does that), prints at most one JSON object, and exits 0 whatever happens.
 */
import { defaultConfigPath, loadConfig, otelHome } from "../config/config-file.js";
import { hookOutputFor, settleAlertPosts, SLACK_TIMEOUT_MS } from "./alerts.js";
import type { HookLog } from "../hook/hook-log.js";
import { codeOf, createHookLog, resolveLogLevel } from "../hook/hook-log.js";
import type { StdinResult } from "../hook/stdin.js";
import { readProcessStdin } from "../hook/stdin.js";
import { parseHookInput } from "../hook/payload.js";

/** Cost of reading the transcript, bounded well inside the entry's timeout (5 s). */
export const ALERT_BUDGET_MS = 2_500;
const ALERT_STDIN_BYTES = 4 * 1024 * 1024;
const ALERT_STDIN_MS = 2_000;

export interface AlertsRunOptions {
  /** Claude Code's payload: `readProcessStdin` in the process, a stream reader in tests. */
  readonly readStdin: () => Promise<StdinResult>;
  readonly writeStdout: (text: string) => Promise<void>;
  readonly env: NodeJS.ProcessEnv;
}

async function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Never throws. Prints the alert (if any) first, then waits at most SLACK_TIMEOUT_MS for Slack. */
export async function runAlertsHook(options: AlertsRunOptions): Promise<void> {
  const stateHome = otelHome(options.env);
  let log: HookLog = createHookLog(stateHome, "warn", "hook");
  try {
    const config = loadConfig(defaultConfigPath(options.env));
    log = createHookLog(stateHome, resolveLogLevel(options.env, config.raw["logLevel"]), "hook");
    const input = await options.readStdin();
    const parsed = parseHookInput(input.text);
    if (!parsed.ok) {
      log.warn(`hook-alerts: ignored input: ${parsed.reason}`);
      return;
    }
    const output = await within(hookOutputFor(parsed.payload, { stateHome, config: config.raw, env: options.env, log }), ALERT_BUDGET_MS);
    if (output !== undefined) await options.writeStdout(`${output}\n`);
    await settleAlertPosts(SLACK_TIMEOUT_MS + 250);
  } catch (error) {
    log.error(`hook-alerts failed: ${codeOf(error)}`);
  }
}

/** Process entry (bin/claude-code-otel.js and the CLI table): exit 0 whatever happens. */
export async function alertsHookProcess(): Promise<void> {
  const exit = (): never => process.exit(0);
  process.on("uncaughtException", exit);
  process.on("unhandledRejection", exit);
  await runAlertsHook({
    readStdin: () => readProcessStdin(ALERT_STDIN_BYTES, ALERT_STDIN_MS),
    env: process.env,
    writeStdout: (text) => new Promise<void>((resolve) => process.stdout.write(text, () => resolve())),
  });
  exit();
}
