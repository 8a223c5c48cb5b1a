#!/usr/bin/env -S node --max-semi-space-size=2 --min-semi-space-size=2 --no-allocation-site-pretenuring
// A small young generation keeps a long report under 100 MB of RSS (measured: 118 → 96 MB on a
// 400 MB history) and costs no time: most of what a transcript allocates dies young anyway. Fixed
// at its size from the start (min = max): left to grow from 1 MB, it promoted a session's dead
// lines into old space in some runs and not others, and one report in three or four peaked at
// 120–135 MB instead of 90 (measured: 2/2 gives 88–94 MB over 24 runs, and is no slower).
// --no-allocation-site-pretenuring: V8 otherwise sometimes decides, from an early scavenge that
// caught a session's lines alive, to allocate parsed lines straight into old space, where they
// pile up dead until a full GC (1 report in ~40 at 118 MB; 0 in 64 with the flag; no slower).
// `hook` runs on every Claude Code hook event: route it to its small module before anything
// else loads (no CLI table, no OpenTelemetry SDK, no price library), and exit 0 whatever happens.
// `hook --help` and `hook-alerts --help` are for a person: the CLI below prints the help.
const wantsHelp = process.argv[3] === "--help" || process.argv[3] === "-h";
if (process.argv[2] === "hook" && !wantsHelp) {
  // The pre-bundled hook (npm run build); bin/claude-code-otel.cjs, which `install` uses, is faster still.
  import("../dist/hook/hook.cjs").catch(() => import("../dist/hook/hook-main.js").then((m) => m.hookProcess())).catch(() => process.exit(0));
} else if (process.argv[2] === "hook-alerts" && !wantsHelp) {
  // The synchronous Stop entry for cost alerts: Claude Code waits for it, so skip the CLI too.
  import("../dist/alerts/alerts-main.js").then(
    (m) => m.alertsHookProcess(),
    () => process.exit(0),
  );
} else {
  import("../dist/cli/main.js")
    .then(({ main }) => main(process.argv.slice(2)))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error) => {
        // A clone whose install skipped scripts (npm ci --ignore-scripts) has no dist/ yet.
        const unbuilt = error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("/dist/cli/main.js");
        const message = unbuilt
          ? `not built yet (no dist/): run "npm run build" in ${new URL("..", import.meta.url).pathname}`
          : String(error instanceof Error ? error.message : error).split("\n")[0];
        process.stderr.write(`claude-code-otel: ${message}\n`);
        process.exitCode = 1;
      },
    );
}
