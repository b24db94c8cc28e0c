// Evidence for the help-seeking score: which sentences of the ORIGINAL text are the request for help.
//
// Every sentence gets a request score, P(it is the request), from the request-sentence scorer
// (./evidence-scorer.ts: a linear model learned from silver annotators' help_evidence, no model pass). The model
// then scores the `candidates` sentences with the best request scores, each on its own: p(help_seeking = yes |
// that sentence alone). A span's weight is request^(1 - w) × p_alone^w (w = EVIDENCE_RANKING.modelWeight), so the
// spans are what annotators mark as the request and what the model reads as one. Both parts are returned.
// Measured against gold annotators' help_evidence in bench/evidence-methods.mjs (docs/model-card.md#evidence):
// the previous method (sentences ranked by p_alone, chosen among the 12 with the highest request prior) put an
// annotated request on top for 0.61 of gold help-seeking posts. Bounded: at most `maxSentences` extra passes,
// each no longer than one sentence, plus one for the whole post when the caller does not pass its score.
import type { Engine } from "./engine";
import { EVIDENCE_RANKING, requestScores, sentenceSpans } from "./evidence-scorer";

export { requestPrior, sentenceSpans } from "./evidence-scorer";

/** Sentences the model scores per post by default (those with the best request scores), one pass each. */
export const MAX_EVIDENCE_SENTENCES = EVIDENCE_RANKING.candidates;
/** Spans returned by default, strongest first. */
export const MAX_EVIDENCE_SPANS = 3;

export interface EvidenceSpan {
  /** UTF-16 offsets into the original text (JavaScript string indices), end exclusive. */
  start: number;
  end: number;
  /** request^(1 - w) × p_alone^w: how strongly this sentence is the request, by both measures. */
  weight: number;
  /** P(this sentence is the request for help), the request-sentence scorer's, from the sentence's words and place. */
  request: number;
  /** p(help_seeking = yes) the model gives this span on its own (a one-sentence post: the post's score). */
  p_alone: number;
}

/** The one evidence shape: the engine returns it, the Worker caches it and the API returns it as is
 * (src/worker/schemas.ts EvidenceSchema validates it; a type test keeps the two equal). */
export interface Evidence {
  task: "help_seeking";
  score: number;
  spans: EvidenceSpan[];
  /** sentences the model scored (long posts: the `maxSentences` with the best request scores) */
  sentences_scored: number;
  sentences_total: number;
}

/** request^(1 - w) × p_alone^w */
export function spanWeight(request: number, pAlone: number, modelWeight = EVIDENCE_RANKING.modelWeight): number {
  return request ** (1 - modelWeight) * pAlone ** modelWeight;
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
  const request = requestScores(sentences.map((s) => text.slice(s.start, s.end)));
  if (sentences.length <= 1) {
    // one sentence: it alone is the post, so its p_alone is the post's score and no pass is needed — and it
    // is shown only when the post is judged help-seeking (a lone span must never be shown as evidence of a
    // request that the model does not see)
    const head = engine.heads.find((h) => h.task === "help_seeking");
    const threshold = head?.thresholds?.[0] ?? 0.5;
    const spans =
      sentences.length === 1 && score >= threshold
        ? [{ ...sentences[0]!, weight: spanWeight(request[0]!, score), request: request[0]!, p_alone: score }]
        : [];
    return { task: "help_seeking", score, spans, sentences_scored: sentences.length, sentences_total: sentences.length };
  }
  const candidates = byRequestScore(sentences, request).slice(0, maxSentences);
  const preds = await engine.predict(candidates.map(({ span }) => text.slice(span.start, span.end)));
  const spans = candidates
    .map(({ span, request: r }, i) => {
      const pAlone = preds[i]!.heads.help_seeking!.probs.yes!;
      return { ...span, weight: spanWeight(r, pAlone), request: r, p_alone: pAlone };
    })
    .sort((a, b) => b.weight - a.weight)
    .slice(0, topK);
  return { task: "help_seeking", score, spans, sentences_scored: candidates.length, sentences_total: sentences.length };
}

/** Sentences in the order the model scores them: best request score first, then text order. */
export function byRequestScore(
  sentences: Array<{ start: number; end: number }>,
  request: number[],
): Array<{ span: { start: number; end: number }; request: number }> {
  return sentences
    .map((span, i) => ({ span, request: request[i]!, i }))
    .sort((a, b) => b.request - a.request || a.i - b.i)
    .map(({ span, request: r }) => ({ span, request: r }));
}
