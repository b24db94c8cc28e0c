// Two projects, both run by `npm test`:
//   worker: route tests inside workerd (@cloudflare/vitest-plugin), real bundled model + local KV
//   node:   engine and CLI tests in plain Node
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "node",
          environment: "node",
          include: ["test/engine/**/*.test.ts", "test/cli/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts"],
          // the first prediction in an isolate creates ORT's WASM instance and the session
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
