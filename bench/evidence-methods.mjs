#!/usr/bin/env node
// Evidence methods for help_seeking, compared on the same posts with the one scorer of `mhelp eval --evidence`
// (src/cli/evidence-eval.ts: locateSpans, scorePost, bootstrapMeanCI).
//
//   node bench/evidence-methods.mjs --set silver [--sample 600] [--seed 13]   # choose a method here
//   node bench/evidence-methods.mjs --set gold                                # judge: gold dev, all yes posts
//   options: --model DIR  --out FILE.json  --cache FILE.json (raw scores, reused when present)
//   --compare A,B (paired difference B − A of the top-span hit, bootstrap CI; default occlusion,shipped)
//
// Posts: help_seeking "yes" with a non-empty help_evidence found verbatim in the text (silver: its one
// string; gold: any annotator's). Silver: a seeded sample (mulberry32(seed) Fisher–Yates over the eligible
// posts in file order, first N). The shipped classifier was trained on silver help_seeking labels, so silver is
// in-sample for the classifier (not for the spans: evidence spans were never a training target).
//
// For every sentence of every post the model is run twice: the post with that sentence removed (occlusion)
// and the sentence alone; each method then picks its sentences and top span from these cached scores, and
// its cost is the number of passes it would make in the API (its budget), not what this bench ran.
// No text is printed or written: the cache and the output hold ids, offsets and probabilities only.
// Results: bench/results/evidence-methods-{silver,gold}.json (model 0.5.0); `shipped` is src/engine/evidence.ts
// itself and must equal the method it was chosen as (alone_prior), `occlusion` the method before it.
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
const COMPARE = opt("--compare", "occlusion,shipped").split(",");
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
  ["src/engine/evidence.ts", "src/cli/evidence-eval.ts", "src/hosts/node.ts"].map((p) => `export * from ${JSON.stringify(join(root, p))};`).join("\n"),
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
let raw = existsSync(CACHE) ? JSON.parse(readFileSync(CACHE, "utf8")) : null;
const ids = posts.map((p) => p.id).join(",");
if (!raw || raw.ids !== ids) {
  const engine = await E.loadNodeEngine(MODEL);
  const threshold = engine.heads.find((h) => h.task === "help_seeking")?.thresholds?.[0] ?? 0.5;
  const yes = (preds) => preds.map((p) => p.heads.help_seeking.probs.yes);
  raw = { ids, model: engine.model, threshold, posts: [] };
  const t0 = Date.now();
  for (const p of posts) {
    const sentences = E.sentenceSpans(p.text);
    const texts = [p.text];
    for (const s of sentences) texts.push(`${p.text.slice(0, s.start)} ${p.text.slice(s.end)}`, p.text.slice(s.start, s.end));
    const probs = [];
    for (let i = 0; i < texts.length; i += 32) probs.push(...yes(await engine.predict(texts.slice(i, i + 32))));
    raw.posts.push({
      id: p.id,
      score: probs[0],
      sentences: sentences.map((s, i) => ({ ...s, occluded: probs[1 + 2 * i], alone: probs[2 + 2 * i] })),
    });
    if (raw.posts.length % 25 === 0) console.error(`${raw.posts.length}/${posts.length} posts, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  writeFileSync(CACHE, JSON.stringify(raw));
}
const byId = new Map(raw.posts.map((r) => [r.id, r]));

// ---------------------------------------------------------------- methods
// each: (text, scores) => { top: {start,end} | null, passes }, passes = model passes in the API with the post's
// score known (the Worker passes it); the +1 for an unknown score is the same for every method.
const len = (s) => s.end - s.start;
const longest = (ss) => [...ss].sort((a, b) => len(b) - len(a));
const byPrior = (text) => (ss) => [...ss].sort((a, b) => E.requestPrior(text.slice(b.start, b.end)) - E.requestPrior(text.slice(a.start, a.end)) || len(b) - len(a));
const pickMax = (ss, key) => ss.reduce((best, s) => (best === null || key(s) > key(best) ? s : best), null);

function single(r) {
  // one sentence: the engine's rule (whole post when judged help-seeking), same for every method
  const s = r.sentences[0];
  return { top: s && r.score >= raw.threshold ? s : null, passes: 0 };
}
const methods = {
  // (a) the shipped method before this change
  occlusion: (text, r) => {
    const c = longest(r.sentences).slice(0, 12);
    const top = pickMax(c.filter((s) => r.score - s.occluded > 0), (s) => r.score - s.occluded);
    return { top, passes: c.length };
  },
  occlusion_prior: (text, r) => {
    const c = byPrior(text)(r.sentences).slice(0, 12);
    const top = pickMax(c.filter((s) => r.score - s.occluded > 0), (s) => r.score - s.occluded);
    return { top, passes: c.length };
  },
  // (b) each sentence alone
  alone: (text, r) => {
    const c = longest(r.sentences).slice(0, 12);
    return { top: pickMax(c, (s) => s.alone), passes: c.length };
  },
  alone_prior: (text, r) => {
    const c = byPrior(text)(r.sentences).slice(0, 12);
    return { top: pickMax(c, (s) => s.alone), passes: c.length };
  },
  // (c) combinations within 12 passes: both scores on 6 sentences, rank by drop + alone
  sum6: (text, r) => {
    const c = longest(r.sentences).slice(0, 6);
    return { top: pickMax(c, (s) => r.score - s.occluded + s.alone), passes: 2 * c.length };
  },
  sum6_prior: (text, r) => {
    const c = byPrior(text)(r.sentences).slice(0, 6);
    return { top: pickMax(c, (s) => r.score - s.occluded + s.alone), passes: 2 * c.length };
  },
  // alone on 9, then occlusion of the 3 best alone; rank those 3 by drop + alone
  alone9_occ3_prior: (text, r) => {
    const c = byPrior(text)(r.sentences).slice(0, 9);
    const best = [...c].sort((a, b) => b.alone - a.alone).slice(0, 3);
    return { top: pickMax(best, (s) => r.score - s.occluded + s.alone), passes: c.length + best.length };
  },
  // alone on 9, occlusion of the 3 best alone; keep those whose removal lowers the score, ordered by alone
  alone9_occ3_keep_prior: (text, r) => {
    const c = byPrior(text)(r.sentences).slice(0, 9);
    const best = [...c].sort((a, b) => b.alone - a.alone).slice(0, 3);
    return { top: pickMax(best.filter((s) => r.score - s.occluded > 0), (s) => s.alone), passes: c.length + best.length };
  },
  alone9_occ3_keep_longest: (text, r) => {
    const c = longest(r.sentences).slice(0, 9);
    const best = [...c].sort((a, b) => b.alone - a.alone).slice(0, 3);
    return { top: pickMax(best.filter((s) => r.score - s.occluded > 0), (s) => s.alone), passes: c.length + best.length };
  },
  // alone, shown only when the sentence alone reaches the decision threshold
  alone_prior_thr: (text, r) => {
    const c = byPrior(text)(r.sentences).slice(0, 12);
    return { top: pickMax(c.filter((s) => s.alone >= raw.threshold), (s) => s.alone), passes: c.length };
  },
  // references, not candidates: every sentence scored (unbounded cost), and the prior with no model at all
  occlusion_all: (text, r) => ({ top: pickMax(r.sentences.filter((s) => r.score - s.occluded > 0), (s) => r.score - s.occluded), passes: r.sentences.length }),
  alone_all: (text, r) => ({ top: pickMax(r.sentences, (s) => s.alone), passes: r.sentences.length }),
  sum_all: (text, r) => ({ top: pickMax(r.sentences, (s) => r.score - s.occluded + s.alone), passes: 2 * r.sentences.length }),
  prior_only_no_model: (text, r) => ({ top: byPrior(text)(r.sentences)[0] ?? null, passes: 0 }),
};
// what src/engine/evidence.ts ships: helpSeekingEvidence itself, on a stand-in engine that answers from the
// cached scores (unknown texts throw) and counts the texts it is asked to score
const THRESHOLD = raw.threshold;
methods.shipped = async (text, r) => {
  const known = new Map();
  for (const s of r.sentences) {
    known.set(`${text.slice(0, s.start)} ${text.slice(s.end)}`, s.occluded);
    known.set(text.slice(s.start, s.end), s.alone);
  }
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
