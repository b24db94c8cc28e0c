#!/usr/bin/env node
// Keeps the numbers in docs/model-card.md equal to models/default/model.json. The card's prose is written by
// hand; every figure lives in a generated block between
//   <!-- generated:NAME (npm run docs:model-card) --> … <!-- /generated:NAME -->
// markers, which this script rewrites from model.json. A retrained model therefore needs one command:
//
//   npm run docs:model-card             # rewrite the blocks in place
//   node scripts/model-card.mjs --check # exit 1 if the card is out of date (test/docs/model-card.test.ts)
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const CARD_PATH = join(root, "docs", "model-card.md");
export const MODEL_JSON_PATH = join(root, "models", "default", "model.json");
const MODELS_DIR = join(root, "models");
export const GOLD_CV_PATH = join(root, "reports", "gold-cv.json");

/** The gold-dev cross-validation entry of the shipped default (reports/gold-cv.json), if it describes this version. */
function goldCv(m) {
  if (!existsSync(GOLD_CV_PATH)) return { entry: null, report: null, why: "reports/gold-cv.json is missing" };
  const report = JSON.parse(readFileSync(GOLD_CV_PATH, "utf8"));
  const entry = Object.values(report.models ?? {}).find((e) => e.dir === `models/${m.variant}`);
  if (!entry) return { entry: null, report, why: `reports/gold-cv.json has no models/${m.variant}` };
  if (entry.version !== m.version) return { entry: null, report, why: `reports/gold-cv.json scored version ${entry.version}, not ${m.version}` };
  return { entry, report, why: null };
}

const ci = (c) => (c ? `${f3(c.value)} [${f3(c.ci_low)}, ${f3(c.ci_high)}]` : "—");

const f3 = (x) => (typeof x === "number" ? x.toFixed(3) : "—");
const int = (x) => (typeof x === "number" ? x.toLocaleString("en-US") : "—");
const mb = (bytes) => (typeof bytes === "number" ? `${(bytes / 1e6).toFixed(1)} MB` : "—");
const pct = (x) => `${(x * 100).toFixed(1)} %`;
const code = (s) => `\`${s}\``;

/** Per-label F1 as "a 0.823, b 0.838", weakest last is not implied: the model.json order is kept. */
function perLabel(f1, counts) {
  return Object.entries(f1 ?? {})
    .map(([label, v]) => `${label} ${f3(v)}${counts?.[label] !== undefined ? ` (n=${counts[label]})` : ""}`)
    .join(", ");
}

function blockGlance(m) {
  const heads = m.heads.map((h) => h.task);
  const primary = m.heads.filter((h) => ["help_seeking", "condition", "causes"].includes(h.task));
  const describe = (h) => (h.kind === "multi_label" ? `zero or more of ${h.labels.length}` : h.labels.length === 2 ? h.labels.join("/") : `one of ${h.labels.length}`);
  const g = m.metrics?.gold_dev;
  const cv = m.metrics?.gold_dev_cross_fitted;
  const range = (v, c) => `${f3(v)}${Array.isArray(c) ? ` [${f3(c[0])}, ${f3(c[1])}]` : ""}`;
  const gold = cv
    ? `**headline** (calibration fitted on gold; its ${m.metrics?.calibration?.estimate?.match(/(\d+)-fold/)?.[1] ?? "k"}-fold cross-fitted estimate, each post scored by settings fitted on the other folds): help-seeking F1(yes) ${range(cv.help_seeking?.f1_yes, cv.help_seeking?.f1_yes_ci)}, condition accuracy ${range(cv.condition?.accuracy, cv.condition?.accuracy_ci)}, causes macro-F1 ${range(cv.causes?.macro_f1, cv.causes?.macro_f1_ci)}; 95 % intervals, more under Evaluation`
    : g
      ? `**headline** (held out, as shipped): help-seeking F1(yes) ${f3(g.help_seeking?.f1_yes)}, condition accuracy ${f3(g.condition?.accuracy)}, causes macro-F1 ${f3(g.causes?.macro_f1)}; intervals under Evaluation`
      : `**none**: ${m.metrics?.gold_dev_note ?? "no gold labels"}`;
  return [
    "| property | value |",
    "|---|---|",
    `| name / version | ${code(m.name)} ${m.version}, variant ${code(m.variant)}, trained ${m.training?.date ?? "—"} |`,
    `| tasks | ${primary.map((h) => `${code(h.task)} (${describe(h)})`).join(", ")}; ${heads.length - primary.length} auxiliary heads |`,
    `| label definitions | M-HELP annotation codebook v${m.codebook_version} (${code("GET /v1/labels")}) |`,
    `| input | one post, English, normalised (version ${m.normalisation_version}: URLs, e-mails, usernames, phones, IPs, person names → placeholders), ${m.max_length}-token windows with ${m.stride} tokens of overlap |`,
    "| output | calibrated probabilities per head, thresholded labels, optional evidence spans |",
    `| gold-label evaluation | ${gold} |`,
    `| files | ${code(m.onnx)} (${mb(m.metrics?.sizes_bytes?.int8_onnx)}, sha256 ${code(String(m.onnx_sha256).slice(0, 12) + "…")}), ${code(m.tokenizer)}, ${m.lexical ? `${code(m.lexical.file)} (lexical heads, sha256 ${code(String(m.lexical.sha256).slice(0, 12) + "…")}), ` : ""}${code("model.json")} |`,
  ].join("\n");
}

