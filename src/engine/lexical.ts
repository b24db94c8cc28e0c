// The lexical heads: a bag of words beside the encoder (a model folder's lexical.json, model format 4). For each
// primary head, a linear model over the post's TF-IDF vector gives one logit per label; the engine mixes them into
// every window's logits before the temperature, (1 - w) * window + w * lexical, with the head's `lexical_weight` w
// (model.json, fitted on gold). The Python reference is scripts/mhelp_pipeline/runtime/lexical.py, which says why
// the component exists; test/fixtures/lexical-vectors.json holds both languages to the same logits. Every rule the
// two share (token, n-gram length) is read from the file.

/** The lexical.json format this code reads. */
export const LEXICAL_FORMAT = 1;

interface LexicalFile {
  format_version: number;
  normalisation_version: number;
  rules: { token: string; ngram_max: number };
  heads: Array<{ task: string; labels: string[]; bias: number[] }>;
  vocabulary: string[];
  idf: number[];
  weights: Record<string, number[]>;
}

function allFinite(xs: unknown[]): boolean {
  for (const x of xs) if (typeof x !== "number" || !Number.isFinite(x)) return false;
  return true;
}

function fail(message: string): never {
  throw new Error(`invalid lexical.json: ${message}`);
}

/** Counts of the tokens' 1..nMax-grams, in the reference's order: every unigram first, then every bigram, … */
export function ngramCounts(tokens: string[], nMax: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= nMax; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const g = tokens.slice(i, i + n).join(" ");
      counts.set(g, (counts.get(g) ?? 0) + 1);
    }
  }
  return counts;
}

export class LexicalHeads {
  private readonly token: RegExp;
  private readonly ngramMax: number;
  private readonly index: Map<string, number>;
  private readonly idf: Float64Array;
  private readonly heads: Array<{ task: string; labels: string[]; n: number; bias: number[]; weights: Float64Array }>;

  private constructor(file: LexicalFile) {
    this.token = new RegExp(file.rules.token, "g");
    this.ngramMax = file.rules.ngram_max;
    this.index = new Map(file.vocabulary.map((g, k) => [g, k]));
    this.idf = Float64Array.from(file.idf);
    this.heads = file.heads.map((h) => ({
      task: h.task,
      labels: [...h.labels],
      n: h.labels.length,
      bias: h.bias,
      weights: Float64Array.from(file.weights[h.task]!),
    }));
  }

  /** Validates a parsed lexical.json against the normalisation this engine implements. */
  static parse(raw: unknown, normalisationVersion: number): LexicalHeads {
    const f = raw as Partial<LexicalFile> | null;
    if (!f || typeof f !== "object") fail("not a JSON object");
    if (f.format_version !== LEXICAL_FORMAT) fail(`format_version ${String(f.format_version)}; this engine reads ${LEXICAL_FORMAT}`);
    if (f.normalisation_version !== normalisationVersion) {
      fail(`trained with normalisation v${String(f.normalisation_version)}, this engine implements v${normalisationVersion}`);
    }
    if (!f.rules || typeof f.rules.token !== "string" || !Number.isInteger(f.rules.ngram_max) || f.rules.ngram_max < 1) {
      fail("rules.token and rules.ngram_max (an integer of at least 1) are required");
    }
    if (!Array.isArray(f.vocabulary) || !Array.isArray(f.idf) || f.vocabulary.length !== f.idf.length) {
      fail("vocabulary and idf must be arrays of the same length");
    }
    if (!Array.isArray(f.heads) || !f.weights) fail("heads and weights are required");
    for (const h of f.heads) {
      const w = f.weights[h.task];
      if (!Array.isArray(h.labels) || !Array.isArray(h.bias) || h.bias.length !== h.labels.length) fail(`head ${h.task}: one bias per label`);
      if (!Array.isArray(w) || w.length !== f.vocabulary.length * h.labels.length) fail(`head ${h.task}: weights must hold vocabulary × labels numbers`);
      if (!allFinite(h.bias) || !allFinite(w)) fail(`head ${h.task}: bias and weights must be finite numbers`);
    }
    if (!allFinite(f.idf)) fail("idf must hold finite numbers");
    return new LexicalHeads(f as LexicalFile);
  }

  /** The tasks this file has heads for, with their labels in the order of its logits. */
  get tasks(): ReadonlyMap<string, readonly string[]> {
    return new Map(this.heads.map((h) => [h.task, h.labels]));
  }

  /** Lexical logits of one normalised post, per task. */
  logits(normalised: string): Record<string, number[]> {
    const tokens = normalised.toLowerCase().match(this.token) ?? [];
    // the post's l2-normalised TF-IDF vector over the vocabulary: (1 + ln count) * idf, in the reference's order
    const keys: number[] = [];
    const values: number[] = [];
    for (const [g, c] of ngramCounts(tokens, this.ngramMax)) {
      const k = this.index.get(g);
      if (k === undefined) continue;
      keys.push(k);
      values.push((1 + Math.log(c)) * this.idf[k]!);
    }
    let total = 0;
    for (const v of values) total += v * v;
    const norm = Math.sqrt(total);
    const out: Record<string, number[]> = {};
    for (const h of this.heads) {
      const z = [...h.bias];
      if (norm > 0) {
        keys.forEach((k, i) => {
          const v = values[i]! / norm;
          for (let j = 0; j < h.n; j++) z[j]! += v * h.weights[k * h.n + j]!;
        });
      }
      out[h.task] = z;
    }
    return out;
  }
}

/** A head's window logits with the post's lexical logits mixed in: (1 - w) * window + w * lexical (w = 0: unchanged). */
export function mixLogits(window: ArrayLike<number>, lexical: number[] | undefined, weight: number): ArrayLike<number> {
  if (!lexical || weight === 0) return window;
  return Array.from({ length: window.length }, (_, j) => (1 - weight) * window[j]! + weight * lexical[j]!);
}
