// `install --json`: one JSON receipt on stdout for MDM scripts, true to what the files hold.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HOOK_EVENTS } from "../../src/install/settings-merge.js";
import { RECEIPT_SCHEMA, type InstallReceipt } from "../../src/cli/install-receipt.js";
import { packageVersion } from "../../src/util/package-version.js";
import { runCli } from "../support/cli.js";

describe("install --json", () => {
  let dir: string;
  let settings: string;
  let config: string;
  const install = async (...args: string[]): Promise<{ code: number; receipt: InstallReceipt; stdout: string; stderr: string }> => {
    const r = await runCli(["install", "--json", "--settings", settings, ...args], { env: { CLAUDE_CODE_OTEL_HOME: join(dir, "otel") } });
    return { code: r.code, receipt: JSON.parse(r.stdout) as InstallReceipt, stdout: r.stdout, stderr: r.stderr };
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "cco-install-json-"));
    settings = join(dir, "claude", "settings.json");
    config = join(dir, "otel", "config.json");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("installs, then says already installed, then updated; one line of JSON each time, secrets masked", async () => {
    const first = await install("--endpoint", "http://collector:s3cret@127.0.0.1:4318/otel?api_key=k3yQ");
    expect(first.code).toBe(0);
    expect(first.stdout.split("\n")).toHaveLength(2);
    expect(first.stdout).not.toContain("s3cret");
    expect(first.receipt).toEqual({
      schema: RECEIPT_SCHEMA,
      version: packageVersion(),
      status: "installed",
      ok: true,
      settings: { path: settings, changed: true, events: [...HOOK_EVENTS] },
      config: { path: config, changed: true, endpoint: "http://********:********@127.0.0.1:4318/otel?api_key=********" },
    });
    // The URL's password is masked as everywhere else install shows a URL (its exact form is maskUrl's).
    expect(first.stdout).not.toMatch(/collector|s3cret|k3yQ/);
    expect(JSON.parse(readFileSync(config, "utf8"))).toMatchObject({ otlp: { endpoint: "http://collector:s3cret@127.0.0.1:4318/otel?api_key=k3yQ" } });

    const again = await install("--endpoint", "http://collector:s3cret@127.0.0.1:4318/otel?api_key=k3yQ");
    expect([again.code, again.receipt.status, again.receipt.settings.changed, again.receipt.config.changed]).toEqual([0, "already-installed", false, false]);

    const moved = await install("--endpoint", "http://10.0.0.5:4318");
    expect([moved.code, moved.receipt.status, moved.receipt.settings.changed, moved.receipt.config]).toEqual([
      0,
      "updated",
      false,
      { path: config, changed: true, endpoint: "http://10.0.0.5:4318" },
    ]);
  });

  it("a settings file it cannot read as JSON: failed, with the reason, exit 1, the file untouched", async () => {
    await install(); // creates the folders
    writeFileSync(settings, "{ not json");
    const r = await install("--endpoint", "http://127.0.0.1:4318");
    expect(r.code).toBe(1);
    expect(r.receipt).toMatchObject({ status: "failed", ok: false, settings: { path: settings, changed: false, events: [] } });
    expect(r.receipt.error).toMatch(/settings\.json/);
    expect(readFileSync(settings, "utf8")).toBe("{ not json");
  });

  it("a usage mistake: failed, exit 2, nothing written", async () => {
    const r = await install("--protocol", "grpc");
    expect(r.code).toBe(2);
    expect(r.receipt).toMatchObject({ status: "failed", ok: false, settings: { changed: false, events: [] }, config: { changed: false, endpoint: null } });
    expect(r.receipt.error).toMatch(/protocol/);
  });
});
