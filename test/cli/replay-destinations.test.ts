/**
 * Reads the recorded Claude Code 2.1.330 sessions (test/fixtures).
 * "Already delivered" is per destination: files, the console and --dry-run never keep history
 * from reaching a collector; switching endpoints sends there everything it has not received, and
 * says so. A session is over by its own timestamps: a copied history is finished at once.
 */
import { existsSync, readdirSync, readFileSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { replayCommand } from "../../src/cli/replay-command.js";
import { sessionToSpans } from "../../src/mapping/map-spans.js";
import type { Session } from "../../src/model/types.js";
import { captureIO } from "../support/cli.js";
import { ledgerDirFor } from "../support/destinations.js";
import { expectTotalsEqualReport } from "../support/exported-spans.js";
import type { OtlpReceiver } from "../support/otlp-receiver.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import { auditArrivals } from "../support/parents-first.js";
import { loadAllSessions } from "../support/sessions.js";
import { CC_2_1_330, copyIdleFixtures } from "../support/recorded-fixtures.js";

describe("what each destination received", () => {
  let sessions: Session[];
  let receivers: OtlpReceiver[] = [];
  beforeAll(async () => {
    sessions = await loadAllSessions(CC_2_1_330.projects);
  });
  afterEach(async () => {
    for (const r of receivers) await r.close();
    receivers = [];
  });
  const receiver = async (): Promise<OtlpReceiver> => {
    const r = await startOtlpReceiver();
    receivers.push(r);
    return r;
  };
  const allSpans = (): number => sessions.flatMap((s) => sessionToSpans(s, { final: true })).length;

  it("a replay to files, the console or --dry-run, then to an endpoint: the endpoint gets everything, once, and is told it is new", async () => {
    const { root, projects } = copyIdleFixtures("cco-dest-");
    const stateDir = join(root, "state");
    const base = ["--projects-dir", projects, "--state-dir", stateDir];
    expect(await replayCommand([...base, "--output-dir", join(root, "files")], captureIO())).toBe(0);
    expect(await replayCommand([...base, "--console"], captureIO())).toBe(0);
    const c = await receiver();
    const dry = captureIO();
    expect(await replayCommand([...base, "--endpoint", c.url, "--dry-run"], dry)).toBe(0);
    expect(dry.stdout()).toMatch(new RegExp(`would send ${allSpans()} spans`));
    // Neither the console nor --dry-run made state for the endpoint.
    expect(existsSync(ledgerDirFor(stateDir, { endpoint: c.url }))).toBe(false);

    const first = captureIO();
    expect(await replayCommand([...base, "--endpoint", c.url], first)).toBe(0);
    expect(first.stdout()).toMatch(new RegExp(`^replay: ${sessions.length} sessions \\(0 unchanged\\), sent ${allSpans()} spans`));
    expect(first.stdout()).toMatch(/first replay to this destination; what was sent before to OTLP JSON files in .*files .* is sent here too/);
    expect(c.spans).toHaveLength(allSpans());
    expectTotalsEqualReport(c.points, sessions);

    // A second endpoint: the same again there; the first one gets nothing more.
    const d = await receiver();
    expect(await replayCommand([...base, "--endpoint", d.url], captureIO())).toBe(0);
    expect(d.spans).toHaveLength(allSpans());
    const again = captureIO();
    expect(await replayCommand([...base, "--endpoint", c.url], again)).toBe(0);
    expect(again.stdout()).toMatch(new RegExp(`^replay: ${sessions.length} sessions \\(${sessions.length} unchanged\\), sent 0 spans and 0 metric points`));
    expect(c.spans).toHaveLength(allSpans());
    expect(readdirSync(join(stateDir, "destinations")).sort()).toEqual(
      [ledgerDirFor(stateDir, { outputDir: join(root, "files") }), ledgerDirFor(stateDir, { endpoint: c.url }), ledgerDirFor(stateDir, { endpoint: d.url })]
        .map((p) => p.split("/").at(-1) as string)
        .sort(),
    );
  });

  it("a freshly copied history (new file times, old timestamps) is finished at once: final session spans, no provisional ones", async () => {
    const { root, projects } = copyIdleFixtures("cco-copied-");
    // As `cp` without -p leaves it: every file modified just now.
    const now = new Date();
    for (const e of readdirSync(projects, { withFileTypes: true, recursive: true })) if (e.isFile()) utimesSync(join(e.parentPath, e.name), now, now);
    expect(Date.now() - statSync(join(projects, readdirSync(projects)[0] as string)).mtimeMs).toBeLessThan(60_000);
    const r = await receiver();
    const io = captureIO();
    expect(await replayCommand(["--projects-dir", projects, "--state-dir", join(root, "state"), "--endpoint", r.url], io)).toBe(0);
    expect(io.stdout()).not.toMatch(/left open/);
    const audit = auditArrivals(r.spans);
    expect([audit.provisional, audit.beforeParent.length, audit.orphans.length, audit.repeated.size]).toEqual([0, 0, 0, 0]);
    expect(r.spans.filter((s) => s.name === "claude_code.session")).toHaveLength(sessions.length);
    expectTotalsEqualReport(r.points, sessions);
  });

  it("--dry-run and --console write no state at all", async () => {
    const { root, projects } = copyIdleFixtures("cco-nostate-");
    const stateDir = join(root, "state");
    const printed = captureIO();
    expect(await replayCommand(["--projects-dir", projects, "--state-dir", stateDir, "--console"], printed)).toBe(0);
    expect(printed.stdout()).toContain("claude_code.session");
    expect(await replayCommand(["--projects-dir", projects, "--state-dir", stateDir, "--dry-run"], captureIO())).toBe(0);
    expect(existsSync(stateDir)).toBe(false);
    // And the files default still gets everything afterwards.
    expect(await replayCommand(["--projects-dir", projects, "--state-dir", stateDir, "--output-dir", join(root, "files")], captureIO())).toBe(0);
    const lines = readFileSync(join(root, "files", "traces.jsonl"), "utf8")
      .trimEnd()
      .split("\n");
    expect(lines.length).toBeGreaterThan(0);
  });
});