function blockArchitecture(m) {
  const a = m.architecture ?? {};
  const agree = Object.entries(m.metrics?.int8_vs_fp32_dev_agreement ?? {}).filter(([k]) => k !== "max_abs_logit_diff").map(([, v]) => v);
  const decisions = m.metrics?.int8_vs_fp32_dev_decision_agreement;
  const lines = [
    `- Encoder: ${code(a.base)}, truncated to its first **${a.layers} layers** (hidden size ${a.hidden}, ${a.heads} attention heads), ${a.pooling} pooling, one linear head per task: ${int(a.params)} parameters.`,
    `- Export: ONNX opset ${a.opset}; ${a.quantisation}. ${mb(m.metrics?.sizes_bytes?.int8_onnx)} int8 vs ${mb(m.metrics?.sizes_bytes?.fp32_onnx)} fp32.`,
  ];
  if (m.lexical) {
    const weights = m.heads.filter((h) => h.lexical_weight !== undefined).map((h) => `${code(h.task)} ${h.lexical_weight}`);
    lines.push(
      `- Lexical heads (${code(m.lexical.file)}): TF-IDF over ${int(m.lexical.vocabulary)} 1–2-grams of words and question marks + a logistic regression per primary head, trained on ${int(m.lexical.trained_on?.posts)} posts of the ${m.lexical.trained_on?.split}. Their logits are mixed into every window's logits, (1 − w) · encoder + w · lexical, with w fitted on gold: ${weights.join(", ")}. On gold the encoder alone does not beat a bag of words on causes; the mix beats both (model report, headline).`,
    );
  }
  if (agree.length) {
    lines.push(
      `- int8 vs fp32 on the dev split: the same prediction for ${pct(Math.min(...agree))}–${pct(Math.max(...agree))} of posts per head (largest logit difference ${m.metrics.int8_vs_fp32_dev_agreement.max_abs_logit_diff}); fp32 ONNX vs PyTorch: largest logit difference ${m.metrics?.fp32_onnx_vs_torch_max_abs_logit_diff}.`,
    );
  }
  if (decisions) {
    lines.push(
      `- Shipped decisions (calibrated thresholds, first windows of the dev split), int8 vs fp32: help_seeking ${pct(decisions.help_seeking)} of posts, condition ${pct(decisions.condition)}, causes ${pct(decisions.causes)} of (post, cause) pairs.`,
    );
  }
  lines.push(`- Tokenizer: ${code(m.tokenizer)} (WordPiece, ${m.do_lower_case ? "lower-cased" : "cased"}); windows of ${m.max_length} tokens, ${m.stride} tokens of overlap.`);
  return lines.join("\n");
}

function blockTraining(m) {
  const t = m.training ?? {};
  const ex = t.examples ?? {};
  return [
    `- Sources (${(t.data ?? []).length}): ${(t.data ?? []).join(", ")}.`,
    `- Examples after de-duplication: ${int(ex.train)} train, ${int(ex.dev)} dev.`,
    `- Labels: ${t.labels ?? "—"}.`,
    `- Run: ${code(t.script ?? "—")}, seed ${t.seed}, ${int(t.steps)} steps (best checkpoint at step ${int(t.best_step)}), ${int(Math.round(t.wall_seconds ?? 0))} s wall-clock on ${t.hardware ?? "CPU"}, ${t.date ?? "—"}.`,
  ].join("\n");
}

