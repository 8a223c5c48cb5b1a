/**
 * Builds a large transcript corpus by cloning the real fixtures with fresh ids:
 * new session ids, message ids and request ids per clone, so neither we nor ccusage
 * de-duplicate one clone against another. Usage: tsx bench/make-corpus.ts [outDir] [minMB]
 *
 * The fixtures: ../shared/fixtures (its 2.1.330 set and the public transcripts, the corpus the
 * figures in docs/performance.md were measured on) when it is beside the checkout, else the
 * project's recorded sets in test/fixtures (every release).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { FIXTURES_DIR } from "../test/support/recorded-fixtures.js";
import { FIXTURES_2_1_330, PUBLIC_FIXTURES } from "../test/support/shared-fixtures.js";

const out = process.argv[2] ?? join(process.cwd(), "bench", ".corpus", "projects");
const minBytes = Number(process.argv[3] ?? 400) * 1e6;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface SourceSession {
  id: string;
  files: { rel: string; text: string }[];
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? listFiles(p) : e.isFile() && (e.name.endsWith(".jsonl") || e.name.endsWith(".meta.json")) ? [p] : [];
  });
}

function sources(): SourceSession[] {
  const shared = FIXTURES_2_1_330 === undefined || PUBLIC_FIXTURES === undefined ? undefined : [FIXTURES_2_1_330, PUBLIC_FIXTURES];
  const roots =
    shared ??
    readdirSync(FIXTURES_DIR)
      .filter((n) => n.startsWith("claude-code-"))
      .map((n) => join(FIXTURES_DIR, n, "projects"));
  console.log(`cloning ${shared === undefined ? "the recorded fixtures in test/fixtures" : "../shared/fixtures"}`);
  const byId = new Map<string, SourceSession>();
  for (const root of roots) {
    for (const path of listFiles(root)) {
      // Group each file under the session uuid in its path (main file or its subagents folder).
      const id = relative(root, path)
        .split("/")
        .map((p) => p.replace(/\.jsonl$/, ""))
        .find((p) => UUID.test(p));
      if (id === undefined) continue;
      const s = byId.get(id) ?? { id, files: [] };
      s.files.push({
        rel: relative(root, path)
          .split("/")
          .slice(-3)
          .join("/")
          .replace(/^.*?(?=[0-9a-f]{8}-)/, ""),
        text: readFileSync(path, "utf8"),
      });
      byId.set(id, s);
    }
  }
  return [...byId.values()];
}

function freshId(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

if (existsSync(out)) rmSync(out, { recursive: true });
const all = sources();
let bytes = 0;
let sessions = 0;
for (let clone = 0; bytes < minBytes || sessions < 1000; clone++) {
  const project = join(out, `-home-bench-project-${clone % 25}`);
  for (const s of all) {
    const id = freshId(`${s.id}/${clone}`);
    for (const f of s.files) {
      const text = f.text.replaceAll(s.id, id).replaceAll('"id":"msg_', `"id":"msg_c${clone}_`).replaceAll('"requestId":"req_', `"requestId":"req_c${clone}_`);
      const path = join(project, f.rel.replaceAll(s.id, id));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      bytes += Buffer.byteLength(text);
    }
    sessions++;
  }
}
const mainFiles = readdirSync(out).reduce((n, p) => n + readdirSync(join(out, p)).filter((f) => f.endsWith(".jsonl")).length, 0);
console.log(JSON.stringify({ corpus: out, sessions, mainFiles, megabytes: Math.round(bytes / 1e6) }));
