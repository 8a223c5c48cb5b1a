import { statSync } from "node:fs";

/**
 * The module a worker thread runs: `dist/pipeline/<name>.bundle.mjs`, bundled with its
 * dependencies by the build (one file loads faster than the hundreds it bundles), unless a compile
 * since (tsc alone, tsc --watch) made it older than `dist/pipeline/<name>.js`, or there is no
 * bundle. `src/pipeline` and `dist/pipeline` are both two levels under the package root, so this
 * finds dist/ from either (tests run the sources; the build comes first).
 */
export function workerUrl(name: string): URL {
  const bundle = new URL(`../../dist/pipeline/${name}.bundle.mjs`, import.meta.url);
  const module = new URL(`../../dist/pipeline/${name}.js`, import.meta.url);
  try {
    return statSync(bundle).mtimeMs >= statSync(module).mtimeMs ? bundle : module;
  } catch {
    return module;
  }
}
