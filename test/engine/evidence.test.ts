// Evidence spans: offsets point into the original text, each span carries its request score and the model's own
// p(yes) of that sentence alone, its weight combines the two, and long posts run the model on the sentences with
// the best request scores only. Texts written for the test.
import { beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/engine";
import { byRequestScore, helpSeekingEvidence, requestPrior, sentenceSpans, spanWeight } from "../../src/engine/evidence";
import { EVIDENCE_RANKING, requestScores } from "../../src/engine/evidence-scorer";
import { loadNodeEngine } from "../../src/hosts/node";
import vectors from "../fixtures/evidence-scorer-vectors.json";

describe("sentenceSpans", () => {
  it("splits on sentence ends and line breaks with offsets into the original", () => {
    const text = "I can't sleep.  My boss yells at me!\nWhat should I do?  ";
    const spans = sentenceSpans(text);
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual(["I can't sleep.", "My boss yells at me!", "What should I do?"]);
  });

  it("keeps decimals, emoji and text without final punctuation", () => {
    const text = "I have 2.5 hours 😞 and no plan";
    expect(sentenceSpans(text)).toEqual([{ start: 0, end: text.length }]);
    expect(sentenceSpans("")).toEqual([]);
  });
});

describe("requestPrior", () => {
  it("scores a question mark 2 and a request word 1", () => {
    expect(requestPrior("The house feels empty.")).toBe(0);
    expect(requestPrior("I really need some advice.")).toBe(1);
    expect(requestPrior("Why is it always me?")).toBe(2);
    expect(requestPrior("Can anyone help me?")).toBe(3);
  });
});

describe("the request-sentence scorer (shared vectors with scripts/mhelp_pipeline/train/evidence_scorer.py)", () => {
  it.each(vectors.cases.map((c, i) => [i, c] as const))("case %i: the same sentences and request scores as Python", (_, c) => {
    const spans = sentenceSpans(c.text);
    expect(spans.map((s) => [s.start, s.end])).toEqual(c.sentences);
    const scores = requestScores(spans.map((s) => c.text.slice(s.start, s.end)));
    expect(scores).toHaveLength(c.request_scores.length);
    scores.forEach((p, i) => expect(p).toBeCloseTo(c.request_scores[i]!, 5));
  });

  it("finds the request in a post it never saw, and ranks by request score, then text order", () => {
    const text = "I moved to a new city in May. The flat is small and loud. Where can I find a support group for anxiety? Thanks.";
    const spans = sentenceSpans(text);
    const order = byRequestScore(spans, requestScores(spans.map((s) => text.slice(s.start, s.end))));
    expect(text.slice(order[0]!.span.start, order[0]!.span.end)).toBe("Where can I find a support group for anxiety?");
    const tie = byRequestScore(spans, spans.map(() => 0.5)).map((c) => c.span);
    expect(tie).toEqual(spans);
  });
});

describe("helpSeekingEvidence", () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await loadNodeEngine();
  }, 60_000);

  const post =
    "My mom passed away three months ago and the house feels empty. I stopped going to my classes and I barely eat. " +
    "Some nights I just stare at the ceiling until morning. Can anyone tell me how to find a grief counselor? I really need help.";

  it("returns spans inside the text, strongest first", async () => {
    const ev = await helpSeekingEvidence(engine, post);
    expect(ev.sentences_total).toBe(5);
    expect(ev.spans.length).toBeGreaterThan(0);
    for (const s of ev.spans) {
      expect(s.start).toBeGreaterThanOrEqual(0);
      expect(s.end).toBeLessThanOrEqual(post.length);
      expect(s.weight).toBeGreaterThan(0);
    }
    const weights = ev.spans.map((s) => s.weight);
    expect(weights).toEqual([...weights].sort((a, b) => b - a));
  }, 60_000);

  it("returns both parts of each weight: p_alone is the model's p(yes) of that sentence alone", async () => {
    const ev = await helpSeekingEvidence(engine, post);
    const alone = await engine.predict(ev.spans.map((s) => post.slice(s.start, s.end)));
    expect(ev.spans.map((s) => s.p_alone)).toEqual(alone.map((p) => p.heads.help_seeking!.probs.yes!));
    const sentences = sentenceSpans(post);
    const request = requestScores(sentences.map((s) => post.slice(s.start, s.end)));
    for (const s of ev.spans) {
      expect(s.request).toBe(request[sentences.findIndex((x) => x.start === s.start)]);
      expect(s.weight).toBeCloseTo(s.request ** (1 - EVIDENCE_RANKING.modelWeight) * s.p_alone ** EVIDENCE_RANKING.modelWeight, 12);
    }
  }, 60_000);

  it("picks the request, not the longest sentence, as the top span", async () => {
    const ev = await helpSeekingEvidence(engine, post);
    const top = post.slice(ev.spans[0]!.start, ev.spans[0]!.end);
    expect(["Can anyone tell me how to find a grief counselor?", "I really need help."]).toContain(top);
  }, 60_000);

  it("runs the model on at most maxSentences sentences, those with the best request scores", async () => {
    const filler = Array.from({ length: 13 }, (_, i) => `On day ${i + 1} of the long winter I walked the dog around the lake again.`);
    const text = [...filler.slice(0, 7), "Does anyone know a cheap therapist near Leeds?", ...filler.slice(7)].join(" ");
    const calls: string[][] = [];
    const counting = { heads: engine.heads, predict: (texts: string[]) => (calls.push(texts), engine.predict(texts)) } as unknown as Engine;
    const ev = await helpSeekingEvidence(counting, text, { score: 0.9 });
    expect(ev.sentences_total).toBe(14);
    expect(ev.sentences_scored).toBe(EVIDENCE_RANKING.candidates);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(EVIDENCE_RANKING.candidates);
    expect(calls[0]![0]).toBe("Does anyone know a cheap therapist near Leeds?");
    expect(text.slice(ev.spans[0]!.start, ev.spans[0]!.end)).toBe("Does anyone know a cheap therapist near Leeds?");
  }, 60_000);
});

