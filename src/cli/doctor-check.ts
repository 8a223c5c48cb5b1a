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
  /** `--send-test`: where the test went (the URL as shown), whether it was accepted, what a partial success rejected, the test trace's id. */
  readonly sendTest?: {
    readonly destination: SendTestOrigin;
    readonly signal: "traces" | "metrics";
    readonly url: string;
    readonly accepted: boolean;
    readonly rejected?: number;
    readonly traceId?: string;
  };
}

/** Whose destination a send test went to: the hooks' (the config file's endpoint) or this shell's OTEL_EXPORTER_OTLP_* (replay, watch). */
export type SendTestOrigin = "hooks" | "environment";

export function tilde(path: string): string {
  const home = homedir();
  return home !== "/" && path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}
