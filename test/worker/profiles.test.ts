// The request's `profile` (issue 15) inside workerd with the shipped model: help_seeking.label is p(yes) >= the
// profile's threshold from model.json, the default is `balanced`, each result says which profile decided, cached
// predictions are relabelled per request, and an unknown profile is a 400.
import { describe, expect, it } from "vitest";
import modelJson from "../../models/default/model.json";
import { PROFILES, type ModelProfiles } from "../../src/engine/metadata";
import { ApiError } from "../../src/worker/errors";
import { chosenProfile } from "../../src/worker/predict-service";
import { ErrorResponseSchema, PredictResponseSchema, type PredictResponse } from "../../src/worker/schemas";
import { postJson } from "./helpers";

const profiles = (modelJson as unknown as { profiles: ModelProfiles }).profiles;

async function predict(body: unknown): Promise<PredictResponse> {
  const res = await postJson("/v1/predict", body);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return PredictResponseSchema.parse(JSON.parse(text));
}

const TEXTS = [
  "I have been crying every night since I lost my job and I can't pay rent. Does anyone know where I can get help?",
  "Some days are harder than others. Today was one of them, and I am not sure why.",
  "Should I tell my therapist that the new medication makes me feel numb? I don't know what to do.",
  "Finished my first 5k today after a year of anxiety keeping me indoors. Feeling proud.",
  "I don't want to be here anymore. Nothing helps and I am so tired of everything.",
];

describe("profile", () => {
  it("ships thresholds in the order high_recall <= balanced <= high_precision", () => {
    expect(profiles.default).toBe("balanced");
    expect(profiles.thresholds.high_recall).toBeLessThanOrEqual(profiles.thresholds.balanced);
    expect(profiles.thresholds.balanced).toBeLessThanOrEqual(profiles.thresholds.high_precision);
  });

  it("labels help_seeking by the profile's threshold on p(yes) and echoes it; balanced by default", async () => {
    const salt = crypto.randomUUID();
    const posts = TEXTS.map((text, i) => ({ id: `t${i}`, text: `${text} ${salt}` }));
    const byDefault = await predict({ posts });
    for (const r of byDefault.results) {
      expect(r.profile).toBe("balanced");
      expect(r.help_seeking.label).toBe(r.help_seeking.probs.yes! >= profiles.thresholds.balanced ? "yes" : "no");
    }
    for (const name of PROFILES) {
      const json = await predict({ posts, profile: name });
      json.results.forEach((r, i) => {
        expect(r.profile).toBe(name);
        expect(r.cached).toBe(true); // the cached prediction is profile-independent: relabelled per request
        expect(r.help_seeking.probs).toEqual(byDefault.results[i]!.help_seeking.probs);
        expect(r.help_seeking.label).toBe(r.help_seeking.probs.yes! >= profiles.thresholds[name] ? "yes" : "no");
      });
    }
  });

  it("a post between the thresholds is labelled differently by the profiles", async () => {
    // no salt: a suffix would move p(yes). p(yes) ≈ 0.254 and ≈ 0.687 with the shipped default (0.8.1, calibrated on gold): between
    // high_recall (0.132) and balanced (0.432), and between balanced and high_precision (0.772)
    const posts = [
      { id: "low", text: "I just want to know if this gets better." },
      { id: "mid", text: "How long does this feeling last?" },
    ];
    const labels: Record<string, string[]> = {};
    for (const name of PROFILES) labels[name] = (await predict({ posts, profile: name })).results.map((r) => r.help_seeking.label);
    const [low, mid] = (await predict({ posts })).results.map((r) => r.help_seeking.probs.yes!);
    const t = profiles.thresholds;
    expect(low).toBeGreaterThanOrEqual(t.high_recall);
    expect(low).toBeLessThan(t.balanced);
    expect(mid).toBeGreaterThanOrEqual(t.balanced);
    expect(mid).toBeLessThan(t.high_precision);
    expect(labels).toEqual({ high_recall: ["yes", "yes"], balanced: ["no", "yes"], high_precision: ["no", "no"] });
  });

  it("rejects an unknown profile with 400 naming the profiles", async () => {
    const res = await postJson("/v1/predict", { posts: [{ id: "1", text: "hello" }], profile: "paranoid" });
    expect(res.status).toBe(400);
    const body = ErrorResponseSchema.parse(await res.json());
    expect(body.error.code).toBe("invalid_request");
    expect(JSON.stringify(body.error)).toMatch(/high_recall.*balanced.*high_precision/);
  });

  it("a model without profiles keeps its own threshold and refuses a named profile", () => {
    expect(chosenProfile(undefined, undefined)).toBeUndefined();
    expect(() => chosenProfile("high_recall", undefined)).toThrow(ApiError);
    expect(() => chosenProfile("high_recall", undefined)).toThrow(/no operating points/);
    expect(chosenProfile(undefined, profiles)).toEqual({ name: "balanced", threshold: profiles.thresholds.balanced });
    expect(chosenProfile("high_precision", profiles)).toEqual({ name: "high_precision", threshold: profiles.thresholds.high_precision });
  });
});
