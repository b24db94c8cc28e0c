#!/usr/bin/env node
// Evidence methods for help_seeking, compared on the same posts with the one scorer of `mhelp eval --evidence`
// (src/cli/evidence-eval.ts: locateSpans, scorePost, bootstrapMeanCI).
//
//   node bench/evidence-methods.mjs --set gold                                # the judge: gold dev, all yes posts
//   node bench/evidence-methods.mjs --set silver [--sample 600] [--seed 13]   # in-sample for the request scorer
//   options: --model DIR  --out FILE.json  --cache FILE.json (raw scores, reused for the same posts and model)
//   --compare A,B (paired difference B − A of the top-span hit, bootstrap CI; default alone_prior,shipped)
//
// Posts: help_seeking "yes" with a non-empty help_evidence found verbatim in the text (silver: its one
// string; gold: any annotator's). Silver: a seeded sample (mulberry32(seed) Fisher–Yates over the eligible
// posts in file order, first N). The request-sentence scorer (models/evidence-scorer.json) was fitted on every
// silver post's help_evidence, so silver is in-sample for the request methods; its held-out silver score is in
// that file (`metrics.silver_held_out`), and gold dev, which no part of it saw, is the judge.
//
// For every sentence of every post the model is run once on the sentence alone; each method then picks its
// top span from these cached scores and the request scores, and its cost is the number of passes it would make
// in the API (its budget), not what this bench ran. No text is printed or written: the cache and the output
// hold ids, offsets and probabilities only. Results: bench/results/evidence-methods-{gold,silver}.json.
// `shipped` is src/engine/evidence.ts itself and must equal the method it was chosen as (request_alone).
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
const SET = opt("--set", "silver");
const SAMPLE = Number(opt("--sample", "600"));
const SEED = Number(opt("--seed", "13"));
const MODEL = opt("--model", undefined);
const OUT = opt("--out", null);
const CACHE = opt("--cache", join(tmpdir(), `mhelp-evidence-${SET}${SET === "silver" ? `-${SAMPLE}-${SEED}` : ""}.json`));
const COMPARE = opt("--compare", "alone_prior,shipped").split(",");
const shared = resolve(process.env.MHELP_SHARED ?? join(root, "..", "shared"));
const file = SET === "gold" ? join(shared, "data", "gold", "dev.jsonl") : join(shared, "data", "silver", "silver.jsonl");
if (!existsSync(file)) {
  console.error(`evidence-methods: ${file} is missing (set MHELP_SHARED to the shared folder)`);
  process.exit(2);
}

// bundled inside the package (onnxruntime-web and the model folder resolve from there), removed after import
const tmp = mkdtempSync(join(root, "bench", ".evidence-bundle-"));
const entry = join(tmp, "entry.ts");
writeFileSync(
  entry,
  ["src/engine/evidence.ts", "src/engine/evidence-scorer.ts", "src/cli/evidence-eval.ts", "src/hosts/node.ts"].map((p) => `export * from ${JSON.stringify(join(root, p))};`).join("\n"),
);
const mod = join(tmp, "bundle.mjs");
await build({ entryPoints: [entry], outfile: mod, bundle: true, platform: "node", format: "esm", external: ["onnxruntime-web", "@huggingface/tokenizers"], logLevel: "warning" });
const E = await import(pathToFileURL(mod).href);
rmSync(tmp, { recursive: true, force: true });

// ---------------------------------------------------------------- posts
const records = readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
let posts = [];
for (const r of records) {
  if (r.help_seeking !== "yes") continue;
  const ev = SET === "gold" ? r.help_evidence : typeof r.help_evidence === "string" ? [r.help_evidence] : r.help_evidence;
  const gold = E.locateSpans(r.text, ev).found;
  if (gold.length) posts.push({ id: String(r.id), text: r.text, gold });
}
const eligible = posts.length;
if (SET === "silver") {
  const rand = E.mulberry32(SEED);
  for (let i = posts.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [posts[i], posts[j]] = [posts[j], posts[i]];
  }
  posts = posts.slice(0, SAMPLE);
}

