#!/usr/bin/env -S node --max-semi-space-size=2 --min-semi-space-size=2 --no-allocation-site-pretenuring
"use strict";
// The command `install` writes into Claude Code's settings. CommonJS on purpose: `hook` runs on
// every tool call, and requiring one pre-bundled CommonJS file skips the ES module loader
// (~4 ms). Everything else goes to the same ES modules as bin/claude-code-otel.js.
const command = process.argv[2];
// `hook --help` is for a person: the CLI prints the help and creates nothing.
if (command === "hook" && process.argv[3] !== "--help" && process.argv[3] !== "-h") {
  try {
    require("../dist/hook/hook.cjs");
  } catch {
    // Not built as a bundle (a plain tsc build): the same hook through ES modules.
    import("../dist/hook/hook-main.js").then(
      (m) => m.hookProcess(),
      () => process.exit(0),
    );
  }
} else {
  import("./claude-code-otel.js");
}
