// The request-sentence scorer: P(this sentence is the post's request for help), from a logistic regression that
// scripts/mhelp_pipeline/train/evidence_scorer.py fitted on silver posts' annotated help_evidence
// (models/evidence-scorer.json). It reads no model: word unigrams and bigrams of the normalised, lower-cased
// sentence, where the sentence sits in the post, a question mark, request words and its length. Every rule it
// shares with the Python (sentence end, token, request cue, feature order) is read from the JSON, and
// test/fixtures/evidence-scorer-vectors.json holds both languages to the same sentences and scores.
import scorerJson from "../../models/evidence-scorer.json";
import { normalise } from "./normalise";

/** The scorer file's format this code reads. */
export const EVIDENCE_SCORER_FORMAT = 1;

interface ScorerFile {
  format_version: number;
  rules: { sentence_end: string; token: string; request_cue: string; length_cap: number; dense: string[] };
  ranking: { model_weight: number; candidates: number };
  bias: number;
  ngrams: Record<string, number>;
  dense: Record<string, number>;
}

const scorer = scorerJson as unknown as ScorerFile;
if (scorer.format_version !== EVIDENCE_SCORER_FORMAT) {
  throw new Error(`models/evidence-scorer.json has format_version ${scorer.format_version}; this engine reads ${EVIDENCE_SCORER_FORMAT}`);
}
const SENTENCE_END = new RegExp(scorer.rules.sentence_end, "g");
const TOKEN = new RegExp(scorer.rules.token, "g");
const REQUEST_CUE = new RegExp(scorer.rules.request_cue, "i");
const NGRAMS = new Map(Object.entries(scorer.ngrams));
const computed = denseFeatures("", 0, 1, 0);
const unknown = scorer.rules.dense.filter((name) => !(name in computed));
if (unknown.length) throw new Error(`models/evidence-scorer.json uses features this engine does not compute: ${unknown.join(", ")}`);

/** How evidence ranks sentences: request^(1 - modelWeight) × p_alone^modelWeight over the `candidates` sentences
 * with the best request scores (the model runs on those only). Chosen on held-out silver posts. */
export const EVIDENCE_RANKING = { modelWeight: scorer.ranking.model_weight, candidates: scorer.ranking.candidates } as const;

export interface SentenceSpan {
  /** UTF-16 offsets into the text, end exclusive */
  start: number;
  end: number;
}

/** Splits text into trimmed sentence spans with offsets into the original string: a sentence ends at . ! ? …
 * (possibly repeated, possibly followed by closing quotes or brackets) before whitespace, or at a line break. */
export function sentenceSpans(text: string): SentenceSpan[] {
  const spans: SentenceSpan[] = [];
  let from = 0;
  const push = (start: number, end: number) => {
    while (start < end && /\s/.test(text[start]!)) start++;
    while (end > start && /\s/.test(text[end - 1]!)) end--;
    if (end > start) spans.push({ start, end });
  };
  for (const m of text.matchAll(SENTENCE_END)) {
    push(from, m.index! + (m[0].startsWith("\n") ? 0 : m[0].length));
    from = m.index! + m[0].length;
  }
  push(from, text.length);
  return spans;
}

/** Prior that a sentence is the request, no model needed: 2 for a question mark, +1 for a request word. */
export function requestPrior(sentence: string): number {
  return (sentence.includes("?") ? 2 : 0) + (REQUEST_CUE.test(sentence) ? 1 : 0);
}

function tokens(sentence: string): string[] {
  return normalise(sentence).toLowerCase().match(TOKEN) ?? [];
}

/** The features besides words of sentence k of n, which has `nTokens` tokens (the names the scorer file lists). */
function denseFeatures(sentence: string, k: number, n: number, nTokens: number): Record<string, number> {
  return {
    position: k / Math.max(n - 1, 1),
    is_first: k === 0 ? 1 : 0,
    is_last: k === n - 1 ? 1 : 0,
    has_question: sentence.includes("?") ? 1 : 0,
    request_prior: requestPrior(sentence),
    length: Math.min(nTokens, scorer.rules.length_cap) / scorer.rules.length_cap,
    log_sentences: Math.log1p(n),
  };
}

/** P(sentence is the request) for each sentence of one post, given in post order. */
export function requestScores(sentences: string[]): number[] {
  return sentences.map((s, k) => {
    const words = tokens(s);
    const grams = new Set(words);
    for (let i = 1; i < words.length; i++) grams.add(`${words[i - 1]} ${words[i]}`);
    let z = scorer.bias;
    for (const g of grams) z += NGRAMS.get(g) ?? 0;
    const dense = denseFeatures(s, k, sentences.length, words.length);
    for (const name of scorer.rules.dense) z += scorer.dense[name]! * dense[name]!;
    return 1 / (1 + Math.exp(-z));
  });
}
