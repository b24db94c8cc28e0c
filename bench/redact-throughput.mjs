#!/usr/bin/env node
// Throughput of redaction (normalisation) on real posts: `mhelp redact` end to end, and normalise() in
// process against a baseline pass run in the same process.
//
//   node bench/redact-throughput.mjs                       # 10,000 silver posts, 3 CLI runs
//   options: --posts N (10000)  --runs K (3)  --cli FILE (another CLI bundle to time on the same file, e.g.
//            an older dist/mhelp-cli.mjs for a before/after)  --out FILE.json
//
// Posts are read in place from ../shared/data/silver/silver.jsonl (MHELP_SHARED overrides ../shared) into a
// temporary JSONL that is deleted afterwards; no text is printed or kept. In process it times, over the
// same posts: the baseline (NFC + whitespace collapse only), the full normalise(), and redactNames() alone
// on already-normalised text, and prints normalise/baseline and names/normalise ratios.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const N = Number(opt("--posts", "10000"));
const RUNS = Number(opt("--runs", "3"));
const OTHER_CLI = opt("--cli", null);
const OUT = opt("--out", null);
const shared = resolve(process.env.MHELP_SHARED ?? join(root, "..", "shared"));
const silver = join(shared, "data", "silver", "silver.jsonl");
if (!existsSync(silver)) {
  console.error(`redact-throughput: ${silver} is missing (set MHELP_SHARED to the shared folder)`);
  process.exit(2);
}

const tmp = mkdtempSync(join(tmpdir(), "mhelp-redact-bench-"));
try {
  const lines = readFileSync(silver, "utf8").split("\n").filter(Boolean).slice(0, N);
  const texts = lines.map((l) => JSON.parse(l).text);
  const input = join(tmp, "posts.jsonl");
  writeFileSync(input, texts.map((text, i) => JSON.stringify({ id: i, text })).join("\n") + "\n");
  const chars = texts.reduce((a, t) => a + t.length, 0);

  // in process: bundle src/engine/normalise.ts so this script runs on plain Node
  const mod = join(tmp, "normalise.mjs");
  await build({ entryPoints: [join(root, "src/engine/normalise.ts")], outfile: mod, bundle: true, platform: "node", format: "esm", logLevel: "warning" });
  const { normalise, redactNames, NORMALISATION_VERSION } = await import(pathToFileURL(mod).href);
  const time = (fn, xs) => {
    const t0 = process.hrtime.bigint();
    const out = xs.map(fn);
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, out };
  };
  const baseline = (t) => t.normalize("NFC").replace(/[\t\n\v\f\r \u00a0]+/g, " ").trim();
  time(normalise, texts.slice(0, 500)); // warm-up
  const base = time(baseline, texts);
  const full = time(normalise, texts);
  const names = time(redactNames, full.out);

  const cliRuns = (bundle) => {
    const ms = [];
    for (let r = 0; r < RUNS; r++) {
      const t0 = process.hrtime.bigint();
      const p = spawnSync(process.execPath, [bundle, "redact", "--input", input, "--output", join(tmp, "out.jsonl")], { encoding: "utf8" });
      if (p.status !== 0) throw new Error(`${bundle} exited ${p.status}: ${p.stderr.slice(-400)}`);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    ms.sort((a, b) => a - b);
    return { median_ms: ms[Math.floor(ms.length / 2)], posts_per_s: Math.round((texts.length / ms[Math.floor(ms.length / 2)]) * 1000) };
  };
  const result = {
    date: new Date().toISOString(),
    node: process.versions.node,
    posts: texts.length,
    mean_chars: Math.round(chars / texts.length),
    normalisation_version: NORMALISATION_VERSION,
    in_process: {
      baseline_ms: Math.round(base.ms),
      normalise_ms: Math.round(full.ms),
      names_only_ms: Math.round(names.ms),
      normalise_posts_per_s: Math.round((texts.length / full.ms) * 1000),
      ratio_normalise_to_baseline: Number((full.ms / base.ms).toFixed(1)),
      share_of_names_in_normalise: Number((names.ms / full.ms).toFixed(2)),
    },
    cli: { "bin/mhelp.mjs": cliRuns(join(root, "bin", "mhelp.mjs")) },
  };
  if (OTHER_CLI) {
    const other = resolve(OTHER_CLI);
    // an older dist/mhelp-cli.mjs bundle exports main(); run it through a tiny launcher
    const launcher = join(tmp, "other-cli.mjs");
    writeFileSync(launcher, `const { main } = await import(${JSON.stringify(pathToFileURL(other).href)});\nprocess.exitCode = await main(process.argv.slice(2));\n`);
    result.cli[OTHER_CLI] = cliRuns(launcher);
    result.cli.ratio_this_to_other = Number((result.cli["bin/mhelp.mjs"].posts_per_s / result.cli[OTHER_CLI].posts_per_s).toFixed(2));
  }
  console.log(JSON.stringify(result, null, 2));
  if (OUT) writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
