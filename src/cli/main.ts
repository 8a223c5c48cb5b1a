import { packageVersion } from "../util/package-version.js";
import { NoInputError, UsageError } from "./args.js";
import type { CliIO } from "./output.js";
import { EXIT, processIO } from "./output.js";
import { oneLine } from "../util/terminal-safe.js";

type Command = (argv: string[], io: CliIO) => Promise<number>;

/**
 * Each command's module is imported when it runs: loading them all (the OpenTelemetry SDK,
 * exporters, the Prometheus server...) costs ~0.4 s of start-up that `replay` with nothing new
 * or `report` would otherwise pay every time.
 */
const lazy =
  <M>(load: () => Promise<M>, pick: (m: M) => Command): Command =>
  async (argv, io) =>
    pick(await load())(argv, io);

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  report: {
    run: lazy(
      () => import("./report-command.js"),
      (m) => m.reportCommand,
    ),
    summary: "terminal dashboard of sessions: cost, tokens, tools, failures (--json, --daily)",
  },
  errors: {
    run: lazy(
      () => import("./errors-command.js"),
      (m) => m.errorsCommand,
    ),
    summary: "every failed tool call of a session, with the call that caused it",
  },
  compactions: {
    run: lazy(
      () => import("./compactions-command.js"),
      (m) => m.compactionsCommand,
    ),
    summary: "every compaction of a session: what left the context, what was read again, what it cost",
  },
  install: {
    run: lazy(
      () => import("./install-command.js"),
      (m) => m.installCommand,
    ),
    summary: "add the hook to Claude Code's settings and write export/alert config (--dry-run)",
  },
  uninstall: {
    run: lazy(
      () => import("./install-command.js"),
      (m) => m.uninstallCommand,
    ),
    summary: "remove exactly our hook entries from Claude Code's settings (--dry-run)",
  },
  doctor: {
    run: lazy(
      () => import("./doctor-command.js"),
      (m) => m.doctorCommand,
    ),
    summary: "check settings, hook paths, config, collector reachability, state and outbox",
  },
  hook: {
    run: lazy(
      () => import("./hook-command.js"),
      (m) => m.hookCommand,
    ),
    summary: "what Claude Code runs on each hook event (install sets it up); queues the event, exits 0",
  },
  "hook-alerts": {
    run: lazy(
      () => import("./hook-command.js"),
      (m) => m.hookAlertsCommand,
    ),
    summary: "the synchronous Stop hook that shows cost alerts (install --alert-usd sets it up)",
  },
  flush: {
    run: lazy(
      () => import("./flush-command.js"),
      (m) => m.flushCommand,
    ),
    summary: "send what hooks queued (spool and outbox) now; hooks run it in the background",
  },
  watch: {
    run: lazy(
      () => import("./watch-command.js"),
      (m) => m.watchCommand,
    ),
    summary: "tail transcripts live and export sessions as they progress (--prometheus-port serves /metrics)",
  },
  replay: {
    run: lazy(
      () => import("./replay-command.js"),
      (m) => m.replayCommand,
    ),
    summary: "send sessions from transcripts as OpenTelemetry traces and metrics (incremental, exactly-once)",
  },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return (
    `claude-code-otel ${packageVersion()}: OpenTelemetry for Claude Code\n\nUsage: claude-code-otel <command> [options]\n\nCommands:\n` +
    Object.entries(COMMANDS)
      .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
      .join("\n") +
    `\n\nRun "claude-code-otel <command> --help" for a command's options.\n`
  );
}

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [first, ...others] = argv;
  // `help <command>` is `<command> --help`.
  const [name, ...rest] = first === "help" && others.length > 0 ? [others[0] as string, "--help", ...others.slice(1)] : argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    io.out(help());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === "--version" || name === "-V") {
    io.out(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.err(`claude-code-otel: unknown command "${name}". Run "claude-code-otel help".\n`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    // One line, whatever the error holds: never a stack, never a raw control character.
    const message = oneLine(error instanceof Error ? error.message : String(error));
    if (error instanceof UsageError) {
      io.err(`claude-code-otel ${name}: ${message}${error.seeHelp ? ` (see claude-code-otel ${name} --help)` : ""}\n`);
      return EXIT.usage;
    }
    io.err(`claude-code-otel ${name}: ${message}\n`);
    return error instanceof NoInputError ? EXIT.noInput : EXIT.failed;
  }
}
