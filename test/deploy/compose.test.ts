// examples/docker-compose.yml cannot run here (no Docker): it is parsed and
// every mount, config path, target and URL is checked against the repository.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { configArgs as collectorConfigArgs, requireCollector, runCollector, startCollector } from "../support/collector.js";
import { jaegerRelease } from "../support/jaeger.js";
import { postOtlpJson, tracesRequest } from "../support/otlp-json.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import { REPO_ROOT } from "../support/prometheus.js";
import { ourPaths } from "../../src/cli/install-command.js";
import { runCli } from "../support/cli.js";

const EXAMPLES = join(REPO_ROOT, "examples");
const COMPOSE_FILE = join(EXAMPLES, "docker-compose.yml");

interface Service {
  image: string;
  command?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  env_file?: Array<string | { path: string; required?: boolean }>;
  ports?: string[];
  depends_on?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** Compose interpolation: ${X:-default} -> env X when set and not empty, else default; ${X} -> env X or "". */
function interpolate(value: string, env: Record<string, string> = {}): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g, (_m, name: string, fallback: string | undefined) => env[name] || fallback || "");
}

const compose = parse(readFileSync(COMPOSE_FILE, "utf8")) as Compose;
const services = compose.services;

interface Bind {
  service: string;
  host: string;
  container: string;
}
const namedVolumes = new Set(Object.keys(compose.volumes ?? {}));
const binds: Bind[] = [];
const named: Array<{ service: string; volume: string }> = [];
for (const [name, svc] of Object.entries(services)) {
  for (const spec of svc.volumes ?? []) {
    const [source = "", target = ""] = interpolate(spec).split(":");
    if (source.startsWith(".") || source.startsWith("/")) binds.push({ service: name, host: resolve(EXAMPLES, source), container: target });
    else named.push({ service: name, volume: source });
  }
}

/** The host file behind a container path of `service`, through its bind mounts (longest match). */
function hostPath(service: string, containerPath: string): string | undefined {
  const candidates = binds
    .filter((b) => b.service === service && (containerPath === b.container || containerPath.startsWith(`${b.container}/`)))
    .sort((a, b) => b.container.length - a.container.length);
  const b = candidates[0];
  return b ? join(b.host, containerPath.slice(b.container.length)) : undefined;
}

function configArgs(service: string, env: Record<string, string> = {}): string[] {
  return (services[service]?.command ?? [])
    .map((arg) => interpolate(arg, env))
    .flatMap((arg) => {
      const m = /^--(config|config\.file)=(.+)$/.exec(arg);
      return m?.[2] ? [m[2]] : [];
    });
}

function requireCollectorConfig(): boolean {
  if (existsSync(join(REPO_ROOT, "collector", "config.yaml"))) return true;
  if (process.env["CI"] === "true") throw new Error("collector/config.yaml is missing: the compose file runs it");
  console.warn("SKIPPED: collector/config.yaml not written yet; compose collector checks skipped");
  return false;
}

const CONTAINER_OVERLAYS = "/etc/claude-code-otel/collector/overlays";
/** What a user sets (examples/.env) to run Langfuse and LangSmith together. */
const OVERLAY_ENV = { OTELCOL_CONFIG_OVERLAY: `${CONTAINER_OVERLAYS}/langfuse.yaml`, OTELCOL_CONFIG_OVERLAY_2: `${CONTAINER_OVERLAYS}/langsmith.yaml` };

/** The collector's --config files for `env`, as host paths. */
function collectorConfigs(env: Record<string, string>): string[] {
  return configArgs("otel-collector", env).map((p) => {
    const host = hostPath("otel-collector", p);
    if (!host) throw new Error(`${p} is not under a bind mount of the collector`);
    return host;
  });
}

