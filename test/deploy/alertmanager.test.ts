// Alertmanager config, checked by the real amtool: syntax and templates,
// severity routing, grouping, inhibition, and the Slack message rendering.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT, RULES_FILE, requireTool, runTool } from "../support/prometheus.js";

const DIR = join(REPO_ROOT, "alertmanager");
const CONFIG = join(DIR, "alertmanager.yml");

interface AmConfig {
  global: Record<string, unknown>;
  route: { receiver: string; group_by: string[]; routes: Array<{ receiver: string; matchers: string[] }> };
  inhibit_rules: Array<{ source_matchers: string[]; target_matchers: string[]; equal: string[] }>;
  receivers: Array<{ name: string; slack_configs?: unknown[] }>;
  templates: string[];
}
const config = parse(readFileSync(CONFIG, "utf8")) as AmConfig;
const severities = [
  ...new Set(
    (parse(readFileSync(RULES_FILE, "utf8")) as { groups: Array<{ rules: Array<{ alert?: string; labels?: Record<string, string> }> }> }).groups
      .flatMap((g) => g.rules)
      .filter((r) => r.alert)
      .map((r) => r.labels?.["severity"] ?? ""),
  ),
].sort();

const amtool = requireTool("amtool");

describe.skipIf(!amtool)("amtool", () => {
  const bin = amtool ?? "amtool";
  const tmp = mkdtempSync(join(tmpdir(), "cco-amtool-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("check-config accepts the config and its templates", () => {
    const r = runTool(bin, ["check-config", CONFIG]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/2 receivers/);
    expect(r.output).toMatch(/1 templates/);
  });

  it.each([
    [["severity=critical"], "slack-critical"],
    [["severity=warning"], "slack-warnings"],
    [[], "slack-warnings"],
  ])("routes %j to %s", (labels, receiver) => {
    const r = runTool(bin, ["config", "routes", "test", `--config.file=${CONFIG}`, "alertname=ClaudeCodeToolFailureRateHigh", "project=alpha", ...labels]);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout.trim()).toBe(receiver);
  });

  it("renders a firing alert into the Slack title and text", () => {
    const data = {
      receiver: "slack-critical",
      status: "firing",
      alerts: [
        {
          status: "firing",
          labels: { alertname: "ClaudeCodeToolFailureRateHigh", project: "alpha", severity: "critical" },
          annotations: { summary: "Tool failure rate 9.091% in project alpha", description: "More than 7% failed.", runbook: "See the Tools dashboard." },
          startsAt: "2025-01-01T00:00:00Z",
          endsAt: "0001-01-01T00:00:00Z",
          generatorURL: "",
          fingerprint: "0",
        },
      ],
      groupLabels: { alertname: "ClaudeCodeToolFailureRateHigh", project: "alpha" },
      commonLabels: { alertname: "ClaudeCodeToolFailureRateHigh", project: "alpha", severity: "critical" },
      commonAnnotations: {},
      externalURL: "http://alertmanager",
    };
    const file = join(tmp, "data.json");
    writeFileSync(file, JSON.stringify(data));
    const r = runTool(bin, [
      "template",
      "render",
      `--template.glob=${join(DIR, "templates", "*.tmpl")}`,
      `--template.data=${file}`,
      '--template.text={{ template "claude_code.title" . }}\n{{ template "claude_code.text" . }}',
    ]);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain("[FIRING:1] ClaudeCodeToolFailureRateHigh · alpha (critical)");
    expect(r.stdout).toContain("*Tool failure rate 9.091% in project alpha*");
    expect(r.stdout).toContain("_Runbook:_ See the Tools dashboard.");
  });
});

describe("alertmanager contracts", () => {
  it("routes every severity the rules use to a Slack receiver", () => {
    expect(severities).toEqual(["critical", "warning"]);
    for (const s of severities) {
      const route = config.route.routes.find((r) => r.matchers.includes(`severity="${s}"`));
      expect(route, s).toBeDefined();
      const receiver = config.receivers.find((x) => x.name === route?.receiver);
      expect(receiver?.slack_configs?.length, s).toBeGreaterThan(0);
    }
  });

  it("groups by alertname and project, and lets critical inhibit its warning twin", () => {
    expect(config.route.group_by).toEqual(["alertname", "project"]);
    expect(config.inhibit_rules).toEqual([{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname", "project"] }]);
  });

  it("reads the Slack webhook URL from a file, never from the config", () => {
    expect(config.global["slack_api_url_file"]).toBe("/etc/alertmanager/secrets/slack-webhook-url");
    expect(readFileSync(CONFIG, "utf8")).not.toMatch(/hooks\.slack\.com/);
    expect(readFileSync(join(DIR, "slack-webhook-url.example"), "utf8")).toMatch(/^https:\/\/hooks\.slack\.com\/services\/.*REPLACE/);
  });
});
