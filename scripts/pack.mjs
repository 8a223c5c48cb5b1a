// npm pack's prepack and postpack (package.json). The tarball ships dist/, built fresh here, and a
// package.json without the `prepare` script: `prepare` builds a clone (npm ci, a git URL install),
// but from a tarball npm would only list it as an install script "not yet covered by allowScripts"
// (npm 11 warns, npm 12 skips it) although there is nothing left to build. The same two-step
// pattern as pinst: take the script out before packing, put package.json back after.
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

const MANIFEST = "package.json";
const ORIGINAL = "package.json.before-pack";

function restore() {
  if (existsSync(ORIGINAL)) renameSync(ORIGINAL, MANIFEST);
}

const step = process.argv[2];
if (step === "prepack") {
  restore(); // an earlier pack that died between the two steps
  rmSync("dist", { recursive: true, force: true });
  const build = spawnSync("npm", ["run", "build"], { stdio: "inherit", shell: process.platform === "win32" });
  if (build.status !== 0) process.exit(build.status ?? 1);
  copyFileSync(MANIFEST, ORIGINAL);
  const text = readFileSync(MANIFEST, "utf8");
  const manifest = JSON.parse(text);
  delete manifest.scripts.prepare;
  writeFileSync(MANIFEST, JSON.stringify(manifest, null, 2) + (text.endsWith("\n") ? "\n" : ""));
} else if (step === "postpack") {
  restore();
} else {
  process.stderr.write("usage: node scripts/pack.mjs prepack|postpack\n");
  process.exit(2);
}
