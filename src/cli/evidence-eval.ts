// `mhelp eval --evidence`: how well the help-seeking evidence spans (src/engine/evidence.ts, the spans the
// API returns with "explain": true) agree with annotators' evidence ("help_evidence": verbatim substrings of
// the post's text, one per annotator).
//
// "help_evidence" is a list (gold: one span per annotator) or one string (silver: its one annotator's span).
// Scored posts: gold help_seeking "yes" with at least one non-empty annotator span found verbatim in the text
// (first occurrence, indexOf); gold "yes" posts without one are counted in skipped_no_span. Per post:
//   hit      the engine's top span (strongest, UTF-16 offsets of the submitted text) intersects at least one
//            annotator range (touching ends is not an intersection); no span returned = miss
//   token F1 best over the located annotator spans of the multiset token-overlap F1 between the top span and
//            the annotator span (tokens: lower-cased runs of [a-z0-9']); 0 without a span
// Aggregates: top_span_hit_rate with a percentile bootstrap CI (seeded mulberry32, reproducible), mean token
// F1, and the hit rate on the posts the model itself predicts as help-seeking.
//
// The scoring functions are pure (no engine); `engineExplainer` is the only link to the model, and calls
// helpSeekingEvidence exactly as the Worker's /v1/predict route does: the submitted (not normalised) text,
// the post's own p(yes) as `score`, the engine's default sentence cap and top-k. Texts are never logged.
import type { Engine } from "../engine/engine";
import { helpSeekingEvidence, type Evidence } from "../engine/evidence";

export interface Range {
  /** UTF-16 offsets (JavaScript string indices), end exclusive */
  start: number;
  end: number;
}

/** Evidence for one post's submitted text; `score` is its p(help_seeking = yes) when already known. */
export type Explainer = (text: string, score: number | undefined) => Promise<Evidence>;

/** The Worker's call (src/worker/predict-service.ts): submitted text, known score, default limits. */
export function engineExplainer(engine: Engine): Explainer {
  return (text, score) => helpSeekingEvidence(engine, text, { score });
}

// ---------------------------------------------------------------- pure scoring

/** Lower-cased runs of [a-z0-9']. */
export function tokens(s: string): string[] {
  return s.toLowerCase().match(/[a-z0-9']+/g) ?? [];
}

/** Token-overlap F1 over multisets (a token repeated twice matches at most twice); 0 when either is empty. */
export function tokenF1(predicted: string[], gold: string[]): number {
  if (!predicted.length || !gold.length) return 0;
  const counts = new Map<string, number>();
  for (const t of gold) counts.set(t, (counts.get(t) ?? 0) + 1);
  let overlap = 0;
  for (const t of predicted) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      overlap++;
      counts.set(t, c - 1);
    }
  }
  if (overlap === 0) return 0;
  const p = overlap / predicted.length;
  const r = overlap / gold.length;
  return (2 * p * r) / (p + r);
}

/** Whether two half-open ranges share at least one character ([0,5) and [5,9) only touch: false). */
export function rangesOverlap(a: Range, b: Range): boolean {
  return a.start < b.end && b.start < a.end;
}

export interface LocatedSpans {
  /** ranges of the annotator spans found verbatim in the text (first occurrence) */
  found: Range[];
  /** non-empty annotator spans that do not occur in the text */
  notFound: number;
  /** the field was present but is neither a string nor a list, or the list holds entries that are not strings (ignored) */
  malformed: boolean;
}

/** Locates annotators' evidence (the raw `help_evidence` value) in the original text: a list of spans, one per
 * annotator (gold), or one string, a single annotator's span (the silver file's format; "" = none). */
export function locateSpans(text: string, helpEvidence: unknown): LocatedSpans {
  if (helpEvidence === undefined || helpEvidence === null) return { found: [], notFound: 0, malformed: false };
  if (typeof helpEvidence === "string") return locateSpans(text, [helpEvidence]);
  if (!Array.isArray(helpEvidence)) return { found: [], notFound: 0, malformed: true };
  const found: Range[] = [];
  let notFound = 0;
  let malformed = false;
  for (const span of helpEvidence) {
    if (typeof span !== "string") malformed = true;
    else if (span.trim() !== "") {
      const start = text.indexOf(span);
      if (start < 0) notFound++;
      else found.push({ start, end: start + span.length });
    }
  }
  return { found, notFound, malformed };
}

export interface PostScore {
  hit: boolean;
  f1: number;
}

/** One post: the engine's top span (null when it returned none) against the located annotator spans. */
export function scorePost(text: string, top: Range | null, gold: Range[]): PostScore {
  if (!top || !gold.length) return { hit: false, f1: 0 };
  const hit = gold.some((g) => rangesOverlap(top, g));
  const predicted = tokens(text.slice(top.start, top.end));
  const f1 = Math.max(0, ...gold.map((g) => tokenF1(predicted, tokens(text.slice(g.start, g.end)))));
  return { hit, f1 };
}

/** mulberry32: a small seeded PRNG, floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Quantile of sorted values, linear interpolation between order statistics (numpy's default). */
export function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export interface BootstrapOptions {
  resamples: number;
  level: number;
  seed: number;
}

export const BOOTSTRAP_DEFAULTS: BootstrapOptions = { resamples: 1000, level: 0.95, seed: 0 };

export interface MeanCI {
  low: number;
  high: number;
  level: number;
  resamples: number;
  seed: number;
}

