/**
 * `install --json`: the receipt an MDM or provisioning script reads. The install itself runs as
 * without `--json` (its text goes nowhere); the receipt says what the files hold before and
 * after, so it is true whatever the install printed: installed, updated, already installed, or
 * failed with the reason. Exit 0 unless it failed (1, or 2 for a usage mistake).
 */
import { resolve } from "node:path";
import { defaultConfigPath } from "../config/config-file.js";
import { readOtlpSettings } from "../config/hook-config.js";
import { readSettingsFile } from "../install/settings-file.js";
import { ourEntries, parseSettingsText } from "../install/settings-merge.js";
import type { JsonObject } from "../util/json.js";
import { maskUrl } from "../util/mask-url.js";
import { packageVersion } from "../util/package-version.js";
import { UsageError, parseOptions, stringOpt, type OptionSpec, type Parsed } from "./args.js";
import type { CliIO } from "./output.js";
import { EXIT } from "./output.js";

export const RECEIPT_SCHEMA = "claude-code-otel/install-receipt/v1";

export type InstallStatus = "installed" | "updated" | "already-installed" | "failed";

export interface InstallReceipt {
  readonly schema: typeof RECEIPT_SCHEMA;
  readonly version: string;
  readonly status: InstallStatus;
  readonly ok: boolean;
  readonly settings: { readonly path: string; readonly changed: boolean; readonly events: readonly string[] };
  readonly config: { readonly path: string; readonly changed: boolean; readonly endpoint: string | null };
  /** Why it failed (one line); absent when it did not. */
  readonly error?: string;
}

/** As install reads the file (a FIFO or a device in its place must not hang the receipt); undefined when missing or unreadable. */
function readOrUndefined(path: string): string | undefined {
  try {
    const file = readSettingsFile(path);
    return file.exists ? file.text : undefined;
  } catch {
    return undefined;
  }
}

/** The events that run our hook in a settings text (none when unreadable). */
function ourEvents(text: string | undefined, path: string): string[] {
  if (text === undefined) return [];
  try {
    return [...new Set(ourEntries(parseSettingsText(text, path).settings).map((e) => e.event))];
  } catch {
    return [];
  }
}

function endpointOf(text: string | undefined): string | null {
  if (text === undefined) return null;
  try {
    const endpoint = readOtlpSettings(JSON.parse(text) as JsonObject).value.endpoint;
    // As install's summary shows it: user name, password and query values masked.
    return endpoint === undefined ? null : maskUrl(endpoint);
  } catch {
    return null;
  }
}

const silent = (io: CliIO): CliIO => ({ ...io, out: () => undefined, err: () => undefined });

/**
 * Runs `install` (the text command, given as `run`) for `argv` without `--json` and prints the
 * receipt. `settingsPathFor` resolves the settings file the same way the install does.
 */
export async function installWithReceipt(
  argv: readonly string[],
  io: CliIO,
  options: { spec: OptionSpec; settingsPathFor(p: Parsed, env: NodeJS.ProcessEnv, cwd: string): string; run(argv: string[], io: CliIO): Promise<number> },
): Promise<number> {
  const rest = argv.filter((a) => a !== "--json");
  let settingsPath = "";
  let configPath = "";
  let settingsBefore: string | undefined;
  let configBefore: string | undefined;
  let code: number;
  let error: string | undefined;
  try {
    const p = parseOptions([...rest], options.spec);
    settingsPath = options.settingsPathFor(p, io.env, process.cwd());
    configPath = resolve(stringOpt(p, "config") ?? defaultConfigPath(io.env));
    settingsBefore = readOrUndefined(settingsPath);
    configBefore = readOrUndefined(configPath);
    code = await options.run(rest, silent(io));
    if (code !== EXIT.ok) error = `install exited ${code}`;
  } catch (e) {
    code = e instanceof UsageError ? EXIT.usage : EXIT.failed;
    error = (e instanceof Error ? e.message : String(e)).split("\n")[0];
  }
  const settingsAfter = settingsPath === "" ? undefined : readOrUndefined(settingsPath);
  const configAfter = configPath === "" ? undefined : readOrUndefined(configPath);
  const before = ourEvents(settingsBefore, settingsPath);
  const events = ourEvents(settingsAfter, settingsPath);
  const settingsChanged = settingsAfter !== settingsBefore;
  const configChanged = configAfter !== configBefore;
  const status: InstallStatus = error !== undefined ? "failed" : !settingsChanged && !configChanged ? "already-installed" : before.length > 0 ? "updated" : "installed";
  const receipt: InstallReceipt = {
    schema: RECEIPT_SCHEMA,
    version: packageVersion(),
    status,
    ok: error === undefined,
    settings: { path: settingsPath, changed: settingsChanged, events },
    config: { path: configPath, changed: configChanged, endpoint: endpointOf(configAfter) },
    ...(error === undefined ? {} : { error }),
  };
  io.out(`${JSON.stringify(receipt)}\n`);
  return error === undefined ? EXIT.ok : code === EXIT.ok ? EXIT.failed : code;
}
