// POST /v1/predict inside workerd with the real shipped model (models/default) and the local KV binding.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import modelJson from "../../models/default/model.json";
import parity from "../fixtures/parity.json";
import { PRIMARY_TASKS } from "../../src/engine/codebook";
import { normalise } from "../../src/engine/normalise";
import { predictionKey } from "../../src/worker/prediction-cache";
import { PredictResponseSchema, type PredictResponse } from "../../src/worker/schemas";
import { eventually, postJson } from "./helpers";

const model = modelJson as unknown as { name: string; version: string; variant: string; heads: Array<{ task: string; kind: string; labels: string[] }> };
const PREFIX = `v1:${model.name}@${model.version}:`;
const AUX = model.heads.map((h) => h.task).filter((t) => !(PRIMARY_TASKS as readonly string[]).includes(t));

async function predict(body: unknown): Promise<{ res: Response; json: PredictResponse }> {
  const res = await postJson("/v1/predict", body);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return { res, json: PredictResponseSchema.parse(JSON.parse(text)) };
}

async function kvKeys(): Promise<string[]> {
  const list = await env.PREDICTIONS.list({ prefix: "v1:" });
  return list.keys.map((k) => k.name);
}

describe("POST /v1/predict", () => {
  // One cold request first so the session creation is timed on its own.
  beforeAll(async () => {
    await predict({ posts: [{ id: "warm", text: "warming up the session in this isolate" }] });
  });

  it("serves the Python reference's probabilities: encoder and lexical heads mixed as model.json says (parity fixture)", async () => {
    const cases = (parity as unknown as { model_version: string; cases: Array<{ name: string; text: string; lexical: unknown; probs: Record<string, number[]> }> })
      .cases.filter((c) => c.text.trim() && c.text.length < 2000);
    expect((parity as { model_version: string }).model_version).toBe(model.version);
    expect(cases.every((c) => c.lexical !== null)).toBe(true); // the shipped model has lexical heads
    const { json } = await predict({ posts: cases.map((c) => ({ id: c.name, text: c.text })) });
    for (const [i, c] of cases.entries()) {
      const r = json.results[i] as unknown as Record<string, { probs: Record<string, number> }>;
      for (const task of PRIMARY_TASKS) {
        const labels = model.heads.find((h) => h.task === task)!.labels;
        labels.forEach((label, j) => expect(Math.abs(r[task]!.probs[label]! - c.probs[task]![j]!), `${c.name} ${task} ${label}`).toBeLessThan(1e-6));
      }
    }
  });

  it("predicts every head, then serves the identical result from KV (miss → hit)", async () => {
    const text = `I have been crying every night since I lost my job and I can't pay rent. Does anyone know where I can get help? ${crypto.randomUUID()}`;
    const first = await predict({ posts: [{ id: "p1", text }], locale: "en-GB" });
    expect(first.json.model).toEqual({ name: model.name, version: model.version, variant: model.variant });
    expect(first.json.notice).toMatch(/not a diagnosis/);
    expect(first.json.warnings).toBeUndefined();
    const r1 = first.json.results[0]!;
    expect(r1.id).toBe("p1");
    expect(r1.cached).toBe(false);
    expect(r1.windows).toBe(1);
    expect(Object.keys(r1.aux).sort()).toEqual([...AUX].sort());

    for (const head of model.heads) {
      const result = head.task in r1.aux ? r1.aux[head.task]! : (r1 as unknown as Record<string, PredictResponse["results"][number]["aux"][string]>)[head.task]!;
      expect(Object.keys(result.probs)).toEqual(head.labels);
      if (head.kind === "single_label") {
        expect("label" in result && head.labels.includes(result.label)).toBe(true);
        const sum = Object.values(result.probs).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(1, 5);
      } else {
        expect("labels" in result && result.labels.every((l) => head.labels.includes(l))).toBe(true);
      }
    }

    // KV: the key is the hash of the normalised text under this model version; the value holds no text.
    const key = await predictionKey(model, normalise(text));
    expect(key.startsWith(PREFIX)).toBe(true);
    expect(key).toMatch(/^v1:[^:]+@[^:]+:[0-9a-f]{64}$/);
    const stored = await eventually(() => env.PREDICTIONS.get(key), (v) => v !== null);
    expect(stored).not.toBeNull();
    expect(stored).not.toContain("crying");
    expect(stored).not.toContain("rent");
    expect(stored).not.toContain("p1");
    expect(Object.keys(JSON.parse(stored!)).sort()).toEqual(["heads", "tokens", "windows"]);
    for (const k of await kvKeys()) expect(k).toMatch(/^v1:[^:]+@[^:]+:[0-9a-f]{64}$/);

    // same locale: crisis resources (when attached) depend on it
    const second = await predict({ posts: [{ id: "p1-again", text }], locale: "en-GB" });
    const r2 = second.json.results[0]!;
    expect(r2.cached).toBe(true);
    expect(r2.id).toBe("p1-again");
    const { id: _i1, cached: _c1, ...rest1 } = r1;
    const { id: _i2, cached: _c2, ...rest2 } = r2;
    expect(rest2).toEqual(rest1);
  });

  it("keeps request order, mixes hits and misses, and runs duplicate texts once", async () => {
    const seen = `My anxiety is getting worse at school and I do not know who to talk to ${crypto.randomUUID()}`;
    await predict({ posts: [{ id: "seen", text: seen }] });
    await eventually(() => env.PREDICTIONS.get(PREFIX), () => true, 0);
    const key = await predictionKey(model, normalise(seen));
    await eventually(() => env.PREDICTIONS.get(key), (v) => v !== null);

    const fresh = `Everything is fine, just sharing my garden photos ${crypto.randomUUID()}`;
    const before = (await kvKeys()).length;
    const { json } = await predict({
      posts: [
        { id: "a", text: fresh },
        { id: "b", text: seen },
        { id: "c", text: `  ${fresh}\n` }, // same after normalisation
      ],
    });
    expect(json.results.map((r) => r.id)).toEqual(["a", "b", "c"]);
    expect(json.results.map((r) => r.cached)).toEqual([false, true, false]);
    expect(json.results[2]!.help_seeking).toEqual(json.results[0]!.help_seeking);
    const after = await eventually(kvKeys, (k) => k.length >= before + 1);
    expect(after.length).toBe(before + 1);
  });

  it("hashes the normalised text: posts differing only in a redacted username share one cache entry", async () => {
    const tail = `I need someone to talk to about my depression ${crypto.randomUUID()}`;
    const first = await predict({ posts: [{ id: "x", text: `u/alice_1 ${tail}` }] });
    expect(first.json.results[0]!.cached).toBe(false);
    const key = await predictionKey(model, normalise(`u/alice_1 ${tail}`));
    expect(key).toBe(await predictionKey(model, normalise(`u/bob_2 ${tail}`)));
    await eventually(() => env.PREDICTIONS.get(key), (v) => v !== null);
    const second = await predict({ posts: [{ id: "y", text: `u/bob_2 ${tail}` }] });
    expect(second.json.results[0]!.cached).toBe(true);
  });

  it("splits a long post into several windows instead of truncating it", async () => {
    const sentence = "I keep thinking about how my family would be better off without me and I cannot sleep at night. ";
    const text = sentence.repeat(40) + crypto.randomUUID();
    const { json } = await predict({ posts: [{ id: "long", text }] });
    expect(json.results[0]!.windows).toBeGreaterThan(1);
  });

  it("warns when the locale is not English", async () => {
    const { json } = await predict({ posts: [{ id: "pt", text: "Preciso de ajuda, não consigo dormir" }], locale: "pt-BR" });
    expect(json.warnings?.[0]).toMatch(/English/);
  });

  it("answers with a request id header", async () => {
    const { res } = await predict({ posts: [{ id: "rid", text: "just a normal day" }] });
    expect(res.headers.get("x-request-id")).toBeTruthy();
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
  });
  it("flags a post that is not in English for review with a per-post warning, whatever the locale says", async () => {
    const spanish = "Necesito ayuda, no sé qué hacer con mi ansiedad. ¿Alguien me puede dar consejos, por favor?";
    const english = "I need help with my anxiety, I don't know what to do anymore. Can anyone give me advice?";
    const { json } = await predict({ locale: "en-GB", posts: [{ id: "es", text: spanish }, { id: "en", text: english }] });
    const [es, en] = json.results;
    expect(es!.review.needed).toBe(true);
    expect(es!.review.reasons).toContain("not_english");
    expect(es!.warnings?.[0]).toMatch(/English/);
    expect(en!.review.reasons).not.toContain("not_english");
    expect(en!.warnings).toBeUndefined();
  });
});
