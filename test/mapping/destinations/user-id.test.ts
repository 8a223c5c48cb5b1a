// Reads ../shared/fixtures (a 2.1.330 session, copied to a temp dir); skips with a message when absent.
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../support/cli.js";
import { FIXTURES_2_1_330, requireSharedFixtures } from "../../support/shared-fixtures.js";
import type { OtlpReceiver } from "../../support/otlp-receiver.js";
import { startOtlpReceiver } from "../../support/otlp-receiver.js";

const haveFixtures = requireSharedFixtures();

describe.runIf(haveFixtures)("who ran the session reaches Langfuse", () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it("replay takes user.id from OTEL_RESOURCE_ATTRIBUTES onto every span as langfuse.user.id", async () => {
    const root = mkdtempSync(join(tmpdir(), "cco-user-"));
    cpSync(FIXTURES_2_1_330 as string, join(root, "projects"), { recursive: true });
    const r = await runCli(
      ["replay", "--projects-dir", join(root, "projects"), "--state-dir", join(root, "state"), "--endpoint", receiver.url, "--session", "0704d901", "--idle-minutes", "0"],
      { env: { OTEL_RESOURCE_ATTRIBUTES: "user.id=alice,deployment.environment.name=ci", CLAUDE_CODE_OTEL_HOME: join(root, "otel") } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(receiver.spans.length).toBeGreaterThan(0);
    for (const s of receiver.spans) {
      expect(s.attributes["langfuse.user.id"], s.name).toBe("alice");
      expect(s.resource["user.id"]).toBe("alice");
      expect(s.resource["deployment.environment.name"]).toBe("ci");
    }
  });
});
