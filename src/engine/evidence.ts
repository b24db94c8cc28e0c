// Evidence for the help-seeking score: which sentences of the ORIGINAL text drove it. Sentence-level
// occlusion — remove one sentence, re-score, and measure how much p(yes) drops. It is faithful by
// construction (a span is shown only because removing it lowered the score), model-agnostic, and its
// cost is bounded: at most `maxSentences` extra model passes, each no longer than the post, plus one for
// the whole post when the caller does not pass its score.
import type { Engine } from "./engine";

/** Sentences re-scored per post by default: the longest ones, one model pass each. */
export const MAX_EVIDENCE_SENTENCES = 12;
/** Spans returned by default, strongest first. */
export const MAX_EVIDENCE_SPANS = 3;

export interface EvidenceSpan {
  /** UTF-16 offsets into the original text (JavaScript string indices), end exclusive. */
  start: number;
  end: number;
  /** p(yes) of the whole post minus p(yes) with this span removed. Positive = supports a request. */
  weight: number;
}

/** The one evidence shape: the engine returns it, the Worker caches it and the API returns it as is
 * (src/worker/schemas.ts EvidenceSchema validates it; a type test keeps the two equal). */
export interface Evidence {
  task: "help_seeking";
  score: number;
  spans: EvidenceSpan[];
  /** sentences scored (long posts: the longest `maxSentences` are scored, the rest are not). */
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
    // one sentence: removing it leaves nothing to compare, so the whole post is the evidence — but only
    // when the post is judged help-seeking (a span must never be shown as evidence of a request that
    // the model does not see)
    const head = engine.heads.find((h) => h.task === "help_seeking");
    const threshold = head?.thresholds?.[0] ?? 0.5;
    const spans = sentences.length === 1 && score >= threshold ? [{ ...sentences[0]!, weight: score }] : [];
    return { task: "help_seeking", score, spans, sentences_scored: sentences.length, sentences_total: sentences.length };
  }
  const scored = [...sentences].sort((a, b) => b.end - b.start - (a.end - a.start)).slice(0, maxSentences);
  const occluded = scored.map((s) => `${text.slice(0, s.start)} ${text.slice(s.end)}`);
  const preds = await engine.predict(occluded);
  const spans = scored
    .map((s, i) => ({ ...s, weight: score - preds[i]!.heads.help_seeking!.probs.yes! }))
    .filter((s) => s.weight > 0)
    .sort((a, b) => b.weight - a.weight)
    .slice(0, topK);
  return { task: "help_seeking", score, spans, sentences_scored: scored.length, sentences_total: sentences.length };
}
