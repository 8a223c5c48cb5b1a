/**
 * doctor's checks of our files: the config file (parses, ours, private when it holds
 * credentials), the home and state folders (ours, writable, 0700 all the way down: the hook
 * refuses a home that others can write), each destination's outbox and the transcripts folder.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { relative, resolve } from "node:path";
import type { LoadedConfig } from "../config/config-file.js";
import { holdsSecrets } from "../config/hook-config.js";
import type { Destination } from "../delivery/destination.js";
import { hooksDestination } from "../delivery/destination.js";
import { destinationsHealth } from "../pipeline/destination-health.js";
import type { JsonObject } from "../util/json.js";
import { octal, privateDirProblem } from "../util/private-fs.js";
import { looseDirs } from "../util/private-tree.js";
import type { Check } from "./doctor-check.js";
import { tilde } from "./doctor-check.js";

function modeOf(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return undefined;
  }
}

/** `machineWide`: the config Claude Code's managed settings name, which every user's hooks read. */
export function configCheck(config: LoadedConfig, sectionErrors: readonly string[], machineWide = false): Check {
  const configPath = config.path;
  const errors = [...config.errors, ...sectionErrors.map((e) => `${configPath}: ${e}`)];
  if (!config.exists) {
    return { name: "config", status: "warn", message: `${tilde(configPath)} does not exist: telemetry goes to local files`, fix: "run claude-code-otel install --endpoint <url>" };
  }
  if (errors.length > 0) return { name: "config", status: "fail", message: errors.join("; "), fix: `fix ${tilde(configPath)} (chmod 600 if it is too open)` };
  const mode = modeOf(configPath);
  if (machineWide && mode !== undefined && (mode & 0o077) !== 0) {
    // Every user's hooks read it, so others must be able to.
    return holdsSecrets(config.raw)
      ? {
          name: "config",
          status: "warn",
          message: `${tilde(configPath)} (machine-wide, named by managed settings) holds credentials every user of this machine can read`,
          fix: "give the local agent the credentials instead, and the hooks its loopback endpoint",
        }
      : { name: "config", status: "ok", message: `${tilde(configPath)} parses, ${octal(mode)} (machine-wide, named by managed settings)` };
  }
  if (mode !== undefined && (mode & 0o077) !== 0) {
    const secrets = holdsSecrets(config.raw);
    return {
      name: "config",
      status: secrets ? "fail" : "warn",
      message: `${tilde(configPath)} is ${octal(mode)}${secrets ? " and holds credentials" : ""}: others can read it`,
      fix: `chmod 600 ${configPath}`,
    };
  }
  return { name: "config", status: "ok", message: `${tilde(configPath)} parses, ${mode === undefined ? "?" : octal(mode)}` };
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Our home (hooks, spool, outbox) or the state folder (ledgers): ours, writable, 0700. */
export function folderCheck(dir: string, role: string): Check {
  const problem = privateDirProblem(dir);
  if (problem !== undefined) {
    return {
      name: "state",
      status: "fail",
      message: `${problem}: the hook refuses it (nothing is recorded)`,
      fix: problem.includes("belongs to") ? "point CLAUDE_CODE_OTEL_HOME at a folder of yours" : `chmod 700 ${dir}`,
    };
  }
  const mode = modeOf(dir);
  if (mode === undefined) return { name: "state", status: "warn", message: `${tilde(dir)} does not exist yet (created by install or the first hook)` };
  if (!writable(dir)) return { name: "state", status: "fail", message: `${tilde(dir)} is not writable: ${role}`, fix: `chown/chmod ${dir}` };
  if (mode !== 0o700) return { name: "state", status: "warn", message: `${tilde(dir)} is ${octal(mode)}: it holds session ids and costs`, fix: `chmod 700 ${dir}` };
  return { name: "state", status: "ok", message: `${tilde(dir)} writable, 0700` };
}

/** Folders below the home and state folder that others can list or enter. */
export function privateFoldersCheck(roots: readonly string[]): Check {
  const loose = roots.flatMap((root) => looseDirs(root).filter((d) => resolve(d.path) !== resolve(root)));
  if (loose.length === 0) return { name: "private folders", status: "ok", message: "every folder below the home and the state folder is 0700" };
  const shown = loose.slice(0, 5).map((d) => `${tilde(d.path)} ${octal(d.mode)}`);
  const foreign = loose.find((d) => d.problem !== undefined);
  return {
    name: "private folders",
    status: foreign !== undefined || loose.some((d) => (d.mode & 0o022) !== 0) ? "fail" : "warn",
    message: `${loose.length} folder${loose.length === 1 ? "" : "s"} not 0700: ${shown.join(", ")}${loose.length > 5 ? ", …" : ""}${foreign === undefined ? "" : `; ${foreign.problem}`}`,
    fix: "run claude-code-otel install (it tightens them to 0700), or chmod 700 each",
  };
}

/** Per destination: its outbox backlog and what its last send found (refused credentials are ✗). */
export function outboxChecks(env: NodeJS.ProcessEnv, stateDir: string, config: JsonObject): Check[] {
  let hooks: Destination;
  try {
    hooks = hooksDestination(env, config);
  } catch {
    return [];
  }
  return destinationsHealth(stateDir, hooks).flatMap((h): Check[] => {
    const f = h.status?.failure;
    const waiting = `${h.queued} request${h.queued === 1 ? "" : "s"} waiting to be sent to ${h.label}`;
    if (f?.kind === "auth")
      return [{ name: "outbox", status: "fail", message: `${f.message}; ${waiting}`, fix: "fix the headers: claude-code-otel install --endpoint <url> --header <name>=<value>" }];
    if (f?.kind === "endpoint")
      return [
        {
          name: "outbox",
          status: "fail",
          message: `${f.message}; ${waiting}`,
          fix: "fix the endpoint (the base URL, without /v1/traces): claude-code-otel install --endpoint <url>",
        },
      ];
    if (h.queued === 0) return h.key === hooks.key ? [{ name: "outbox", status: "ok", message: `empty (${h.label})` }] : [];
    return [{ name: "outbox", status: "warn", message: f !== undefined ? `${waiting}: ${f.message}` : waiting, fix: "check the collector, then run claude-code-otel flush" }];
  });
}

export function transcriptsCheck(projects: string): Check {
  return existsSync(projects)
    ? { name: "transcripts", status: "ok", message: `${tilde(projects)} exists` }
    : { name: "transcripts", status: "warn", message: `${tilde(projects)} does not exist (has Claude Code run here? is CLAUDE_CONFIG_DIR set?)` };
}

/** The state folder is inside the home unless CLAUDE_CONFIG_DIR or CLAUDE_CODE_OTEL_STATE_DIR move it. */
export function isInside(dir: string, parent: string): boolean {
  const rel = relative(resolve(parent), resolve(dir));
  return rel !== "" && !rel.startsWith("..") && !rel.startsWith("/");
}
