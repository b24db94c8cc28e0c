#!/usr/bin/env node
// What the lexical heads (model format 4, src/engine/lexical.ts) cost, as ratios within one process: the shipped
// model folder against a copy of it whose model.json names no lexical heads (the encoder alone, the same ONNX
// graph), both loaded by the Node host (onnxruntime-web WASM, the Worker's runtime) and run on the same posts in
// alternating rounds. Prints load time, ms per post for 1-post calls, the lexical logits alone, and the ratios.
//
//   node scripts/with-node22.mjs bench/lexical-cost.mjs [--variant fast] [--posts 60] [--rounds 3] [--out FILE.json]
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const VARIANT = opt("--variant", "default");
const POSTS = Number(opt("--posts", "60"));
const ROUNDS = Number(opt("--rounds", "3"));
const OUT = opt("--out", null);

// made-up posts of about 100-120 tokens (no dataset text), varied so no two are alike
const WORDS = (
  "i have been feeling anxious about work and my exams and i can't sleep at night my partner left and money is tight " +
  "does anyone have advice on how to cope with panic attacks i feel alone and tired of everything my family keeps " +
  "fighting and school is too much please help me figure out what to do next week my doctor changed my medication"
).split(" ");
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const post = () => Array.from({ length: 90 }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(" ") + "?";

const esbuild = await import("esbuild");
mkdirSync(join(root, "build"), { recursive: true });
const work = mkdtempSync(join(root, "build", "bench-lexical-"));
try {
  const entry = join(work, "entry.ts");
  writeFileSync(
    entry,
    `export { loadNodeEngine } from ${JSON.stringify(join(root, "src/hosts/node.ts"))};\n` +
      `export { LexicalHeads } from ${JSON.stringify(join(root, "src/engine/lexical.ts"))};\n` +
      `export { normalise, NORMALISATION_VERSION } from ${JSON.stringify(join(root, "src/engine/normalise.ts"))};\n`,
  );
  const outfile = join(work, "bench.mjs");
  await esbuild.build({ entryPoints: [entry], bundle: true, platform: "node", format: "esm", target: "node22", outfile, packages: "external", absWorkingDir: root, logLevel: "error" });
  const { loadNodeEngine, LexicalHeads, normalise, NORMALISATION_VERSION } = await import(pathToFileURL(outfile).href);

  // the encoder alone: the same folder without lexical heads
  const src = join(root, "models", VARIANT);
  const meta = JSON.parse(readFileSync(join(src, "model.json"), "utf8"));
  if (!meta.lexical) throw new Error(`models/${VARIANT} has no lexical heads to measure`);
  const plain = join(work, "encoder-alone");
  mkdirSync(plain);
  for (const f of [meta.onnx, meta.tokenizer]) copyFileSync(join(src, f), join(plain, f));
  const { lexical: _unused, ...rest } = meta;
  writeFileSync(join(plain, "model.json"), JSON.stringify({ ...rest, heads: meta.heads.map(({ lexical_weight: _w, ...h }) => h) }));

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const timeLoad = async (dir) => {
    const t = performance.now();
    const engine = await loadNodeEngine(dir);
    return { engine, ms: performance.now() - t };
  };
  await timeLoad(plain); // the first load in a process also instantiates ORT's WASM: keep it out of both
  const loads = { with: [], alone: [] };
  let withLex, alone;
  for (let r = 0; r < ROUNDS; r++) {  // alternating, the median of each
    withLex = await timeLoad(src);
    alone = await timeLoad(plain);
    loads.with.push(withLex.ms);
    loads.alone.push(alone.ms);
  }
  const t = performance.now();
  const lexical = LexicalHeads.parse(JSON.parse(readFileSync(join(src, meta.lexical.file), "utf8")), NORMALISATION_VERSION);
  const parseMs = performance.now() - t;

  const posts = Array.from({ length: POSTS }, post);
  const perPost = async (engine) => {
    const s = performance.now();
    for (const p of posts) await engine.predict([p]);
    return (performance.now() - s) / posts.length;
  };
  await perPost(withLex.engine); // warm both
  await perPost(alone.engine);
  const ms = { with: [], alone: [], lexicalOnly: [] };
  for (let r = 0; r < ROUNDS; r++) {
    ms.with.push(await perPost(withLex.engine));
    ms.alone.push(await perPost(alone.engine));
    const normalised = posts.map(normalise);
    const s = performance.now();
    for (let k = 0; k < 20; k++) for (const p of normalised) lexical.logits(p);
    ms.lexicalOnly.push((performance.now() - s) / (20 * posts.length));
  }
  const res = {
    variant: VARIANT,
    model: `${meta.name}@${meta.version}`,
    node: process.versions.node,
    posts: POSTS,
    rounds: ROUNDS,
    load_ms: { with_lexical: median(loads.with), encoder_alone: median(loads.alone), lexical_json_read_and_parse: parseMs },
    ms_per_post: { with_lexical: median(ms.with), encoder_alone: median(ms.alone), lexical_logits_alone: median(ms.lexicalOnly) },
    ratios: {
      per_post_with_over_alone: median(ms.with) / median(ms.alone),
      lexical_logits_share_of_post: median(ms.lexicalOnly) / median(ms.with),
      load_with_over_alone: median(loads.with) / median(loads.alone),
    },
  };
  const f = (x) => x.toFixed(3);
  console.log(`# lexical heads' cost, models/${VARIANT} (${res.model}), Node ${res.node}, ${POSTS} posts × ${ROUNDS} rounds, 1-post calls`);
  console.log(`load (median of ${ROUNDS}): ${f(res.load_ms.with_lexical)} ms with lexical heads vs ${f(res.load_ms.encoder_alone)} ms without (ratio ${f(res.ratios.load_with_over_alone)}); lexical.json read + parse ${f(parseMs)} ms`);
  console.log(`per post: ${f(res.ms_per_post.with_lexical)} ms vs ${f(res.ms_per_post.encoder_alone)} ms (ratio ${f(res.ratios.per_post_with_over_alone)}); lexical logits alone ${f(res.ms_per_post.lexical_logits_alone)} ms = ${(100 * res.ratios.lexical_logits_share_of_post).toFixed(2)} % of a post`);
  if (OUT) writeFileSync(OUT, JSON.stringify(res, null, 1) + "\n");
} finally {
  rmSync(work, { recursive: true, force: true });
}
