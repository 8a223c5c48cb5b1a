/**
 * What every bench prints with its figures: the machine (CPU, cores, load), Node, the commit, and
 * a corpus's size; and where `--result <file>` asks for them, the figures as JSON for bench/all.ts.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";

/** `2 cores (Intel(R) Xeon(R) ...), 8 GB, load 12.1 / 14.0 / 13.2, node v20.20.2 linux/x64, commit abc1234`. */
export function machineLine(repo: string): string {
  const cpu = cpus();
  const commit = (() => {
    try {
      return execFileSync("git", ["-C", repo, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    } catch {
      return "unknown";
    }
  })();
  return `${cpu.length} cores (${cpu[0]?.model.trim() ?? "unknown CPU"}), ${Math.round(totalmem() / 1e9)} GB, ${loadLine()}, node ${process.version} ${process.platform}/${process.arch}, commit ${commit}`;
}

/** The load average now: on a shared host, what the wall times were measured against. */
export function loadLine(): string {
  return `load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ")} (1/5/15 min)`;
}

/** Bytes and files of the `.jsonl` transcripts under a projects folder. */
export function corpusSize(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const sub = corpusSize(p);
      bytes += sub.bytes;
      files += sub.files;
    } else if (e.name.endsWith(".jsonl")) {
      bytes += statSync(p).size;
      files++;
    }
  }
  return { bytes, files };
}

export function corpusLine(dir: string): string {
  const { bytes, files } = corpusSize(dir);
  return `${dir}: ${(bytes / 1e6).toFixed(0)} MB in ${files.toLocaleString("en-US")} .jsonl files`;
}

/** `--result <file>` from argv: where to write this bench's figures as JSON, if asked. */
export function resultFile(argv: readonly string[] = process.argv): string | undefined {
  const i = argv.indexOf("--result");
  return i >= 0 ? argv[i + 1] : undefined;
}

export function writeResult(data: unknown, argv: readonly string[] = process.argv): void {
  const file = resultFile(argv);
  if (file !== undefined) writeFileSync(file, JSON.stringify(data, null, 2) + "\n");
}

export const median = (xs: readonly number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v.length % 2 === 1 ? (v[(v.length - 1) / 2] as number) : ((v[v.length / 2 - 1] as number) + (v[v.length / 2] as number)) / 2;
};