describe("examples/docker-compose.yml", () => {
  it("runs the collector, Jaeger, Prometheus, Alertmanager and Grafana from pinned images", () => {
    expect(Object.keys(services).sort()).toEqual(["alertmanager", "grafana", "jaeger", "otel-collector", "prometheus"]);
    expect(interpolate(services["otel-collector"]?.image ?? "")).toMatch(/^otel\/opentelemetry-collector-contrib:\d+\.\d+\.\d+$/);
    for (const svc of Object.values(services)) {
      const image = interpolate(svc.image);
      expect(image, svc.image).toMatch(/:[^:]+$/);
      expect(image, svc.image).not.toMatch(/:latest$/);
    }
  });

  it("bind-mounts only paths that exist inside this repository", () => {
    expect(binds.length).toBe(9);
    for (const b of binds) {
      const rel = relative(REPO_ROOT, b.host);
      expect(rel.startsWith(".."), `${b.service}: ${b.host} is outside the repo`).toBe(false);
      expect(existsSync(b.host), `${b.service}: ${rel} does not exist`).toBe(true);
    }
    for (const n of named) expect(namedVolumes.has(n.volume), `${n.service}: undeclared volume ${n.volume}`).toBe(true);
  });

  it("mounts exactly our prometheus/, alertmanager/ and grafana/ files", () => {
    const mounted = (service: string) =>
      binds
        .filter((b) => b.service === service)
        .map((b) => relative(REPO_ROOT, b.host))
        .sort();
    expect(mounted("otel-collector")).toEqual(["collector"]);
    expect(mounted("jaeger")).toEqual(["jaeger"]);
    expect(mounted("prometheus")).toEqual(["prometheus"]);
    expect(mounted("alertmanager")).toEqual(["alertmanager/alertmanager.yml", "alertmanager/slack-webhook-url.example", "alertmanager/templates"]);
    expect(mounted("grafana")).toEqual(["grafana/dashboards", "grafana/provisioning/dashboards", "grafana/provisioning/datasources"]);
  });

  it("starts Prometheus and Alertmanager with our config files", () => {
    const prom = configArgs("prometheus").map((p) => hostPath("prometheus", p));
    expect(prom.map((p) => p && relative(REPO_ROOT, p))).toEqual(["prometheus/prometheus.compose.yml"]);
    const am = configArgs("alertmanager").map((p) => hostPath("alertmanager", p));
    expect(am.map((p) => p && relative(REPO_ROOT, p))).toEqual(["alertmanager/alertmanager.yml"]);
    for (const p of [...prom, ...am]) expect(p && statSync(p).isFile()).toBe(true);
  });

  it("starts the collector with our collector/config.yaml (plus an optional overlay of ours)", () => {
    if (!requireCollectorConfig()) return;
    const files = configArgs("otel-collector").map((p) => hostPath("otel-collector", p));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(f, "collector config outside the mounted collector/ dir").toBeDefined();
      expect(existsSync(f ?? ""), f).toBe(true);
    }
    expect(files.map((f) => f && relative(REPO_ROOT, f))).toContain("collector/config.yaml");
    // Prometheus scrapes the collector's prometheus exporter on :9464.
    const collectorConfig = readFileSync(join(REPO_ROOT, "collector", "config.yaml"), "utf8");
    expect(collectorConfig).toMatch(/:9464\b/);
    // Every listener the config puts on loopback by default must be opened up in
    // the container, or nothing outside it (Prometheus, the published ports) reaches it.
    const env = services["otel-collector"]?.environment ?? {};
    const loopbackDefaults = [...collectorConfig.matchAll(/\$\{env:(OTELCOL_[A-Z_]+_ENDPOINT):-127\.0\.0\.1:(\d+)\}/g)];
    expect(loopbackDefaults.length).toBeGreaterThanOrEqual(3);
    for (const [, name, port] of loopbackDefaults) expect(env[name ?? ""], name).toBe(`0.0.0.0:${port}`);
    // Every overlay of ours is reachable at the container path the overlay variables name.
    const overlays = readdirSync(join(REPO_ROOT, "collector", "overlays")).filter((f) => f.endsWith(".yaml"));
    for (const o of overlays) expect(hostPath("otel-collector", `${CONTAINER_OVERLAYS}/${o}`)).toBe(join(REPO_ROOT, "collector", "overlays", o));
    expect(readFileSync(COMPOSE_FILE, "utf8")).toContain(`${CONTAINER_OVERLAYS}/langfuse.yaml`);
  });

  it("merges up to three overlays, in order; unset slots merge the no-op overlays/none.yaml", () => {
    const files = (env: Record<string, string>) => collectorConfigs(env).map((f) => relative(REPO_ROOT, f));
    expect(files({})).toEqual(["collector/config.yaml", ...Array.from({ length: 3 }, () => "collector/overlays/none.yaml")]);
    expect(files(OVERLAY_ENV)).toEqual(["collector/config.yaml", "collector/overlays/langfuse.yaml", "collector/overlays/langsmith.yaml", "collector/overlays/none.yaml"]);
    expect(parse(readFileSync(join(REPO_ROOT, "collector", "overlays", "none.yaml"), "utf8"))).toEqual({});
  });

  it("runs Jaeger with our jaeger/config.yaml, every listener opened up, and the collector's traces go there", () => {
    const files = configArgs("jaeger").map((p) => hostPath("jaeger", p));
    expect(files.map((f) => f && relative(REPO_ROOT, f))).toEqual(["jaeger/config.yaml"]);
    const jaegerConfig = readFileSync(join(REPO_ROOT, "jaeger", "config.yaml"), "utf8");
    const env = services["jaeger"]?.environment ?? {};
    const loopbackDefaults = [...jaegerConfig.matchAll(/\$\{env:(JAEGER_[A-Z_]+_ENDPOINT):-127\.0\.0\.1:(\d+)\}/g)];
    expect(loopbackDefaults.map((m) => m[1]).sort()).toEqual(["JAEGER_OTLP_HTTP_ENDPOINT", "JAEGER_QUERY_GRPC_ENDPOINT", "JAEGER_QUERY_HTTP_ENDPOINT"]);
    for (const [, name, port] of loopbackDefaults) expect(env[name ?? ""], name).toBe(`0.0.0.0:${port}`);
    const otlpPort = /JAEGER_OTLP_HTTP_ENDPOINT:-127\.0\.0\.1:(\d+)/.exec(jaegerConfig)?.[1];
    expect(services["otel-collector"]?.environment?.["OTELCOL_JAEGER_ENDPOINT"]).toBe(`http://jaeger:${otlpPort}`);
    expect(services["otel-collector"]?.depends_on).toContain("jaeger");
    // The image of the release the tests build and run.
    expect(interpolate(services["jaeger"]?.image ?? "")).toBe(`jaegertracing/jaeger:${jaegerRelease()}`);
    // The UI on the port Grafana's data source and the dashboards' links use.
    expect(services["jaeger"]?.ports).toEqual(["127.0.0.1:16686:16686"]);
    expect(interpolate(services["grafana"]?.environment?.["JAEGER_URL"] ?? "")).toBe("http://jaeger:16686");
  });

  it("pins the same collector version as collector/builder-config.yaml (when present)", () => {
    const builder = join(REPO_ROOT, "collector", "builder-config.yaml");
    if (!existsSync(builder)) {
      console.warn("SKIPPED: collector/builder-config.yaml not written yet; version check skipped");
      return;
    }
    const pinned = /opentelemetry-collector-contrib:(\S+)/.exec(interpolate(services["otel-collector"]?.image ?? ""))?.[1];
    const versions = [...readFileSync(builder, "utf8").matchAll(/opentelemetry-collector-contrib\/[^\s]+ v(\d+\.\d+\.\d+)/g)].map((m) => m[1]);
    expect(versions.length, "no contrib component versions in builder-config.yaml").toBeGreaterThan(0);
    expect(new Set(versions)).toEqual(new Set([pinned]));
  });

  it("publishes OTLP and the UIs on loopback only", () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const port of svc.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:/);
    }
    expect(services["otel-collector"]?.ports).toContain("127.0.0.1:4318:4318");
  });

  it("points Prometheus at the compose services and keeps prometheus.compose.yml in step with prometheus.yml", () => {
    const read = (f: string) => parse(readFileSync(join(REPO_ROOT, "prometheus", f), "utf8")) as Record<string, unknown>;
    const host = read("prometheus.yml");
    const inCompose = read("prometheus.compose.yml");
    const targets =
      JSON.stringify(inCompose)
        .match(/"[a-z0-9.-]+:\d+"/g)
        ?.map((t) => JSON.parse(t) as string) ?? [];
    expect(targets.sort()).toEqual(["alertmanager:9093", "otel-collector:9464"]);
    for (const t of targets) expect(Object.keys(services)).toContain(t.split(":")[0]);
    const normalise = (c: Record<string, unknown>) => JSON.stringify(c).replace(/"(127\.0\.0\.1|alertmanager|otel-collector):(\d+)"/g, '"HOST:$2"');
    expect(normalise(inCompose)).toBe(normalise(host));
    // rule_files are relative to the config file, and the rules are mounted beside it.
    const ruleGlob = (inCompose["rule_files"] as string[])[0] ?? "";
    expect(existsSync(join(REPO_ROOT, "prometheus", dirname(ruleGlob)))).toBe(true);
  });

  it("gives Grafana a PROMETHEUS_URL that reaches the prometheus service, and the dashboards where the provider looks", () => {
    const env = services["grafana"]?.environment ?? {};
    expect(interpolate(env["PROMETHEUS_URL"] ?? "")).toBe("http://prometheus:9090");
    expect(hostPath("grafana", "/var/lib/grafana/dashboards")).toBe(join(REPO_ROOT, "grafana", "dashboards"));
    const provider = parse(readFileSync(join(REPO_ROOT, "grafana", "provisioning", "dashboards", "claude-code.yaml"), "utf8")) as {
      providers: Array<{ options: { path: string } }>;
    };
    expect(hostPath("grafana", provider.providers[0]?.options.path ?? "")).toBe(join(REPO_ROOT, "grafana", "dashboards"));
    expect(hostPath("grafana", "/etc/grafana/provisioning/datasources/prometheus.yaml")).toBe(join(REPO_ROOT, "grafana", "provisioning", "datasources", "prometheus.yaml"));
  });

  it("gives Alertmanager the Slack webhook file its config names, and its templates", () => {
    const am = parse(readFileSync(join(REPO_ROOT, "alertmanager", "alertmanager.yml"), "utf8")) as {
      global: { slack_api_url_file: string };
      templates: string[];
    };
    const secret = hostPath("alertmanager", am.global.slack_api_url_file);
    expect(secret && existsSync(secret), am.global.slack_api_url_file).toBe(true);
    const templates = hostPath("alertmanager", join("/etc/alertmanager", dirname(am.templates[0] ?? "")));
    expect(templates && existsSync(templates)).toBe(true);
  });
});

