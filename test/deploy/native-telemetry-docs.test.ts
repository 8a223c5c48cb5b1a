// Claude Code's own telemetry beside ours (README, "Claude Code's own telemetry in the same
// collector"): the variables the README lists are the fleet template's, temporality explicit.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mergeOurHooks, plannedEntries } from "../../src/install/settings-merge.js";
import { REPO_ROOT } from "../support/shared-fixtures.js";

const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
const template = JSON.parse(readFileSync(join(REPO_ROOT, "examples", "managed-settings.json"), "utf8")) as { env: Record<string, string>; hooks: unknown };

describe("Claude Code's own telemetry: the README's managed settings", () => {
  it("lists exactly the template's variables for Claude Code's metrics, delta temporality named explicitly", () => {
    const at = readme.indexOf("for Claude Code's own metrics its `env` holds:");
    expect(at).toBeGreaterThan(0);
    const block = /```json\n([\s\S]*?)\n```/.exec(readme.slice(at))?.[1] ?? "";
    const documented = JSON.parse(block) as Record<string, string>;
    const { CLAUDE_CODE_OTEL_CONFIG: ours, ...native } = template.env;
    expect(ours).toBeDefined();
    expect(documented).toEqual(native);
    expect(documented["OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"]).toBe("delta");
  });

  it("holds exactly the hooks `install` writes, for a global install under /usr/local and Node in /usr/bin", () => {
    const entries = plannedEntries("/usr/bin/node", "/usr/local/lib/node_modules/claude-code-otel/bin/claude-code-otel.cjs", { alerts: false });
    expect(template.hooks).toEqual(mergeOurHooks({}, entries).settings["hooks"]);
  });
});
