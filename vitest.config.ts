import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Real-component tests spawn servers on loopback; two cores, so keep parallelism modest.
    maxWorkers: 2,
    env: { TZ: "UTC" },
  },
});
