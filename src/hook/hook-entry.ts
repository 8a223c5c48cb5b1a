/**
 * Entry of the hook bundle (`dist/hook/hook.cjs`, built by esbuild in `npm run build`): the one
 * file `bin/claude-code-otel.cjs` requires for `hook`, so Claude Code's per-tool-call cost is
 * Node's start-up plus one CommonJS file, without the ES module loader.
 */
import { hookProcess } from "./hook-main.js";

void hookProcess();
