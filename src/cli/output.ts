/** The CLI's only door to the terminal. Hooks never use `out`: stdout belongs to Claude Code. */
export interface CliIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly isTTY: boolean;
  readonly errIsTTY: boolean;
  readonly color: boolean;
  readonly env: NodeJS.ProcessEnv;
  /** Characters per line for tables: see `outputColumns`. */
  readonly columns: number;
}

/** Where no terminal says otherwise (a pipe, a file): wide enough for the report's session table. */
export const DEFAULT_COLUMNS = 160;

/** The terminal's width when stdout is one, else `COLUMNS`, else DEFAULT_COLUMNS. */
export function outputColumns(ttyColumns: number | undefined, env: NodeJS.ProcessEnv): number {
  if (ttyColumns !== undefined && ttyColumns > 0) return ttyColumns;
  const fromEnv = Number(env["COLUMNS"]);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_COLUMNS;
}

let closedPipesIgnored = false;

/**
 * `claude-code-otel report | head -3`, `replay 2>&1 | head`: a reader that has seen enough closes
 * the pipe. The rest of that output is dropped, as other tools do, and the command still finishes
 * its work (a replay still commits what it sent) instead of dying on an unhandled EPIPE.
 */
function ignoreClosedPipes(): void {
  if (closedPipesIgnored) return;
  closedPipesIgnored = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
    });
  }
}

export function processIO(env: NodeJS.ProcessEnv = process.env): CliIO {
  ignoreClosedPipes();
  const isTTY = process.stdout.isTTY === true;
  const noColor = env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "";
  const forceColor = env["FORCE_COLOR"] !== undefined && env["FORCE_COLOR"] !== "0";
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    isTTY,
    errIsTTY: process.stderr.isTTY === true,
    color: forceColor || (isTTY && !noColor),
    env,
    columns: outputColumns(isTTY ? process.stdout.columns : undefined, env),
  };
}

/** Exit codes scripts can rely on. */
export const EXIT = {
  ok: 0,
  /** Work was attempted and failed (e.g. the OTLP endpoint refused): nothing was committed. */
  failed: 1,
  usage: 2,
  /** Nothing to work on: missing projects folder, no transcripts, unknown session. */
  noInput: 3,
} as const;
