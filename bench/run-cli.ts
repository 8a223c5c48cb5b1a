/** Runs the CLI from sources (for benchmarks when dist/ is not built). */
import { main } from "../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
