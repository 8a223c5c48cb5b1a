// Which products' attributes spans carry (src/mapping/destinations/select.ts), through the mappers
// and through `replay` into a real OTLP receiver. Reads the recorded 2.1.330 sessions.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { replayCommand } from "../../../src/cli/replay-command.js";
import type { Session } from "../../../src/model/types.js";
import { parseDestinations, resolveDestinations } from "../../../src/mapping/destinations/index.js";
import { sessionToSpans } from "../../../src/mapping/map-spans.js";
import { captureIO } from "../../support/cli.js";
import { loadAllSessions } from "../../support/sessions.js";
import { CC_2_1_330, copyIdleFixtures } from "../../support/recorded-fixtures.js";
import type { OtlpReceiver } from "../../support/otlp-receiver.js";
import { startOtlpReceiver } from "../../support/otlp-receiver.js";

const productKeys = (attributes: Record<string, unknown>): string[] => Object.keys(attributes).filter((k) => k.startsWith("langfuse.") || k.startsWith("langsmith."));
const prefixes = (keys: string[]): string[] => [...new Set(keys.map((k) => k.split(".")[0] as string))].sort();

describe("destination selection", () => {
  it("parses lists, all, none, arrays; rejects unknown names with a clear message", () => {
    expect(parseDestinations(undefined, "x")).toBeUndefined();
    expect(parseDestinations("langsmith, LANGFUSE", "x")).toEqual(["langfuse", "langsmith"]);
    expect(parseDestinations("all", "x")).toEqual(["langfuse", "langsmith"]);
    expect(parseDestinations("none", "x")).toEqual([]);
    expect(parseDestinations("", "x")).toEqual([]);
    expect(parseDestinations(["langsmith"], "x")).toEqual(["langsmith"]);
    expect(() => parseDestinations("jaeger", "--destinations")).toThrow('--destinations: unknown destination "jaeger" (langfuse, langsmith, all or none)');
    expect(() => parseDestinations(3, "destinations in the config file")).toThrow("destinations in the config file: expected a list of langfuse, langsmith, all or none");
  });

  it("flag, then CLAUDE_CODE_OTEL_DESTINATIONS, then the config file, then both", () => {
    const env = { CLAUDE_CODE_OTEL_DESTINATIONS: "langsmith" };
    expect(resolveDestinations("none", env, ["langfuse"])).toEqual([]);
    expect(resolveDestinations(undefined, env, ["langfuse"])).toEqual(["langsmith"]);
    expect(resolveDestinations(undefined, {}, ["langfuse"])).toEqual(["langfuse"]);
    expect(resolveDestinations(undefined, { CLAUDE_CODE_OTEL_DESTINATIONS: "" }, undefined)).toEqual(["langfuse", "langsmith"]);
  });
});

describe("destination selection on the recorded Claude Code 2.1.330 sessions", () => {
  let sessions: Session[];
  let receiver: OtlpReceiver | undefined;
  beforeAll(async () => {
    sessions = await loadAllSessions(CC_2_1_330.projects);
  });
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it("each product alone adds exactly its keys; none leaves the core attributes untouched", () => {
    for (const s of sessions) {
      const core = sessionToSpans(s, { final: true, destinations: false });
      const none = sessionToSpans(s, { final: true, destinations: { products: [] } });
      expect(none).toEqual(core);
      const both = sessionToSpans(s, { final: true });
      for (const products of [["langfuse"], ["langsmith"]] as const) {
        const only = sessionToSpans(s, { final: true, destinations: { products } });
        only.forEach((span, i) => {
          const full = both[i]?.attributes ?? {};
          const keys = productKeys(span.attributes);
          expect(prefixes(keys)).toEqual([products[0]]);
          // The same values as with both products on, and the core attributes unchanged.
          for (const k of keys) expect(span.attributes[k]).toEqual(full[k]);
          for (const [k, v] of Object.entries(core[i]?.attributes ?? {})) expect(span.attributes[k]).toEqual(v);
        });
      }
    }
  });

  it("replay --destinations none: the same spans, ids and core attributes, no product keys; a bad value is a usage error", async () => {
    receiver = await startOtlpReceiver();
    const { root, projects } = copyIdleFixtures("cco-dest-");
    const bad = captureIO();
    expect(await main(["replay", "--projects-dir", projects, "--endpoint", receiver.url, "--state-dir", join(root, "state"), "--destinations", "jaeger"], bad)).toBe(2);
    expect(bad.stderr()).toContain('unknown destination "jaeger"');
    // The config file's setting applies when no flag or variable says otherwise.
    writeFileSync(join(root, "config.json"), JSON.stringify({ destinations: ["langsmith"] }));
    const io = captureIO({ CLAUDE_CODE_OTEL_DESTINATIONS: "none" });
    expect(await replayCommand(["--projects-dir", projects, "--endpoint", receiver.url, "--state-dir", join(root, "state"), "--config", join(root, "config.json")], io)).toBe(0);
    const expected = sessions.flatMap((s) => sessionToSpans(s, { final: true, destinations: false }));
    expect(receiver.spans.map((s) => s.spanId).sort()).toEqual(expected.map((s) => s.spanId).sort());
    expect(receiver.spans.flatMap((s) => productKeys(s.attributes))).toEqual([]);
    const byId = new Map(expected.map((s) => [s.spanId, s]));
    for (const got of receiver.spans) expect(Object.keys(got.attributes).sort()).toEqual(Object.keys(byId.get(got.spanId)?.attributes ?? {}).sort());
  }, 60_000);
});
