// POST /v1/predict's safety fields with the real model: `review` on every result, crisis `resources` when
// assess() says so (chosen by locale, then Accept-Language), the notice, and opt-in `evidence` spans.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import modelJson from "../../models/default/model.json";
import { sentenceSpans } from "../../src/engine/evidence";
import { EVIDENCE_RANKING } from "../../src/engine/evidence-scorer";
import { assess, NOTICE } from "../../src/safety/assessment";
import { crisisResources } from "../../src/safety/crisis-resources";
import { evidenceKey } from "../../src/worker/prediction-cache";
import { ErrorResponseSchema, PredictResponseSchema, type PredictResponse } from "../../src/worker/schemas";
import { eventually, postJson } from "./helpers";

const model = modelJson as unknown as { name: string; version: string };

async function predict(body: unknown, headers: Record<string, string> = {}): Promise<PredictResponse> {
  const res = await postJson("/v1/predict", body, headers);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return PredictResponseSchema.parse(JSON.parse(text));
}

const HELP =
  "I started a new job in March and I like the people there. " +
  "Since then I have had panic attacks almost every night and I can't breathe. " +
  "Has anyone been through this? What actually helped you?";
const CRISIS = "I don't want to be alive anymore. I have been thinking about ending it all tonight.";
const CALM = "Sharing some photos from my garden, the tomatoes finally came in this week.";

describe("review, resources and notice", () => {
  it("flags every result for review per assess() and carries the notice", async () => {
    const json = await predict({ posts: [{ id: "a", text: `${HELP} ${crypto.randomUUID()}` }, { id: "b", text: CALM }] });
    expect(json.notice).toBe(NOTICE);
    for (const r of json.results) {
      expect(typeof r.review.needed).toBe("boolean");
      expect(r.review.needed).toBe(r.review.reasons.length > 0);
      // both posts are well above the policy's minimum length (the API does not return token counts)
      const a = assess({ heads: { help_seeking: r.help_seeking, condition: r.condition }, windows: 1, tokens: 100 });
      expect(r.review).toEqual({ needed: a.review, reasons: a.review_reasons });
      expect(r.resources !== undefined).toBe(a.crisis);
      expect(r.evidence).toBeUndefined(); // explain is opt-in
    }
    expect(json.results[1]!.resources).toBeUndefined();
  });

  it("sends posts too short to judge to review", async () => {
    const json = await predict({ posts: [{ id: "s", text: "help" }] });
    expect(json.results[0]!.review).toEqual({ needed: true, reasons: expect.arrayContaining(["too_short"]) });
  });

  it("attaches crisis resources for a post at risk, chosen by locale, then Accept-Language", async () => {
    const gb = await predict({ posts: [{ id: "c", text: CRISIS }], locale: "en-GB" });
    const r = gb.results[0]!;
    expect(r.condition.label).toBe("suicidal");
    expect(r.resources).toBeDefined();
    expect(r.resources!.reasons).toContain("condition_suicidal");
    expect(r.review.reasons).toContain("possible_risk");
    const { reasons: _reasons, ...resources } = r.resources!;
    expect(resources).toEqual(crisisResources("en-GB"));
    expect(resources.country).toBe("GB");

    const fr = await predict({ posts: [{ id: "c", text: CRISIS }] }, { "accept-language": "fr-FR,fr;q=0.9,en;q=0.5" });
    expect(fr.results[0]!.resources!.country).toBe("FR");
    // locale wins over Accept-Language; unknown places get the international directory, never nothing
    const us = await predict({ posts: [{ id: "c", text: CRISIS }], locale: "en-US" }, { "accept-language": "fr-FR" });
    expect(us.results[0]!.resources!.country).toBe("US");
    const none = await predict({ posts: [{ id: "c", text: CRISIS }] });
    expect(none.results[0]!.resources!.country).toBe("international");
    expect(none.results[0]!.resources!.international.length).toBeGreaterThan(0);
  });
});