const collectorBin = requireCollector();

describe.skipIf(!collectorBin)("the compose collector's config list on the real collector", () => {
  const secrets = { LANGFUSE_PUBLIC_KEY: "pk-lf-compose", LANGFUSE_SECRET_KEY: "sk-lf-compose", LANGSMITH_API_KEY: "lsv2_compose" };

  it("validates with no overlay, and with three", () => {
    for (const env of [{}, { ...OVERLAY_ENV, OTELCOL_CONFIG_OVERLAY_3: `${CONTAINER_OVERLAYS}/debug.yaml` }]) {
      const r = runCollector(["validate", ...collectorConfigArgs(collectorConfigs(env))], secrets);
      expect(r.code, `${JSON.stringify(env)}\n${r.stderr}`).toBe(0);
    }
  });

  it("runs Langfuse and LangSmith together: both receive our spans", async () => {
    const [langfuse, langsmith] = await Promise.all([startOtlpReceiver(), startOtlpReceiver()]);
    const collector = await startCollector({
      configs: collectorConfigs(OVERLAY_ENV),
      env: { ...secrets, LANGFUSE_OTLP_ENDPOINT: `${langfuse.url}/api/public/otel`, LANGSMITH_OTLP_ENDPOINT: `${langsmith.url}/otel` },
    });
    try {
      const traceId = "c0" + "0".repeat(29) + "1";
      const span = { name: "claude_code.session", traceId, spanId: "c000000000000001", startMs: Date.now() - 5_000, endMs: Date.now() };
      expect(await postOtlpJson(collector.otlpHttpUrl, "traces", tracesRequest([span]))).toBe(200);
      const deadline = Date.now() + 20_000;
      while ((langfuse.spans.length === 0 || langsmith.spans.length === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect([langfuse.spans.map((s) => s.spanId), langsmith.spans.map((s) => s.spanId)], collector.logs()).toEqual([["c000000000000001"], ["c000000000000001"]]);
      expect(langfuse.requests[0]?.path).toBe("/api/public/otel/v1/traces");
      expect(langsmith.requests[0]?.path).toBe("/otel/v1/traces");
    } finally {
      await collector.stop();
      await Promise.all([langfuse.close(), langsmith.close()]);
    }
  });
});

describe("examples/claude-code-settings.json", () => {
  it("is exactly what `install` writes into an empty settings file, with the node and package paths as placeholders", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cco-example-settings-"));
    const settings = join(dir, "settings.json");
    const r = await runCli(["install", "--settings", settings], { env: { CLAUDE_CODE_OTEL_HOME: join(dir, "otel") } });
    expect(r.code, r.stderr).toBe(0);
    const { nodePath, binPath } = ourPaths();
    const written = readFileSync(settings, "utf8")
      .split(`'${nodePath}'`)
      .join("'/usr/bin/node'")
      .split(`'${binPath}'`)
      .join("'/path/to/claude-code-otel/bin/claude-code-otel.cjs'");
    expect(readFileSync(join(EXAMPLES, "claude-code-settings.json"), "utf8")).toBe(written);
  });
});
