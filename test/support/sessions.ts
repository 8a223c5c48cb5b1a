import { createPricer } from "../../src/cost/price-request.js";
import type { Session } from "../../src/model/types.js";
import { scanSessions } from "../../src/pipeline/scan-sessions.js";

/** Every session under a projects folder, built with the default prices. */
export async function loadAllSessions(projectsDir: string): Promise<Session[]> {
  const sessions: Session[] = [];
  await scanSessions(projectsDir, { timeZone: "UTC" }, createPricer(), (s) => void sessions.push(s));
  return sessions;
}

export function byId(sessions: readonly Session[], prefix: string): Session {
  const s = sessions.find((x) => x.sessionId.startsWith(prefix));
  if (s === undefined) throw new Error(`no session ${prefix}`);
  return s;
}
