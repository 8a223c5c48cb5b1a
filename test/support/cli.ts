import { main } from "../../src/cli/main.js";
import type { CliIO } from "../../src/cli/output.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output (no TTY, no colour unless asked). */
export async function runCli(argv: string[], options: { env?: NodeJS.ProcessEnv; color?: boolean } = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    isTTY: false,
    errIsTTY: false,
    color: options.color ?? false,
    env: { TZ: "UTC", ...options.env },
    columns: 200,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