describe("helpSeekingEvidence, single sentence", () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await loadNodeEngine();
  }, 60_000);

  it("shows a lone sentence only when the post is judged help-seeking", async () => {
    const threshold = engine.heads.find((h) => h.task === "help_seeking")!.thresholds?.[0] ?? 0.5;
    const text = "Can someone please tell me how to find a therapist";
    const low = await helpSeekingEvidence(engine, text, { score: threshold / 2 });
    expect(low.spans).toEqual([]);
    const score = Math.min(1, threshold + 0.1);
    const high = await helpSeekingEvidence(engine, text, { score });
    const [request] = requestScores([text]);
    expect(high.spans).toEqual([{ start: 0, end: text.length, weight: spanWeight(request!, score), request, p_alone: score }]);
  });

  it("takes a known score instead of scoring the whole post: one pass over the sentences only", async () => {
    const text = "I lost my job. I do not know how to tell my family. What should I do?";
    const computed = await helpSeekingEvidence(engine, text);
    // a score the model would not give the post (halfway from its own to the far end of [0, 1]; the calibrated map
    // may give nearly 1): the weights must be measured from it
    const given = computed.score > 0.5 ? computed.score / 2 : (1 + computed.score) / 2;
    expect(given).not.toBeCloseTo(computed.score, 3);
    const calls: string[][] = [];
    const counting = { heads: engine.heads, predict: (texts: string[]) => (calls.push(texts), engine.predict(texts)) } as unknown as Engine;
    const reused = await helpSeekingEvidence(counting, text, { score: given, topK: 10 });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(3);
    expect(calls[0]).not.toContain(text);
    expect(reused.score).toBe(given);
    // each sentence's p_alone: its own p(yes), scored alone, whatever the given score
    const sentences = sentenceSpans(text);
    const request = requestScores(sentences.map((s) => text.slice(s.start, s.end)));
    expect(calls[0]).toEqual(byRequestScore(sentences, request).map(({ span }) => text.slice(span.start, span.end)));
    const alone = await engine.predict(sentences.map((s) => text.slice(s.start, s.end)));
    const expected = sentences
      .map((s, i) => {
        const pAlone = alone[i]!.heads.help_seeking!.probs.yes!;
        return { ...s, weight: spanWeight(request[i]!, pAlone), request: request[i]!, p_alone: pAlone };
      })
      .sort((x, y) => y.weight - x.weight);
    expect(reused.spans).toEqual(expected);
    expect(computed.spans).toEqual(expected);
  });
});
