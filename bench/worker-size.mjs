#!/usr/bin/env node
// Upload size of the Worker: `wrangler deploy --dry-run --outdir build/dist`, then raw and gzip -9 size per
// file and in total, against Workers' 64 MiB uncompressed limit (and the former 3 MB free / 10 MB paid
// compressed limits).   npm run bench:worker-size [-- --minify]
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "build", "dist");
rmSync(outdir, { recursive: true, force: true });
const extra = process.argv.slice(2);
const run = spawnSync(process.execPath, [join(root, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", outdir, ...extra], {
  cwd: root,
  encoding: "utf8",
  env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
});
if (run.status !== 0) {
  console.error(run.stdout, run.stderr);
  process.exit(run.status ?? 1);
}
const wranglerTotal = /Total Upload:\s*([^\n]+)/.exec(run.stdout + run.stderr)?.[1]?.trim();

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
const files = walk(outdir).filter((p) => !p.endsWith(".map") && !p.endsWith("README.md"));
const rows = files.map((p) => {
  const buf = readFileSync(p);
  return { file: relative(outdir, p), raw: buf.length, gz: gzipSync(buf, { level: 9 }).length };
}).sort((a, b) => b.raw - a.raw);
const total = rows.reduce((a, r) => ({ raw: a.raw + r.raw, gz: a.gz + r.gz }), { raw: 0, gz: 0 });
const mib = (b) => (b / 2 ** 20).toFixed(2);
console.log(`wrangler deploy --dry-run --outdir build/dist ${extra.join(" ")}`.trim());
console.log(`wrangler reports: Total Upload: ${wranglerTotal ?? "?"}\n`);
console.log("| file | raw bytes | raw MiB | gzip -9 bytes | gzip MiB |");
console.log("|---|---:|---:|---:|---:|");
for (const r of rows) console.log(`| ${r.file} | ${r.raw} | ${mib(r.raw)} | ${r.gz} | ${mib(r.gz)} |`);
console.log(`| **total** | ${total.raw} | ${mib(total.raw)} | ${total.gz} | ${mib(total.gz)} |`);
console.log(`\n64 MiB uncompressed limit: ${total.raw <= 64 * 2 ** 20 ? "fits" : "EXCEEDS"} (${((100 * total.raw) / (64 * 2 ** 20)).toFixed(1)}% used)`);
console.log(`former compressed limits: 10 MB paid ${total.gz <= 10e6 ? "fits" : "exceeds"}, 3 MB free ${total.gz <= 3e6 ? "fits" : "exceeds"}`);
