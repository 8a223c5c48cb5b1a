import { defineConfig } from "vitest/config";

/**
 * Tests that start many real processes (the real Claude Code CLI, a burst of ~100 hook
 * processes, collector + Prometheus) measure real behaviour under real timeouts; on two cores
 * they must not compete with each other or with the rest of the suite. They run last, one file
 * at a time.
 */
const HEAVY = [
  "test/e2e/**/*.test.ts",
  "test/hook/hook-concurrency.test.ts",
  "test/flusher/*.test.ts",
  "test/hook/hostile-files.test.ts",
  "test/cli/url-credentials.test.ts",
  "test/cli/special-files.test.ts",
  "test/redact/recorded-leaks.test.ts",
];

export default defineConfig({
  test: {
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Real-component tests spawn servers on loopback; two cores, so keep parallelism modest.
    maxWorkers: 2,
    env: { TZ: "UTC" },
    projects: [
      { extends: true, test: { name: "main", include: ["test/**/*.test.ts"], exclude: HEAVY } },
      { extends: true, test: { name: "heavy", include: HEAVY, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