function blockCalibration(m) {
  const rows = m.heads.map((h) => {
    let thr;
    if (!h.thresholds) thr = h.kind === "multi_label" ? "0.50 each" : "argmax";
    else if (h.kind === "single_label") thr = `p(${h.labels[1]}) ≥ ${h.thresholds[0].toFixed(2)}`;
    else thr = h.labels.map((l, i) => `${l} ${h.thresholds[i].toFixed(2)}`).join(", ");
    const agg = h.aggregation ?? (h.kind === "single_label" ? "token_mean" : "max");
    return `| ${code(h.task)} | ${h.kind.replace("_", "-")} | ${h.temperature.toFixed(4)} | ${thr} | ${code(agg)} | ${h.lexical_weight ?? 0} |`;
  });
  const onGold = m.metrics?.calibration?.fitted_on === "gold";
  const choice = Object.entries((onGold ? m.metrics.calibration.aggregation_choice_f1_gold : m.metrics?.aggregation_choice_f1) ?? {}).map(
    ([task, f]) => `${code(task)} token_mean ${f3(f.token_mean)} vs max ${f3(f.max)}`,
  );
  const cal = m.metrics?.calibration;
  const result = [
    ...(cal?.fitted_on === "gold"
      ? [`**Fitted on gold.** ${cal.primary_heads}. Temperatures are fitted on the aggregated post probabilities the engine reports. Auxiliary heads: ${cal.auxiliary_heads}. Estimate: ${cal.estimate}.`, ""]
      : []),
    "| head | kind | temperature | threshold(s) | windows of a long post | lexical weight |",
    "|---|---|---:|---|---|---:|",
    ...rows,
  ];
  const out = result;
  if (choice.length) {
    out.push(
      "",
      `Windows: ${code("token_mean")} averages the windows' probabilities weighted by their tokens; ${code("max")} lets the most request-like window decide (multi-label: each label's max). Binary heads take the one with the higher ${onGold ? "gold" : "dev"} F1 at its own best threshold (${choice.join("; ")}); ${int(m.metrics?.dev_posts_with_several_windows)} dev posts have more than one window.`,
    );
  }
  return out.join("\n");
}

function metricsTables(metrics, heads) {
  const single = heads.filter((h) => h.kind === "single_label" && metrics[h.task]);
  const multi = heads.filter((h) => h.kind === "multi_label" && metrics[h.task]);
  const out = [];
  out.push("| head | kind | n | accuracy | macro-F1 | micro-F1 | majority-class accuracy |", "|---|---|---:|---:|---:|---:|---:|");
  for (const h of [...single, ...multi]) {
    const x = metrics[h.task];
    out.push(`| ${code(h.task)} | ${h.kind.replace("_", "-")} | ${int(x.n)} | ${f3(x.accuracy)} | ${f3(x.macro_f1)} | ${f3(x.micro_f1)} | ${f3(x.majority_accuracy)} |`);
  }
  out.push("");
  out.push("F1 per label:");
  out.push("");
  for (const h of [...single, ...multi]) {
    const x = metrics[h.task];
    if (!x.f1_per_label) continue;
    const missing = h.labels.filter((l) => !(l in x.f1_per_label));
    out.push(`- ${code(h.task)}: ${perLabel(x.f1_per_label)}${missing.length ? `; no dev examples: ${missing.join(", ")}` : ""}`);
  }
  return out.join("\n");
}

