// src/safety/assessment.ts: when a prediction asks for crisis resources and for human review.
import { describe, expect, it } from "vitest";
import type { Prediction } from "../../src/engine/types";
import { assess, DEFAULT_POLICY } from "../../src/safety/assessment";

function prediction(pYes: number, condition: Record<string, number>): Prediction {
  const label = Object.entries(condition).sort((a, b) => b[1] - a[1])[0]![0];
  return {
    heads: {
      help_seeking: { label: pYes >= 0.5 ? "yes" : "no", probs: { no: 1 - pYes, yes: pYes } },
      condition: { label, probs: condition },
    },
    windows: 1,
    tokens: 10,
  };
}

describe("assess", () => {
  const calm = { depression: 0.1, anxiety: 0.7, suicidal: 0.05, none: 0.15 };
  it("suicidal condition triggers crisis resources and review", () => {
    const a = assess(prediction(0.2, { depression: 0.3, suicidal: 0.6, none: 0.1 }));
    expect(a.crisis).toBe(true);
    expect(a.crisis_reasons).toContain("condition_suicidal");
    expect(a.review_reasons).toContain("possible_risk");
  });

  it("a post too short to judge goes to review instead of raising a condition-based crisis", () => {
    const p = { ...prediction(0.2, { depression: 0.1, suicidal: 0.8, none: 0.1 }), tokens: 1 };
    const a = assess(p);
    expect(a.crisis).toBe(false);
    expect(a.review_reasons).toContain("too_short");
  });

  it("confident help-seeking triggers crisis resources", () => {
    expect(assess(prediction(0.95, calm)).crisis_reasons).toEqual(["help_seeking_high_confidence"]);
    expect(assess(prediction(0.8, calm)).crisis).toBe(false);
  });

  it("the uncertain band asks for review", () => {
    const [low, high] = DEFAULT_POLICY.uncertainBand;
    expect(assess(prediction((low + high) / 2, calm)).review_reasons).toEqual(["help_seeking_uncertain"]);
    expect(assess(prediction(high + 0.1, calm)).review).toBe(false);
    expect(assess(prediction(0.1, { depression: 0.35, anxiety: 0.35, none: 0.3 })).review_reasons).toEqual(["condition_uncertain"]);
  });

  it("a post that is not in English asks for review, after the model's own reasons", () => {
    const [low, high] = DEFAULT_POLICY.uncertainBand;
    expect(assess(prediction(high + 0.1, calm), DEFAULT_POLICY, "spa")).toMatchObject({ review: true, review_reasons: ["not_english"] });
    expect(assess(prediction((low + high) / 2, calm), DEFAULT_POLICY, "fra").review_reasons).toEqual(["help_seeking_uncertain", "not_english"]);
    expect(assess(prediction(high + 0.1, calm), DEFAULT_POLICY, undefined).review).toBe(false);
  });
});
