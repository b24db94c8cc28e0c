// Bundles the CLI (src/cli/main.ts) into dist/mhelp-cli.mjs so `npx mhelp` runs on plain Node >= 20.
// Runs on `npm ci`/`npm install` (the `prepare` script). onnxruntime-web stays external: the Node host
// reads its .wasm from node_modules at run time.
import { build } from "esbuild";
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
