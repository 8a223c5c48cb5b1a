// The collector configs against the real binary: every supported combination validates,
// and the distribution holds exactly the component types the configs use (read from the
// YAML, not a hand-kept list), all at the manifest's single pinned version.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  BASE_CONFIG,
  BUILDER_MANIFEST,
  OVERLAYS,
  RESTAMP_EXAMPLE,
  ROUTING_EXAMPLE,
  TEAM,
  collectorVersion,
  configArgs,
  requireCollector,
  runCollector,
} from "../support/collector.js";

/** Dummy values: validate resolves ${env:...} and must see non-empty secrets. */
const DUMMY_ENV = {
  LANGFUSE_PUBLIC_KEY: "pk-lf-dummy",
  LANGFUSE_SECRET_KEY: "sk-lf-dummy",
  LANGSMITH_API_KEY: "lsv2_dummy",
  OTELCOL_AGENT_ID: "dev-laptop-1",
  OTELCOL_GATEWAY_ID: "gw1",
};

const COMBINATIONS: Record<string, string[]> = {
  base: [BASE_CONFIG],
  "base + langfuse": [BASE_CONFIG, OVERLAYS.langfuse],
  "base + langsmith": [BASE_CONFIG, OVERLAYS.langsmith],
  "base + langfuse + langsmith": [BASE_CONFIG, OVERLAYS.langfuse, OVERLAYS.langsmith],
  "base + langsmith + langfuse": [BASE_CONFIG, OVERLAYS.langsmith, OVERLAYS.langfuse],
  "base + routing example": [BASE_CONFIG, ROUTING_EXAMPLE],
  "base + langfuse + routing example": [BASE_CONFIG, OVERLAYS.langfuse, ROUTING_EXAMPLE],
  "base + file": [BASE_CONFIG, OVERLAYS.file],
  "base + debug": [BASE_CONFIG, OVERLAYS.debug],
  "base + debug + langfuse + langsmith": [BASE_CONFIG, OVERLAYS.debug, OVERLAYS.langfuse, OVERLAYS.langsmith],
  "base + restamp example": [BASE_CONFIG, RESTAMP_EXAMPLE],
  "team agent": [TEAM.agent],
  "team gateway (base + gateway)": [BASE_CONFIG, TEAM.gateway],
  "team gateway + langfuse + langsmith": [BASE_CONFIG, TEAM.gateway, OVERLAYS.langfuse, OVERLAYS.langsmith],
};
const ALL_CONFIGS = [BASE_CONFIG, ...Object.values(OVERLAYS), ROUTING_EXAMPLE, RESTAMP_EXAMPLE, TEAM.agent, TEAM.gateway];
const KINDS = ["receivers", "processors", "exporters", "extensions", "connectors"] as const;
type Kind = (typeof KINDS)[number];

/** Component types (`otlphttp` of `otlphttp/langfuse`) each config file declares, by kind. */
function typesUsed(files: readonly string[]): Record<Kind, Set<string>> {
  const out = Object.fromEntries(KINDS.map((k) => [k, new Set<string>()])) as Record<Kind, Set<string>>;
  for (const file of files) {
    const doc = parse(readFileSync(file, "utf8")) as Partial<Record<Kind, Record<string, unknown>>>;
    for (const kind of KINDS) for (const id of Object.keys(doc[kind] ?? {})) out[kind].add(id.split("/")[0] as string);
  }
  return out;
}

describe("builder manifest", () => {
  it("pins every component module to the one dist version", () => {
    const manifest = parse(readFileSync(BUILDER_MANIFEST, "utf8")) as Record<string, unknown>;
    const version = collectorVersion();
    const modules = KINDS.flatMap((k) => ((manifest[k] as { gomod: string }[] | undefined) ?? []).map((m) => m.gomod));
    expect(modules.length).toBeGreaterThan(0);
    for (const gomod of modules) expect(gomod, gomod).toMatch(new RegExp(` v${version.replace(/\./g, "\\.")}$`));
  });
});

const bin = requireCollector();

describe.skipIf(!bin)("collector configs on the built binary", () => {
  for (const [name, files] of Object.entries(COMBINATIONS)) {
    it(`validates: ${name}`, () => {
      const r = runCollector(["validate", ...configArgs(files)], DUMMY_ENV);
      expect(r.code, r.stderr).toBe(0);
    });
  }

  it("refuses a team agent without OTELCOL_AGENT_ID (developers' streams would merge on a gateway)", () => {
    const r = runCollector(["validate", ...configArgs([TEAM.agent])], { ...DUMMY_ENV, OTELCOL_AGENT_ID: "" });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('"resource/instance"');
  });

  it("refuses a team gateway without OTELCOL_GATEWAY_ID (two gateways would write the same series)", () => {
    const r = runCollector(["validate", ...configArgs([BASE_CONFIG, TEAM.gateway])], { ...DUMMY_ENV, OTELCOL_GATEWAY_ID: "" });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("external labels configuration contains an empty key or value");
  });

  it("lists exactly the component types the configs use", () => {
    const r = runCollector(["components"]);
    expect(r.code, r.stderr).toBe(0);
    const listed = parse(r.stdout) as Partial<Record<Kind, { name: string }[]>> & { buildinfo?: { version?: string } };
    expect(listed.buildinfo?.version).toBe(collectorVersion());
    const used = typesUsed(ALL_CONFIGS);
    for (const kind of KINDS) {
      const available = new Set((listed[kind] ?? []).map((c) => c.name));
      // Both directions: nothing the configs need is missing, nothing unused is built in.
      expect([...used[kind]].sort(), kind).toEqual([...available].sort());
    }
  });
});
