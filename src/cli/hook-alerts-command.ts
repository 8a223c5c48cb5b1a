/** `hook-alerts`: run by Claude Code as the synchronous Stop entry; see src/alerts/alerts-main.ts. */
import { alertsHookProcess } from "../alerts/alerts-main.js";
import type { CliIO } from "./output.js";

export async function hookAlertsCommand(_argv: string[], _io: CliIO): Promise<number> {
  // Exits the process itself (code 0, whatever happens): stdout belongs to Claude Code.
  await alertsHookProcess();
  return 0;
}
