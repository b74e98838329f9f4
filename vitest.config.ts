import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "var/**"],
    // Tests spawn the CLI, which runs the build in dist/: build it first (test/support/build.ts).
    globalSetup: ["test/support/build.ts"],
    pool: "forks",
    // Two cores: integration suites start real services, so run two files at a time at most.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ["default"],
  },
});