// ---------------------------------------------------------------- raw scores (cached)
const engine = await E.loadNodeEngine(MODEL);
let raw = existsSync(CACHE) ? JSON.parse(readFileSync(CACHE, "utf8")) : null;
const ids = posts.map((p) => p.id).join(",");
if (!raw || raw.ids !== ids || JSON.stringify(raw.model) !== JSON.stringify(engine.model) || !raw.posts[0]?.sentences[0]?.request) {
  const threshold = engine.heads.find((h) => h.task === "help_seeking")?.thresholds?.[0] ?? 0.5;
  const yes = (preds) => preds.map((p) => p.heads.help_seeking.probs.yes);
  raw = { ids, model: engine.model, threshold, posts: [] };
  const t0 = Date.now();
  for (const p of posts) {
    const sentences = E.sentenceSpans(p.text);
    const texts = [p.text, ...sentences.map((s) => p.text.slice(s.start, s.end))];
    const probs = [];
    for (let i = 0; i < texts.length; i += 32) probs.push(...yes(await engine.predict(texts.slice(i, i + 32))));
    const request = E.requestScores(texts.slice(1));
    raw.posts.push({ id: p.id, score: probs[0], sentences: sentences.map((s, i) => ({ ...s, alone: probs[1 + i], request: request[i] })) });
    if (raw.posts.length % 25 === 0) console.error(`${raw.posts.length}/${posts.length} posts, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  writeFileSync(CACHE, JSON.stringify(raw));
}
const byId = new Map(raw.posts.map((r) => [r.id, r]));

// ---------------------------------------------------------------- methods
// each: (text, scores) => { top: {start,end} | null, passes }, passes = model passes in the API with the post's
// score known (the Worker passes it); the +1 for an unknown score is the same for every method.
const len = (s) => s.end - s.start;
const byPrior = (text) => (ss) => [...ss].sort((a, b) => E.requestPrior(text.slice(b.start, b.end)) - E.requestPrior(text.slice(a.start, a.end)) || len(b) - len(a));
const pickMax = (ss, key) => ss.reduce((best, s) => (best === null || key(s) > key(best) ? s : best), null);

function single(r) {
  // one sentence: the engine's rule (whole post when judged help-seeking), same for every method
  const s = r.sentences[0];
  return { top: s && r.score >= raw.threshold ? s : null, passes: 0 };
}
const byRequest = (ss) => [...ss].sort((a, b) => b.request - a.request);
const methods = {
  // the 0.6.0 method: each sentence alone, the 12 with the highest request prior
  alone_prior: (text, r) => {
    const c = byPrior(text)(r.sentences).slice(0, 12);
    return { top: pickMax(c, (s) => s.alone), passes: c.length };
  },
  // the request-sentence scorer alone: no model pass
  request: (text, r) => ({ top: byRequest(r.sentences)[0] ?? null, passes: 0 }),
  // the request scores' 6 best, ranked by request^(1 - w) × alone^w (w: the scorer file's model_weight)
  request_alone: (text, r) => {
    const c = byRequest(r.sentences).slice(0, E.MAX_EVIDENCE_SENTENCES);
    return { top: pickMax(c, (s) => E.spanWeight(s.request, s.alone)), passes: c.length };
  },
  // references, not candidates: every sentence scored (unbounded cost), and the prior with no model at all
  alone_all: (text, r) => ({ top: pickMax(r.sentences, (s) => s.alone), passes: r.sentences.length }),
  prior_only_no_model: (text, r) => ({ top: byPrior(text)(r.sentences)[0] ?? null, passes: 0 }),
};
// what src/engine/evidence.ts ships: helpSeekingEvidence itself, on a stand-in engine that answers from the
// cached scores (unknown texts throw) and counts the texts it is asked to score
const THRESHOLD = raw.threshold;
methods.shipped = async (text, r) => {
  const known = new Map();
  for (const s of r.sentences) known.set(text.slice(s.start, s.end), s.alone);
  let passes = 0;
  const engine = {
    heads: [{ task: "help_seeking", thresholds: [THRESHOLD] }],
    predict: async (texts) =>
      texts.map((t) => {
        passes++;
        if (!known.has(t)) throw new Error("shipped method scored a text the bench did not cache");
        return { heads: { help_seeking: { probs: { yes: known.get(t) } } } };
      }),
  };
  const ev = await E.helpSeekingEvidence(engine, text, { score: r.score });
  return { top: ev.spans[0] ?? null, passes };
};

const perPost = {};
const result = { date: new Date().toISOString(), set: SET, file: file.replace(shared, "<shared>"), model: raw.model, eligible, n: posts.length, seed: SET === "silver" ? SEED : null, sample: SET === "silver" ? SAMPLE : null, methods: {} };
for (const [name, fn] of Object.entries(methods)) {
  const hits = [];
  const f1s = [];
  const passes = [];
  let none = 0;
  for (const p of posts) {
    const r = byId.get(p.id);
    const { top, passes: n } = r.sentences.length <= 1 && name !== "shipped" ? single(r) : await fn(p.text, r);
    const s = E.scorePost(p.text, top ? { start: top.start, end: top.end } : null, p.gold);
    hits.push(s.hit ? 1 : 0);
    f1s.push(s.f1);
    passes.push(n);
    if (!top) none++;
  }
  perPost[name] = hits;
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const ci = E.bootstrapMeanCI(hits);
  result.methods[name] = {
    top_span_hit_rate: +mean(hits).toFixed(3),
    ci: [+ci.low.toFixed(3), +ci.high.toFixed(3)],
    token_f1: +mean(f1s).toFixed(3),
    passes_mean: +mean(passes).toFixed(2),
    passes_max: Math.max(...passes),
    no_span: none,
  };
}
const [A, B] = COMPARE;
if (perPost[A] && perPost[B]) {
  const d = perPost[B].map((h, i) => h - perPost[A][i]);
  const ci = E.bootstrapMeanCI(d);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  result.paired = { a: A, b: B, difference: +mean.toFixed(3), ci: [+ci.low.toFixed(3), +ci.high.toFixed(3)], b_only_hits: d.filter((x) => x > 0).length, a_only_hits: d.filter((x) => x < 0).length };
}
const json = JSON.stringify(result, null, 2);
if (OUT) writeFileSync(OUT, `${json}\n`);
console.log(json);
