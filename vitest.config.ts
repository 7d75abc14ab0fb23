import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // each file builds its own database; two cores, so two files at a time
    maxWorkers: 2,
  },
});
