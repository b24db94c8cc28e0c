// src/worker/prediction-cache.ts: key formats and what a cached prediction holds.
import { describe, expect, it } from "vitest";
import type { Prediction } from "../../src/engine/types";
import { CachedPredictionSchema, evidenceKey, predictionKey } from "../../src/worker/prediction-cache";
import { sha256Hex } from "../../src/worker/sha256";

const ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

describe("cache keys", () => {
  it("builds v1:<name>@<version>:<sha256> and ev3:<name>@<version>:<sha256> keys", async () => {
    expect(await sha256Hex("abc")).toBe(ABC);
    expect(await predictionKey({ name: "m", version: "1.2.3" }, "abc")).toBe(`v1:m@1.2.3:${ABC}`);
    expect(await evidenceKey({ name: "m", version: "1.2.3" }, "abc")).toBe(`ev3:m@1.2.3:${ABC}`);
    // the default variant keeps the plain key; another variant of the same version never shares its entries
    expect(await predictionKey({ name: "m", version: "1.2.3", variant: "default" }, "abc")).toBe(`v1:m@1.2.3:${ABC}`);
    expect(await predictionKey({ name: "m", version: "1.2.3", variant: "fast" }, "abc")).toBe(`v1:m@1.2.3+fast:${ABC}`);
    expect(await evidenceKey({ name: "m", version: "1.2.3", variant: "fast" }, "abc")).toBe(`ev3:m@1.2.3+fast:${ABC}`);
  });
});

describe("CachedPredictionSchema", () => {
  it("keeps heads, windows and tokens only", () => {
    const prediction: Prediction = {
      heads: { help_seeking: { label: "yes", probs: { no: 0.2, yes: 0.8 } }, causes: { labels: ["work"], probs: { work: 0.7, health: 0.1 } } },
      windows: 1,
      tokens: 5,
    };
    expect(CachedPredictionSchema.parse({ ...prediction, text: "must not be stored", id: "p1" })).toEqual(prediction);
    expect(CachedPredictionSchema.safeParse({ heads: {}, windows: "1", tokens: 5 }).success).toBe(false);
  });
});