function goldHeadline(m) {
  const { entry, report, why } = goldCv(m);
  if (!entry) return [`**Gold dev: not measured for this version** (${why}; run \`python -m mhelp_pipeline gold-cv\`).`];
  const cells = (x, ece) => [
    ci(x.help_seeking.ci?.f1),
    `${f3(x.help_seeking.precision)} / ${f3(x.help_seeking.recall)}`,
    ci(x.help_seeking.ci?.auroc),
    f3(x.condition.accuracy),
    f3(x.condition.macro_f1),
    ci(x.causes.ci?.macro_f1),
    `${f3(x.causes.labels_per_post?.predicted)} (gold ${f3(x.causes.labels_per_post?.gold)})`,
    f3(ece),
  ];
  const rows = (mode) => cells(entry[mode], entry.help_seeking_ece?.[mode]);
  const floor = report.floor?.cross_fitted
    ? [`| *a baseline, not this model:* TF-IDF + logistic regression trained on the same training split, cross-fitted the same way | ${cells(report.floor.cross_fitted, report.floor.help_seeking_ece?.cross_fitted).join(" | ")} |`]
    : [];
  const kappa = report.agreement?.fleiss_kappa ?? {};
  const folds = report.config?.folds;
  const table = entry.calibrated_on_gold
    ? [
        `| **calibrated on gold as shipped, ${folds}-fold cross-fitted: the headline** (each fold scored by settings fitted on the other folds) | ${rows("cross_fitted").join(" | ")} |`,
        `| as shipped, in-sample (the settings were fitted on these same posts; not an estimate) | ${rows("as_shipped").join(" | ")} |`,
      ]
    : [
        `| as shipped (temperatures and thresholds from the silver dev split) | ${rows("as_shipped").join(" | ")} |`,
        `| calibrated on gold, ${folds}-fold cross-fitted (each fold scored by settings fitted on the other folds) | ${rows("cross_fitted").join(" | ")} |`,
      ];
  const how = entry.calibrated_on_gold
    ? [
        "",
        "**Calibration is fitted on gold.** The primary heads' temperatures, window aggregation and thresholds (one per label for causes, chosen together so that the causes predicted on those posts number no more than the annotators gave: the issue asks for causes per post within 20 % of gold's) were fitted on all the gold dev posts (`python -m mhelp_pipeline calibrate-on-gold`); the estimate of what a user gets is therefore the cross-fitted row, the same fit repeated on the other folds for each fold. The as-shipped row scores the settings on the posts they were fitted on and is in-sample.",
      ]
    : [];
  return [
    `**Headline: the gold dev set** (${int(report.gold_posts)} posts, three annotators each, Fleiss' kappa help-seeking ${f3(kappa.help_seeking)}, condition ${f3(kappa.condition)}; no model here trained on a gold post: ${int(report.left_out_in_corpus)} gold posts duplicating corpus posts are left out). 95 % bootstrap intervals in brackets (reports/gold-cv.json, \`python -m mhelp_pipeline gold-cv\`).`,
    "",
    "| scoring | help-seeking F1(yes) | precision / recall | AUROC | condition accuracy | condition macro-F1 | causes macro-F1 | causes per post | help-seeking ECE |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...table,
    ...floor,
    ...how,
  ];
}

function blockEvaluation(m) {
  const metrics = m.metrics ?? {};
  const out = [...goldHeadline(m)];
  if (metrics.gold_dev && typeof metrics.gold_dev === "object") {
    out.push("", "Gold dev, as shipped, per head and label:", "", metricsTables(metrics.gold_dev, m.heads));
  } else if (metrics.gold_dev_in_sample && typeof metrics.gold_dev_in_sample === "object") {
    out.push("", "Gold dev per head and label, **in-sample** (the calibration was fitted on these posts; the estimate is the cross-fitted row above):", "", metricsTables(metrics.gold_dev_in_sample, m.heads));
  }
  out.push(
    "",
    `**Diagnostics, not headlines: the dev split** (${metrics.dev_split ?? "—"}). The primary heads are scored on silver labels (one annotator per post), the auxiliary heads on their datasets' labels:`,
    "",
    metricsTables(metrics.weak_dev ?? {}, m.heads),
  );
  const first = metrics.weak_dev_first_window_only;
  if (first?.help_seeking) {
    out.push(
      "",
      `Scored on the first window only (what training saw; the same temperatures and thresholds): help_seeking F1(yes) ${f3(first.help_seeking.f1_yes)}, condition accuracy ${f3(first.condition?.accuracy)}, causes macro-F1 ${f3(first.causes?.macro_f1)} — against ${f3(metrics.weak_dev?.help_seeking?.f1_yes)}, ${f3(metrics.weak_dev?.condition?.accuracy)} and ${f3(metrics.weak_dev?.causes?.macro_f1)} on whole posts above.`,
    );
  }
  return out.join("\n");
}

export const PROFILES_PATH = join(root, "reports", "profiles.json");
const ciOf = (e, k) => (e && typeof e[k] === "number" ? `${f3(e[k])} [${f3(e[`${k}_ci`]?.[0])}, ${f3(e[`${k}_ci`]?.[1])}]` : "—");

/** The operating points (model.json "profiles", issue 15): thresholds on p(help_seeking = yes) chosen on gold dev,
 * with their cross-fitted estimates; the model's own (weak-dev) threshold on gold for comparison from reports/profiles.json. */