/** Percentile bootstrap CI of the mean of `values` (resampling posts with replacement); null when empty. */
export function bootstrapMeanCI(values: number[], opts: Partial<BootstrapOptions> = {}): MeanCI | null {
  const { resamples, level, seed } = { ...BOOTSTRAP_DEFAULTS, ...opts };
  const n = values.length;
  if (!n || resamples < 1) return null;
  const rand = mulberry32(seed);
  const means = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[Math.floor(rand() * n)]!;
    means[r] = sum / n;
  }
  means.sort((a, b) => a - b);
  const a = (1 - level) / 2;
  return { low: quantile(means, a), high: quantile(means, 1 - a), level, resamples, seed };
}

// ---------------------------------------------------------------- aggregation

export interface EvidencePost {
  id: string;
  text: string;
  /** gold help_seeking */
  help_seeking?: "yes" | "no";
  /** the raw `help_evidence` value of the input line */
  help_evidence?: unknown;
  /** the model's own decision and p(yes) for the post */
  predicted: { help_seeking: string; p_yes: number };
}

/** One scored post: its score plus what the aggregate reports about it. */
export interface ScoredPost extends PostScore {
  predictedYes: boolean;
  /** the engine returned no span */
  noSpan: boolean;
  /** not every sentence was scored (the engine's sentence cap) */
  capped: boolean;
}

export interface EvidenceMetrics {
  task: "help_seeking";
  method: string;
  /** posts scored: gold yes with at least one annotator span found verbatim */
  n: number;
  /** gold yes posts without any findable non-empty annotator span (not scored) */
  skipped_no_span: number;
  top_span_hit_rate: number | null;
  top_span_hit_rate_ci: MeanCI | null;
  token_f1: number | null;
  /** scored posts for which the engine returned no span (each a miss with F1 0) */
  posts_without_engine_span: number;
  /** scored posts with more sentences than the engine's cap (only the sentences with the highest request prior were scored) */
  posts_sentence_capped: number;
  /** annotator spans (non-empty) that were not found verbatim in their post's text, over gold yes posts */
  annotator_spans_not_found: number;
  /** the same hit rate over the scored posts the model itself predicts help_seeking = yes */
  predicted_yes: { n: number; top_span_hit_rate: number | null };
}

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** The aggregate over scored posts (pure: the posts' scores are already computed). */
export function aggregateEvidence(
  scored: ScoredPost[],
  counts: { skippedNoSpan: number; spansNotFound: number },
  bootstrap: Partial<BootstrapOptions> = {},
): EvidenceMetrics {
  const hits = scored.map((s) => (s.hit ? 1 : 0));
  const yes = scored.filter((s) => s.predictedYes);
  return {
    task: "help_seeking",
    method: "sentences scored alone (helpSeekingEvidence, as the API's explain); top span vs annotators' help_evidence",
    n: scored.length,
    skipped_no_span: counts.skippedNoSpan,
    top_span_hit_rate: mean(hits),
    top_span_hit_rate_ci: bootstrapMeanCI(hits, bootstrap),
    token_f1: mean(scored.map((s) => s.f1)),
    posts_without_engine_span: scored.filter((s) => s.noSpan).length,
    posts_sentence_capped: scored.filter((s) => s.capped).length,
    annotator_spans_not_found: counts.spansNotFound,
    predicted_yes: { n: yes.length, top_span_hit_rate: mean(yes.map((s) => (s.hit ? 1 : 0))) },
  };
}

/** Runs the explainer over the scorable posts (gold yes, a findable span) and aggregates. */
export async function evaluateEvidence(
  posts: EvidencePost[],
  explain: Explainer,
  opts: { log?: (m: string) => void; bootstrap?: Partial<BootstrapOptions> } = {},
): Promise<EvidenceMetrics> {
  let skippedNoSpan = 0;
  let spansNotFound = 0;
  let malformed = 0;
  const todo: Array<{ post: EvidencePost; gold: Range[] }> = [];
  for (const post of posts) {
    if (post.help_seeking !== "yes") continue;
    const located = locateSpans(post.text, post.help_evidence);
    spansNotFound += located.notFound;
    if (located.malformed) malformed++;
    if (located.found.length) todo.push({ post, gold: located.found });
    else skippedNoSpan++;
  }
  if (malformed) opts.log?.(`evidence: ${malformed} post(s) with a "help_evidence" that is neither a string nor a list of strings`);
  const scored: ScoredPost[] = [];
  const started = Date.now();
  for (const { post, gold } of todo) {
    const p = post.predicted.p_yes;
    const e = await explain(post.text, Number.isFinite(p) ? p : undefined);
    const top = e.spans[0] ? { start: e.spans[0].start, end: e.spans[0].end } : null;
    scored.push({
      ...scorePost(post.text, top, gold),
      predictedYes: post.predicted.help_seeking === "yes",
      noSpan: top === null,
      capped: e.sentences_scored < e.sentences_total,
    });
    if (scored.length % 25 === 0 || scored.length === todo.length) {
      const rate = scored.length / Math.max((Date.now() - started) / 1000, 1e-3);
      opts.log?.(`evidence ${scored.length}/${todo.length} posts (${rate.toFixed(1)} posts/s)`);
    }
  }
  return aggregateEvidence(scored, { skippedNoSpan, spansNotFound }, opts.bootstrap);
}
