/**
 * The team deployment of collector/team/ on loopback, every process real: Jaeger, Debian's
 * Prometheus receiving remote write, two gateways (config.yaml + team/gateway.yaml) and one agent
 * (team/agent.yaml) load-balancing to them; and simulated developers (team-corpus.ts) whose hooks
 * and replays send to the agent.
 *
 *   const stack = await startTeamStack();
 *   await runDeveloper(dev, stack.agentUrl, { hooks: true });
 *   await stack.killGateway(1); ... await stack.restartGateway(1);
 *   await stack.stop();
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { BASE_CONFIG, TEAM, freeLoopbackPort, startCollector, type RunningCollector } from "./collector.js";
import { startJaeger, type RunningJaeger } from "./jaeger.js";
import { startPrometheus, type RunningPrometheus } from "./prometheus.js";
import { startSlowStore, type SlowStore } from "./slow-store.js";
import { BIN, runFlush, runHook, runProcess, waitForQuietHome, type ProcessResult } from "./hook-harness.js";
import type { GeneratedDeveloper } from "./team-corpus.js";

export const GATEWAY_CONFIGS = [BASE_CONFIG, TEAM.gateway] as const;
export const AGENT_ID = "team-agent";

export interface TeamStack {
  readonly jaeger: RunningJaeger;
  readonly prometheus: RunningPrometheus;
  readonly agent: RunningCollector;
  /** The running gateways, `gw1`, `gw2` (a restart replaces the entry). */
  readonly gateways: RunningCollector[];
  /** With `remoteWriteDelayMs`: the slow store between the gateways and Prometheus. */
  readonly slowStore: SlowStore | undefined;
  /** The agent's OTLP/HTTP base URL: where developers send. */
  readonly agentUrl: string;
  /** The agent's own metrics (otelcol_loadbalancer_*, otelcol_exporter_*), Prometheus text. */
  agentTelemetry(): Promise<string>;
  /** SIGKILL gateway `index` (0-based): a crash, nothing flushed. */
  killGateway(index: number): Promise<void>;
  /** Starts gateway `index` again on the same ports. */
  restartGateway(index: number): Promise<void>;
  stop(): Promise<void>;
}

export const gatewayId = (index: number): string => `gw${index + 1}`;

export interface TeamStackOptions {
  readonly agentEnv?: Record<string, string>;
  /** Every remote write reaches Prometheus this much later (slow-store.ts): a slow metrics store. */
  readonly remoteWriteDelayMs?: number;
  /** Rule files Prometheus loads (evaluated every 5 s rather than the files' minute). */
  readonly ruleFiles?: string[];
}

/** Starts Jaeger, Prometheus (remote write receiver), two gateways and the agent. */
export async function startTeamStack(options: TeamStackOptions = {}): Promise<TeamStack> {
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    const jaeger = await startJaeger({ env: { JAEGER_MAX_TRACES: "1000000" } });
    started.push(jaeger);
    const agentTelemetryPort = await freeLoopbackPort();
    // Prometheus scrapes the agent's own metrics (queues, load-balancer outcomes) and receives
    // the gateways' remote writes.
    const prometheus = await startPrometheus({
      scrapeTarget: `127.0.0.1:${agentTelemetryPort}`,
      scrapeInterval: "2s",
      extraFlags: ["--web.enable-remote-write-receiver"],
      ...(options.ruleFiles === undefined ? {} : { ruleFiles: options.ruleFiles, ruleInterval: "5s" }),
    });
    started.push(prometheus);
    const slowStore = options.remoteWriteDelayMs === undefined ? undefined : await startSlowStore(`${prometheus.url}/api/v1/write`, options.remoteWriteDelayMs);
    if (slowStore !== undefined) started.push(slowStore);
    const gatewayEnv = (index: number): Record<string, string> => ({
      OTELCOL_GATEWAY_ID: gatewayId(index),
      OTELCOL_REMOTE_WRITE_ENDPOINT: slowStore?.url ?? `${prometheus.url}/api/v1/write`,
      OTELCOL_JAEGER_ENDPOINT: jaeger.otlpHttpUrl,
    });
    const gateways = await Promise.all([0, 1].map((i) => startCollector({ configs: GATEWAY_CONFIGS, env: gatewayEnv(i) })));
    started.push(...gateways);
    const agent = await startCollector({
      configs: [TEAM.agent],
      env: {
        OTELCOL_AGENT_ID: AGENT_ID,
        OTELCOL_GATEWAY_1: gateways[0]?.otlpGrpcEndpoint ?? "",
        OTELCOL_GATEWAY_2: gateways[1]?.otlpGrpcEndpoint ?? "",
        OTELCOL_TELEMETRY_PORT: String(agentTelemetryPort),
        ...options.agentEnv,
      },
    });
    started.push(agent);
    const stack: TeamStack = {
      jaeger,
      prometheus,
      agent,
      gateways,
      slowStore,
      agentUrl: agent.otlpHttpUrl,
      agentTelemetry: async () => (await fetch(`http://127.0.0.1:${agentTelemetryPort}/metrics`, { signal: AbortSignal.timeout(5_000) })).text(),
      killGateway: async (index) => gateways[index]?.kill(),
      restartGateway: async (index) => {
        const old = gateways[index];
        if (old === undefined) throw new Error(`no gateway ${index}`);
        gateways[index] = await startCollector({ configs: GATEWAY_CONFIGS, env: { ...old.settings }, readyTimeoutMs: 60_000 });
      },
      stop: async () => {
        await agent.stop();
        await Promise.all(gateways.map((g) => g.stop()));
        await Promise.all([slowStore?.stop(), prometheus.stop(), jaeger.stop()]);
      },
    };
    return stack;
  } catch (error) {
    await Promise.all(started.map((s) => s.stop()));
    throw error;
  }
}

