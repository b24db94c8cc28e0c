// Three projects, all run by `npm test`:
//   worker:  route tests inside workerd (@cloudflare/vitest-plugin), real bundled model + local KV
//   node:    engine, safety, CLI and scripts tests in plain Node
//   browser: the demo page in headless Chromium (/usr/bin/chromium) against a local `wrangler dev`
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // the Worker's one-line-per-request logs would drown the output (test/worker/observability.test.ts checks them)
    onConsoleLog: (log) => !log.includes('"msg":"request"'),
    projects: [
      {
        test: {
          name: "node",
          environment: "node",
          include: ["test/engine/**/*.test.ts", "test/safety/**/*.test.ts", "test/cli/**/*.test.ts", "test/scripts/**/*.test.ts", "test/docs/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // the demo page in real headless Chromium against `wrangler dev` (test/browser/demo.test.ts)
        test: {
          name: "browser",
          environment: "node",
          include: ["test/browser/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
        // tsconfig.json's "paths" for `mhelp-model/`: the model folder the Worker bundles (src/worker/model.ts)
        resolve: { alias: { "mhelp-model": fileURLToPath(new URL("./models/default", import.meta.url)) } },
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts"],
          // stores this file's API key (the tests run with AUTH_REQUIRED = "true", as deployed)
          setupFiles: ["test/worker/setup.ts"],
          // the first prediction in an isolate creates ORT's WASM instance and the session
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
