#!/usr/bin/env node
// Entry of the `mhelp` CLI. The TypeScript sources are bundled into dist/ by `npm ci` (the prepare script).
import { existsSync } from "node:fs";
const bundle = new URL("../dist/mhelp-cli.mjs", import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write("mhelp: dist/mhelp-cli.mjs is missing; run `npm ci` (or `npm run build:cli`) in the checkout first\n");
  process.exit(1);
}
const { main } = await import(bundle.href);
process.exitCode = await main(process.argv.slice(2));
