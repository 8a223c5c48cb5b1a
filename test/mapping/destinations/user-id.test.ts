// Replays a recorded 2.1.330 session (test/fixtures, copied to a temp dir).
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../support/cli.js";
import { CC_2_1_330 } from "../../support/recorded-fixtures.js";
import type { OtlpReceiver } from "../../support/otlp-receiver.js";
import { startOtlpReceiver } from "../../support/otlp-receiver.js";

describe("who ran the session reaches Langfuse", () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it("replay takes user.id from OTEL_RESOURCE_ATTRIBUTES onto every span as langfuse.user.id", async () => {
    const root = mkdtempSync(join(tmpdir(), "cco-user-"));
    cpSync(CC_2_1_330.projects, join(root, "projects"), { recursive: true });
    const r = await runCli(
      [
        "replay",
        "--projects-dir",
        join(root, "projects"),
        "--state-dir",
        join(root, "state"),
        "--endpoint",
        receiver.url,
        "--session",
        CC_2_1_330.sessionId("parallel-fail").slice(0, 8),
        "--idle-minutes",
        "0",
      ],
      { env: { OTEL_RESOURCE_ATTRIBUTES: "user.id=alice,deployment.environment.name=ci", CLAUDE_CODE_OTEL_HOME: join(root, "otel") } },
    );
    expect(r.code, r.stderr).toBe(0);
    // parallel-fail: the session, one turn, two requests, three tool calls, Claude Code's ledger line.
    expect(receiver.spans).toHaveLength(8);
    for (const s of receiver.spans) {
      expect(s.attributes["langfuse.user.id"], s.name).toBe("alice");
      expect(s.resource["user.id"]).toBe("alice");
      expect(s.resource["deployment.environment.name"]).toBe("ci");
    }
  });
});
