/** One line of `doctor`: ✓ ok, ! worth a look, ✗ broken, and what to do about it. */
import { homedir } from "node:os";

export type CheckStatus = "ok" | "warn" | "fail";

export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  readonly message: string;
  readonly fix?: string;
  /** The collector's answer to the probe, for scripts (`--json`). */
  readonly httpStatus?: number;
}

export function tilde(path: string): string {
  const home = homedir();
  return home !== "/" && path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}