function blockProfiles(m) {
  const p = m.profiles;
  if (!p) return "This model has no operating points: `help_seeking.label` uses the threshold under Calibration and a request naming a `profile` gets 400.";
  const rows = Object.entries(p.thresholds).map(([name, t]) => {
    const c = p.cross_fitted?.[name];
    return `| ${code(name)}${name === p.default ? " (default)" : ""} | p(yes) ≥ ${t.toFixed(3)} | ${ciOf(c, "precision")} | ${ciOf(c, "recall")} | ${ciOf(c, "f1")} |`;
  });
  const out = ["| profile | threshold | precision (gold, cross-fitted) | recall | F1(yes) |", "|---|---|---:|---:|---:|", ...rows];
  const report = existsSync(PROFILES_PATH) ? JSON.parse(readFileSync(PROFILES_PATH, "utf8")) : null;
  const own = Object.values(report?.models ?? {}).find((e) => e.dir === `models/${m.variant}` && e.version === m.version)?.model_threshold;
  const help = m.heads.find((h) => h.task === "help_seeking");
  if (own) {
    const where = m.metrics?.calibration?.fitted_on === "gold" ? "fitted on these gold posts, so in-sample" : "fitted on the silver dev split";
    out.push(`| model's own threshold (${where}; no profile) | p(yes) ≥ ${own.threshold.toFixed(3)} | ${ciOf(own.on_gold, "precision")} | ${ciOf(own.on_gold, "recall")} | ${ciOf(own.on_gold, "f1")} |`);
  }
  out.push(
    "",
    `Chosen on the ${int(p.gold_posts)} gold dev posts (${p.folds}-fold cross-fitting: each fold scored with the threshold chosen on the other folds, pooled, 95 % bootstrap intervals; the shipped threshold is then chosen on all of them): ${code("balanced")} maximises F1(yes), ${code("high_recall")} is the largest threshold with recall ≥ 0.95, ${code("high_precision")} the smallest with precision ≥ 0.90. Only the label changes: the probabilities and the model's own threshold (${help?.thresholds ? `p(yes) ≥ ${help.thresholds[0].toFixed(2)}` : "argmax"}, Calibration) stay as they are; the headline under Evaluation is measured at the model's own threshold. Source: ${p.source ?? "reports/profiles.json"}.`,
  );
  return out.join("\n");
}

/** Every shipped variant (models/<variant>/model.json), default first: what each trades for speed. */
function blockVariants() {
  const names = readdirSync(MODELS_DIR)
    .filter((d) => existsSync(join(MODELS_DIR, d, "model.json")))
    .sort((a, b) => (a === "default" ? -1 : b === "default" ? 1 : a.localeCompare(b)));
  const rows = names.map((d) => {
    const v = JSON.parse(readFileSync(join(MODELS_DIR, d, "model.json"), "utf8"));
    const w = v.metrics?.gold_dev_cross_fitted ?? v.metrics?.gold_dev ?? {};
    const run = d === "default" ? "`npm run dev` / `wrangler deploy`" : `\`npm run dev:${d}\` / \`npm run deploy:${d}\``;
    return `| ${code(d)} | ${v.version} | ${v.architecture?.layers} | ${int(v.architecture?.params)} | ${mb(v.metrics?.sizes_bytes?.int8_onnx)} | ${f3(w.help_seeking?.f1_yes)} | ${f3(w.condition?.accuracy)} | ${f3(w.condition?.macro_f1)} | ${f3(w.causes?.macro_f1)} | ${run} |`;
  });
  return [
    "| variant | version | layers | parameters | int8 ONNX | gold help_seeking F1(yes) | gold condition accuracy | gold condition macro-F1 | gold causes macro-F1 | run / deploy |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ...rows,
  ].join("\n");
}

export const BLOCKS = {
  glance: blockGlance,
  architecture: blockArchitecture,
  training: blockTraining,
  calibration: blockCalibration,
  profiles: blockProfiles,
  evaluation: blockEvaluation,
  variants: blockVariants,
};

/** The card with every generated block rewritten from `model`. Throws if a block's markers are missing. */
export function renderCard(template, model) {
  let text = template;
  for (const [name, render] of Object.entries(BLOCKS)) {
    const re = new RegExp(`(<!-- generated:${name} [^>]*-->\\n)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!re.test(text)) throw new Error(`docs/model-card.md lacks the markers of generated block "${name}"`);
    const body = render(model);
    text = text.replace(re, (_m, open, close) => `${open}${body}\n${close}`);
  }
  return text;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const model = JSON.parse(readFileSync(MODEL_JSON_PATH, "utf8"));
  const current = readFileSync(CARD_PATH, "utf8");
  const next = renderCard(current, model);
  if (process.argv.includes("--check")) {
    if (next !== current) {
      console.error("docs/model-card.md is out of date with models/default/model.json: run `npm run docs:model-card`");
      process.exit(1);
    }
    console.log("docs/model-card.md is up to date");
  } else {
    writeFileSync(CARD_PATH, next);
    console.log(next === current ? "docs/model-card.md unchanged" : "docs/model-card.md updated from models/default/model.json");
  }
}