/** Writes the developer's config file: where the hooks send, and who they are (user.id). */
export function configureDeveloper(dev: GeneratedDeveloper, endpoint: string): void {
  mkdirSync(dev.otelHome, { recursive: true, mode: 0o700 });
  writeFileSync(join(dev.otelHome, "config.json"), JSON.stringify({ otlp: { endpoint }, resourceAttributes: `user.id=${dev.userId}` }), { mode: 0o600 });
}

/** The developer's environment for replay (the same resource as the hooks: one writer). */
export const developerEnv = (dev: GeneratedDeveloper): NodeJS.ProcessEnv => ({ ...dev.env, OTEL_RESOURCE_ATTRIBUTES: `user.id=${dev.userId}` });

/** Fires the developer's hook payloads one after another (one session, as Claude Code would), then waits for the flusher and flushes. */
export async function runDeveloperHooks(dev: GeneratedDeveloper): Promise<{ hooks: ProcessResult[]; flush: ProcessResult }> {
  const hooks: ProcessResult[] = [];
  for (const payload of dev.hookPayloads) hooks.push(await runHook(dev.env, JSON.stringify(payload)));
  await waitForQuietHome(dev.otelHome, 90_000);
  return { hooks, flush: await runFlush(dev.env) };
}

/** `claude-code-otel replay` of the developer's history to `endpoint` (every session final). */
export function runDeveloperReplay(dev: GeneratedDeveloper, endpoint: string, extraArgs: readonly string[] = []): Promise<ProcessResult> {
  return runProcess([BIN, "replay", "--projects-dir", dev.projects, "--endpoint", endpoint, "--idle-minutes", "0", ...extraArgs], developerEnv(dev), undefined, 300_000);
}

/** Runs `task` over `items`, at most `limit` at a time, results in input order. */
export async function inBatches<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export interface ProcessStats {
  /** User + system CPU seconds so far. */
  readonly cpuSeconds: number;
  /** Peak resident set (VmHWM), MB. */
  readonly peakRssMB: number;
}

/** CPU time and peak memory of a live process, from /proc (Linux). */
export function processStats(pid: number | undefined): ProcessStats {
  if (pid === undefined) return { cpuSeconds: 0, peakRssMB: 0 };
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start at ") ".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return { cpuSeconds: ticks / 100, peakRssMB: Number(hwm ?? 0) / 1024 };
}

/** Counters of data a collector did not pass on: refused, dropped, failed to send or enqueue. */
const SHED = /^otelcol_(receiver_refused|receiver_failed|processor_refused|processor_dropped|exporter_send_failed|exporter_enqueue_failed)_[a-z_]+(?:\{[^}]*\})? (\S+)$/;
/** deltatocumulative's points with an error (out of order, older start, limit): dropped. */
const DELTA_ERRORS = /^otelcol_deltatocumulative_datapoints(?:_total)?\{[^}]*error="[^"]+"[^}]*\} (\S+)$/;

/** Everything the agent and the gateways shed, by counter (non-zero entries only), from their own metrics. */
export async function collectorShed(stack: TeamStack): Promise<Record<string, number>> {
  const texts = await Promise.all(
    [stack.agent, ...stack.gateways].map(async (c) => {
      const res = await fetch(`http://127.0.0.1:${c.settings["OTELCOL_TELEMETRY_PORT"]}/metrics`, { signal: AbortSignal.timeout(5_000) });
      return res.text();
    }),
  );
  const shed: Record<string, number> = {};
  for (const line of texts.join("\n").split("\n")) {
    const m = SHED.exec(line) ?? DELTA_ERRORS.exec(line);
    if (m === null) continue;
    const value = Number(m[m.length - 1]);
    const name = line.slice(0, line.search(/[{ ]/));
    if (value > 0) shed[name] = (shed[name] ?? 0) + value;
  }
  return shed;
}

/** Each collector's warnings and errors (gRPC's own chatter left out), the last `keep` of each, for a bench's report. */
export function collectorWarnings(stack: TeamStack, keep = 3): string[] {
  const lines: string[] = [];
  for (const [name, c] of [["agent", stack.agent], ...stack.gateways.map((g, i) => [gatewayId(i), g] as const)] as const) {
    const errors = c
      .logs()
      .split("\n")
      .filter((l) => /\t(warn|error)\t/.test(l) && !l.includes("grpc@"));
    if (errors.length > 0)
      lines.push(
        `${name}: ${errors.length} warnings and errors, the last: ${errors
          .slice(-keep)
          .map((l) => l.slice(0, 600))
          .join("\n    ")}`,
      );
  }
  return lines;
}
