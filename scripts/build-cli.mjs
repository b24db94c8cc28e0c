// Builds what the package ships beyond its sources. Runs on `npm ci`/`npm install` (the `prepare` script).
//  - dist/mhelp-cli.mjs: the CLI (src/cli/main.ts) bundled so `mhelp` runs on plain Node >= 20. onnxruntime-web
//    stays external: the Node host reads its .wasm from node_modules at run time.
//  - dist/client/: the typed client (src/client/index.ts) for `import { MhelpClient } from "mhelp/client"`
//    (package.json exports): an ES module with no runtime dependencies, and its declarations (tsconfig.client.json).
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";

await build({
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/mhelp-cli.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["onnxruntime-web", "@huggingface/tokenizers"],
  logLevel: "warning",
});

rmSync("dist/client", { recursive: true, force: true });
await build({
  entryPoints: ["src/client/index.ts"],
  outfile: "dist/client/index.mjs",
  bundle: true,
  platform: "neutral",
  format: "esm",
  target: "es2022",
  logLevel: "warning",
});
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", "tsconfig.client.json"], { stdio: "inherit" });
