/**
 * The one resolver of what replay, watch and the hooks' flusher share besides the destination.
 */
import { describe, expect, it } from "vitest";
import { DestinationsError } from "../../src/mapping/destinations/index.js";
import { MetricSessionIdError } from "../../src/config/metric-session-id.js";
import { resolveExportSettings } from "../../src/pipeline/export-settings.js";
import { packageVersion } from "../../src/sdk/resource-attributes.js";

const HOME = { CLAUDE_CONFIG_DIR: "/home/u/.claude" };
const OURS = { "service.name": "claude-code-otel", "service.version": packageVersion(), "claude_code.telemetry.source": "claude-code-otel" };

describe("resolveExportSettings", () => {
  it("defaults: the state folder under the home, our resource, no content, both products, no session.id, the current GenAI names only", () => {
    const s = resolveExportSettings(HOME, {});
    expect(s).toEqual({
      stateDir: "/home/u/.claude/otel/state",
      resourceAttributes: OURS,
      captureContent: false,
      products: ["langfuse", "langsmith"],
      includeSessionId: false,
      legacyGenAiNames: false,
      destinations: { userId: undefined, integrationVersion: packageVersion(), products: ["langfuse", "langsmith"] },
    });
  });

  it("the config file's resourceAttributes stand in for OTEL_RESOURCE_ATTRIBUTES, which wins when set; user.id reaches the products' attributes", () => {
    const config = { resourceAttributes: "user.id=alice,deployment.environment.name=ci" };
    const fromConfig = resolveExportSettings(HOME, config);
    expect(fromConfig.resourceAttributes).toEqual({ ...OURS, "user.id": "alice", "deployment.environment.name": "ci" });
    expect(fromConfig.destinations.userId).toBe("alice");
    const fromEnv = resolveExportSettings({ ...HOME, OTEL_RESOURCE_ATTRIBUTES: "user.id=bob", OTEL_SERVICE_NAME: "cc" }, config);
    expect(fromEnv.resourceAttributes).toEqual({ ...OURS, "service.name": "cc", "user.id": "bob" });
    expect(fromEnv.destinations.userId).toBe("bob");
    // A non-string value in the config is not a resource.
    expect(resolveExportSettings(HOME, { resourceAttributes: 5 }).resourceAttributes).toEqual(OURS);
  });

  it("options over the environment over the config file", () => {
    const env = { ...HOME, CLAUDE_CODE_OTEL_STATE_DIR: "/s", CLAUDE_CODE_OTEL_DESTINATIONS: "langsmith", OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "true" };
    const config = { destinations: "langfuse", metricSessionId: true };
    const s = resolveExportSettings(env, config);
    expect([s.stateDir, s.products, s.includeSessionId, s.captureContent]).toEqual(["/s", ["langsmith"], true, true]);
    const o = resolveExportSettings(env, config, { stateDir: "/o", products: "none", metricSessionId: true });
    expect([o.stateDir, o.products, o.destinations.products, o.includeSessionId]).toEqual(["/o", [], [], true]);
    // The v1.41.0 GenAI names: OTEL_SEMCONV_STABILITY_OPT_IN over the config file's semconvStabilityOptIn.
    const dup = "gen_ai_latest_experimental/dup";
    expect(resolveExportSettings(HOME, { semconvStabilityOptIn: dup }).legacyGenAiNames).toBe(true);
    expect(resolveExportSettings({ ...HOME, OTEL_SEMCONV_STABILITY_OPT_IN: "http" }, { semconvStabilityOptIn: dup }).legacyGenAiNames).toBe(false);
    expect(resolveExportSettings({ ...HOME, OTEL_SEMCONV_STABILITY_OPT_IN: `http,${dup}` }, {}).legacyGenAiNames).toBe(true);
  });

  it("a bad value throws, or with onInvalid is reported and the default stands", () => {
    const config = { destinations: "jaeger", metricSessionId: "maybe" };
    expect(() => resolveExportSettings(HOME, config)).toThrow(DestinationsError);
    expect(() => resolveExportSettings(HOME, { metricSessionId: "maybe" })).toThrow(MetricSessionIdError);
    const warnings: string[] = [];
    const s = resolveExportSettings(HOME, config, {}, (m) => warnings.push(m));
    expect([s.products, s.includeSessionId]).toEqual([["langfuse", "langsmith"], false]);
    expect(warnings).toEqual([
      'destinations in the config file: unknown destination "jaeger" (langfuse, langsmith, all or none); sending both products\' attributes',
      'metricSessionId in the config file: expected true or false, got "maybe"; metric points without session.id',
    ]);
  });
});
