// Evidence spans: offsets point into the original text, and they are faithful — removing the top span
// must lower the help-seeking score. Texts written for the test.
import { beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/engine";
import { helpSeekingEvidence, sentenceSpans } from "../../src/engine/evidence";
import { loadNodeEngine } from "../../src/hosts/node";

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

  it("is faithful: removing the top span lowers the score", async () => {
    const ev = await helpSeekingEvidence(engine, post);
    const top = ev.spans[0]!;
    const [without] = await engine.predict([post.slice(0, top.start) + " " + post.slice(top.end)]);
    expect(without!.heads.help_seeking!.probs.yes!).toBeLessThan(ev.score);
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
    const high = await helpSeekingEvidence(engine, text, { score: Math.min(1, threshold + 0.1) });
    expect(high.spans).toEqual([{ start: 0, end: text.length, weight: Math.min(1, threshold + 0.1) }]);
  });

  it("takes a known score instead of scoring the whole post: one pass over the occluded sentences only", async () => {
    const text = "I lost my job. I do not know how to tell my family. What should I do?";
    const computed = await helpSeekingEvidence(engine, text);
    // a score the model would not give the post (halfway from its own to 1): the weights must be measured from it
    const given = (1 + computed.score) / 2;
    expect(given).not.toBeCloseTo(computed.score, 3);
    const calls: string[][] = [];
    const counting = { heads: engine.heads, predict: (texts: string[]) => (calls.push(texts), engine.predict(texts)) } as unknown as Engine;
    const reused = await helpSeekingEvidence(counting, text, { score: given, topK: 10 });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(3);
    expect(calls[0]).not.toContain(text);
    expect(reused.score).toBe(given);
    // each sentence's weight: the given score minus the score of the post without that sentence
    const sentences = sentenceSpans(text);
    const without = await engine.predict(sentences.map((s) => `${text.slice(0, s.start)} ${text.slice(s.end)}`));
    const expected = sentences
      .map((s, i) => ({ ...s, weight: given - without[i]!.heads.help_seeking!.probs.yes! }))
      .filter((s) => s.weight > 0)
      .sort((x, y) => y.weight - x.weight);
    expect(expected.length).toBeGreaterThan(0);
    expect(reused.spans).toEqual(expected);
  });
});