describe('evidence ("explain": true)', () => {
  it("returns sentence spans with offsets into the submitted text, strongest first", async () => {
    const text = `  ${HELP}\n\n(${crypto.randomUUID()})`; // leading spaces: offsets must still point into the original
    const json = await predict({ posts: [{ id: "e", text }], explain: true });
    const r = json.results[0]!;
    const ev = r.evidence!;
    expect(ev.task).toBe("help_seeking");
    expect(ev.score).toBeCloseTo(r.help_seeking.probs.yes!, 5);
    expect(ev.sentences_total).toBe(sentenceSpans(text).length);
    expect(ev.spans.length).toBeGreaterThan(0);
    expect(ev.spans.length).toBeLessThanOrEqual(3);
    const sentences = sentenceSpans(text).map((s) => `${s.start}:${s.end}`);
    for (const s of ev.spans) {
      expect(s.start).toBeGreaterThanOrEqual(0);
      expect(s.end).toBeLessThanOrEqual(text.length);
      expect(sentences).toContain(`${s.start}:${s.end}`);
      expect(s.weight).toBeGreaterThan(0);
    }
    const weights = ev.spans.map((s) => s.weight);
    expect([...weights].sort((a, b) => b - a)).toEqual(weights);
    // spans are whole sentences of the original: slicing gives trimmed sentence text
    for (const s of ev.spans) expect(text.slice(s.start, s.end)).toBe(text.slice(s.start, s.end).trim());
  });

  it("is faithful: each span's p_alone is p(help_seeking = yes) of that sentence submitted alone", async () => {
    const text = `${HELP} ${crypto.randomUUID()}`;
    const { results } = await predict({ posts: [{ id: "f", text }], explain: true });
    const spans = results[0]!.evidence!.spans;
    const alone = await predict({ posts: spans.map((s, i) => ({ id: `f${i}`, text: text.slice(s.start, s.end) })) });
    for (const [i, s] of spans.entries()) expect(alone.results[i]!.help_seeking.probs.yes!).toBeCloseTo(s.p_alone, 4);
  });

  it("caches evidence separately under a hash of the submitted text, storing offsets only", async () => {
    const text = `${HELP} ${crypto.randomUUID()}`;
    const first = await predict({ posts: [{ id: "g", text }], explain: true });
    const key = await evidenceKey(model, text);
    expect(key).toMatch(/^ev3:[^:]+@[^:]+:[0-9a-f]{64}$/);
    const stored = await eventually(() => env.PREDICTIONS.get(key), (v) => v !== null);
    expect(stored).not.toBeNull();
    expect(stored).not.toContain("panic");
    expect(stored).not.toContain("\"g\"");
    expect(Object.keys(JSON.parse(stored!)).sort()).toEqual(["score", "sentences_scored", "sentences_total", "spans"]);
    const second = await predict({ posts: [{ id: "g2", text }], explain: true });
    expect(second.results[0]!.cached).toBe(true);
    expect(second.results[0]!.evidence).toEqual(first.results[0]!.evidence);
  });

  it("gives a one-sentence post its whole text as evidence when it scores yes", async () => {
    const text = "Can anyone help me, I feel so alone and I do not know what to do";
    const { results } = await predict({ posts: [{ id: "one", text }], explain: true });
    const ev = results[0]!.evidence!;
    expect(ev.sentences_total).toBe(1);
    expect(ev.spans).toHaveLength(1);
    expect(ev.spans[0]).toMatchObject({ start: 0, end: text.length, p_alone: ev.score });
    const { request, weight } = ev.spans[0]!;
    expect(weight).toBeCloseTo(request ** (1 - EVIDENCE_RANKING.modelWeight) * ev.score ** EVIDENCE_RANKING.modelWeight, 12);
  });

  it("limits explained posts per request and rejects a non-boolean explain (both 400)", async () => {
    const posts = Array.from({ length: 9 }, (_, i) => ({ id: String(i), text: "hello" }));
    const res = await postJson("/v1/predict", { posts, explain: true });
    expect(res.status).toBe(400);
    const body = ErrorResponseSchema.parse(await res.json());
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.message).toMatch(/at most 8 posts per request with "explain": true/);
    // the same batch without explain is fine
    expect((await postJson("/v1/predict", { posts })).status).toBe(200);
    const bad = await postJson("/v1/predict", { posts: [{ id: "1", text: "hi" }], explain: "yes" });
    expect(bad.status).toBe(400);
    const badBody = ErrorResponseSchema.parse(await bad.json());
    expect(badBody.error.issues?.[0]?.path).toEqual(["explain"]);
  });
});
