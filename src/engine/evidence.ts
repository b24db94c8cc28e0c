// Evidence for the help-seeking score: which sentences of the ORIGINAL text drove it. Each sentence is scored
// on its own — p(help_seeking = yes | that sentence alone), one model pass each — and the sentences the model
// finds most request-like are the evidence. A request for help is usually one sentence (a question, "any
// advice?") that carries the score by itself; removing it from a long post often barely moves p(yes), which is
// why this replaced sentence occlusion (bench/evidence-methods.mjs: top-span agreement with annotators'
// help_evidence 0.46 → 0.61 on a silver sample, and on gold dev, see docs/model-card.md#evidence). It stays
// faithful to the model (a weight is the model's own score of that text, nothing else), model-agnostic, and
// bounded: at most `maxSentences` extra passes, each no longer than one sentence, plus one for the whole post
// when the caller does not pass its score. Long posts score the `maxSentences` sentences with the highest
// request prior (a question mark, request words; ties: longer first), no model pass needed to choose them.
import type { Engine } from "./engine";

/** Sentences scored per post by default (those with the highest `requestPrior`), one model pass each. */
export const MAX_EVIDENCE_SENTENCES = 12;
/** Spans returned by default, strongest first. */
export const MAX_EVIDENCE_SPANS = 3;

export interface EvidenceSpan {
  /** UTF-16 offsets into the original text (JavaScript string indices), end exclusive. */
  start: number;
  end: number;
  /** p(help_seeking = yes) of this span scored on its own (a one-sentence post: the post's score). Higher =
   * the model reads the span, by itself, more as a request for help. */
  weight: number;
}

/** The one evidence shape: the engine returns it, the Worker caches it and the API returns it as is
 * (src/worker/schemas.ts EvidenceSchema validates it; a type test keeps the two equal). */
export interface Evidence {
  task: "help_seeking";
  score: number;
  spans: EvidenceSpan[];
  /** sentences scored (long posts: the `maxSentences` with the highest request prior; the rest are not). */
  sentences_scored: number;
  sentences_total: number;
}

// A sentence ends at . ! ? … (possibly repeated, possibly followed by closing quotes/brackets) before
// whitespace, or at a line break.
const SENTENCE_END = /[.!?…]+["'”’)\]]*(?=\s)|\n+/g;

/** Splits text into trimmed sentence spans with offsets into the original string. */
export function sentenceSpans(text: string): Array<{ start: number; end: number }> {
  const spans: Array<{ start: number; end: number }> = [];
  let from = 0;
  const push = (start: number, end: number) => {
    while (start < end && /\s/.test(text[start]!)) start++;
    while (end > start && /\s/.test(text[end - 1]!)) end--;
    if (end > start) spans.push({ start, end });
  };
  for (const m of text.matchAll(SENTENCE_END)) {
    const end = m.index! + (m[0].startsWith("\n") ? 0 : m[0].length);
    push(from, end);
    from = m.index! + m[0].length;
  }
  push(from, text.length);
  return spans;
}

// Words that ask for something: advice, help, someone to answer. A cheap prior (no model pass) for which
// sentences of a long post to score first.
const REQUEST_CUE =
  /\b(help|advice|advise|suggest\w*|recommend\w*|tips?|anyone|any ?one|someone|somebody|please|pls|should i|what (?:do|can|should|would) i|how (?:do|can|should|would) i|what to do|how to|is it normal|am i|does anyone|has anyone|need to talk|talk to)\b/i;

/** Prior that a sentence is the request: 2 for a question mark, +1 for a request word. */
export function requestPrior(sentence: string): number {
  return (sentence.includes("?") ? 2 : 0) + (REQUEST_CUE.test(sentence) ? 1 : 0);
}

export async function helpSeekingEvidence(
  engine: Engine,
  text: string,
  /** score: p(help_seeking = yes) of the whole post when the caller already has it (saves one pass). */
  options: { maxSentences?: number; topK?: number; score?: number } = {},
): Promise<Evidence> {
  const maxSentences = options.maxSentences ?? MAX_EVIDENCE_SENTENCES;
  const topK = options.topK ?? MAX_EVIDENCE_SPANS;
  const sentences = sentenceSpans(text);
  const score = options.score ?? (await engine.predict([text]))[0]!.heads.help_seeking!.probs.yes!;
  if (sentences.length <= 1) {
    // one sentence: it alone is the post, so its weight is the post's score and no pass is needed — and it
    // is shown only when the post is judged help-seeking (a lone span must never be shown as evidence of a
    // request that the model does not see)
    const head = engine.heads.find((h) => h.task === "help_seeking");
    const threshold = head?.thresholds?.[0] ?? 0.5;
    const spans = sentences.length === 1 && score >= threshold ? [{ ...sentences[0]!, weight: score }] : [];
    return { task: "help_seeking", score, spans, sentences_scored: sentences.length, sentences_total: sentences.length };
  }
  const scored = bySentencePrior(text, sentences).slice(0, maxSentences);
  const preds = await engine.predict(scored.map((s) => text.slice(s.start, s.end)));
  const spans = scored
    .map((s, i) => ({ ...s, weight: preds[i]!.heads.help_seeking!.probs.yes! }))
    .sort((a, b) => b.weight - a.weight)
    .slice(0, topK);
  return { task: "help_seeking", score, spans, sentences_scored: scored.length, sentences_total: sentences.length };
}

/** Sentences in the order they are scored: highest `requestPrior` first, then longer first, then text order. */
export function bySentencePrior(text: string, sentences: Array<{ start: number; end: number }>): Array<{ start: number; end: number }> {
  const prior = sentences.map((s) => requestPrior(text.slice(s.start, s.end)));
  return sentences
    .map((s, i) => ({ s, i }))
    .sort((a, b) => prior[b.i]! - prior[a.i]! || b.s.end - b.s.start - (a.s.end - a.s.start) || a.i - b.i)
    .map(({ s }) => s);
}
