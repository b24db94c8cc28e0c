// src/worker/predict-service.ts with a fake engine (counts its calls) over the local KV namespace:
// cache-through for predictions and evidence, de-duplication, and the 503 for a model that cannot load.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Engine } from "../../src/engine/engine";
import { normalise } from "../../src/engine/normalise";
import type { Prediction } from "../../src/engine/types";
import { ApiError } from "../../src/worker/errors";
import { predictBatch, type PredictContext } from "../../src/worker/predict-service";

/** p(help_seeking = yes) rises with the number of "help"s: a sentence with one scores higher on its own. */
function fakePrediction(text: string): Prediction {
  const yes = Math.min(0.95, 0.2 + 0.25 * (text.match(/help/gi)?.length ?? 0));
  return {
    heads: {
      help_seeking: { label: yes >= 0.5 ? "yes" : "no", probs: { no: 1 - yes, yes } },
      condition: { label: "anxiety", probs: { anxiety: 0.7, depression: 0.3 } },
      causes: { labels: ["work"], probs: { work: 0.6, health: 0.2 } },
      mood: { label: "low", probs: { low: 0.8, ok: 0.2 } },
    },
    windows: 1,
    tokens: text.split(/\s+/).length,
  };
}

function fakeEngine() {
  const calls = { loads: 0, predictNormalised: [] as string[][], predict: [] as string[][] };
  const engine = {
    heads: [{ task: "help_seeking", thresholds: [0.5] }],
    predictNormalised: async (texts: string[]) => (calls.predictNormalised.push(texts), texts.map(fakePrediction)),
    predict: async (texts: string[]) => (calls.predict.push(texts), texts.map((t) => fakePrediction(normalise(t)))),
  } as unknown as Engine;
  const writes: Array<Promise<unknown>> = [];
  const ctx: PredictContext = {
    kv: env.PREDICTIONS,
    cacheTtlSeconds: 3600,
    acceptLanguage: undefined,
    requestId: "test",
    waitUntil: (work) => void writes.push(work),
    loadEngine: async () => (calls.loads++, engine),
  };
  return { calls, ctx, settled: () => Promise.all(writes) };
}

describe("predictBatch", () => {
  afterEach(() => vi.restoreAllMocks());

  it("runs the model once per distinct normalised text, then answers the same posts from KV without loading it", async () => {
    const a = `I need help with my exams ${crypto.randomUUID()}`;
    const b = `Just sharing my garden ${crypto.randomUUID()}`;
    const posts = [{ id: "a", text: a }, { id: "b", text: b }, { id: "c", text: `  ${a}\n` }];
    const first = fakeEngine();
    const one = await predictBatch({ posts, explain: false }, first.ctx);
    expect(first.calls.predictNormalised).toEqual([[normalise(a), normalise(b)]]);
    expect(one.body.results.map((r) => [r.id, r.cached])).toEqual([["a", false], ["b", false], ["c", false]]);
    expect(one.body.results[0]!.aux).toEqual({ mood: { label: "low", probs: { low: 0.8, ok: 0.2 } } });
    expect(one.stats).toMatchObject({ batchSize: 3, cacheHits: 0, cacheMisses: 3, modelRuns: 2, explain: false });
    await first.settled();

    const again = fakeEngine();
    const two = await predictBatch({ posts, explain: false }, again.ctx);
    expect(again.calls.loads).toBe(0);
    expect(two.body.results.map((r) => r.cached)).toEqual([true, true, true]);
    expect(two.stats).toMatchObject({ cacheHits: 3, cacheMisses: 0, modelRuns: 0 });
    const strip = ({ cached: _c, ...rest }: (typeof one.body.results)[number]) => rest;
    expect(two.body.results.map(strip)).toEqual(one.body.results.map(strip));
  });

  it("explains from the post's own prediction: one pass over the sentences alone, never the whole post again", async () => {
    const text = `I lost my job. Can anyone help me find work? ${crypto.randomUUID()}`;
    const first = fakeEngine();
    const { body } = await predictBatch({ posts: [{ id: "e", text }, { id: "e2", text }], explain: true }, first.ctx);
    const score = fakePrediction(normalise(text)).heads.help_seeking!.probs.yes!;
    expect(first.calls.predict).toHaveLength(1);
    expect(first.calls.predict[0]).toHaveLength(3); // three sentences, each scored alone
    expect(first.calls.predict[0]).not.toContain(text);
    expect(first.calls.predict[0]![0]).toBe("Can anyone help me find work?"); // the best request score first
    const evidence = body.results[0]!.evidence!;
    expect(evidence).toMatchObject({ task: "help_seeking", score, sentences_scored: 3, sentences_total: 3 });
    expect(evidence.spans.map((s) => text.slice(s.start, s.end))[0]).toBe("Can anyone help me find work?");
    expect(evidence.spans.map((s) => s.p_alone)).toEqual([0.45, 0.2, 0.2]);
    expect(body.results[1]!.evidence).toEqual(evidence);
    await first.settled();

    const again = fakeEngine();
    const cached = await predictBatch({ posts: [{ id: "e3", text }], explain: true }, again.ctx);
    expect(again.calls.loads).toBe(0);
    expect(cached.body.results[0]!.evidence).toEqual(evidence);
  });

  it("answers 503 model_unavailable, with Retry-After and an error log line, when the model cannot load", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const { ctx } = fakeEngine();
    const failing = { ...ctx, loadEngine: () => Promise.reject(new Error("out of memory")) };
    const err = await predictBatch({ posts: [{ id: "x", text: `anything ${crypto.randomUUID()}` }], explain: false }, failing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 503, code: "model_unavailable", headers: { "Retry-After": "5" } });
    expect(JSON.parse(String(error.mock.calls[0]![0]))).toMatchObject({ level: "error", msg: "model load failed", request_id: "test", error: "Error", message: "out of memory" });
  });
});
