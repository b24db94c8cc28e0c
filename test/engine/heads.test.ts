import { describe, expect, it } from "vitest";
import { aggregateWindows, decide, interpolateKnots, postCalibrate, sigmoid, softmax, windowProbabilities } from "../../src/engine/heads";
import type { HeadSpec, MultiLabelResult, SingleLabelResult } from "../../src/engine/types";

const binary: HeadSpec = { task: "help_seeking", kind: "single_label", labels: ["no", "yes"], temperature: 1, thresholds: null, aggregation: "token_mean" };
const multi: HeadSpec = { task: "irf", kind: "multi_label", labels: ["a", "b"], temperature: 1, thresholds: [0.3, 0.8], aggregation: "max" };

describe("heads", () => {
  it("softmax sums to one and is stable for large logits", () => {
    const p = softmax([1000, 1001, 999]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[1]).toBeGreaterThan(p[0]!);
  });

  it("temperature > 1 flattens, < 1 sharpens", () => {
    const base = softmax([0, 2])[1]!;
    expect(softmax([0, 2], 2)[1]!).toBeLessThan(base);
    expect(softmax([0, 2], 0.5)[1]!).toBeGreaterThan(base);
  });

  it("sigmoid is symmetric and finite at extremes", () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(3) + sigmoid(-3)).toBeCloseTo(1, 12);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
  });

  it("binary threshold decides the positive label", () => {
    const head = { ...binary, thresholds: [0.7] };
    expect((decide(head, [0.35, 0.65]) as SingleLabelResult).label).toBe("no");
    expect((decide(head, [0.25, 0.75]) as SingleLabelResult).label).toBe("yes");
    expect((decide(binary, [0.35, 0.65]) as SingleLabelResult).label).toBe("yes");
  });

  it("multi-label uses one threshold per label", () => {
    const r = decide(multi, [0.5, 0.5]) as MultiLabelResult;
    expect(r.labels).toEqual(["a"]);
    expect(r.probs).toEqual({ a: 0.5, b: 0.5 });
  });

  it("token_mean averages windows by token weight, max takes the element-wise max", () => {
    expect(aggregateWindows(binary, [[1, 0], [0, 1]], [3, 1])).toEqual([0.75, 0.25]);
    expect(aggregateWindows(multi, [[0.1, 0.9], [0.6, 0.2]], [1, 1])).toEqual([0.6, 0.9]);
    // a binary head set to max: the short last window's request decides the post, probabilities sum to 1
    expect(aggregateWindows({ ...binary, aggregation: "max" }, [[0.9, 0.1], [0.2, 0.8]], [126, 10])).toEqual([0.2, 0.8]);
  });

  it("windowProbabilities applies the head's kind and temperature", () => {
    expect(windowProbabilities({ ...multi, temperature: 2 }, [2, -2])).toEqual([sigmoid(1), sigmoid(-1)]);
    expect(windowProbabilities(binary, [0, 0])).toEqual([0.5, 0.5]);
  });

  it("post_calibration maps the aggregated p(yes) through its knots (constant outside), p(no) = 1 - p(yes)", () => {
    // the same numbers as scripts/tests/runtime/test_inference.py::test_post_calibration_maps_the_aggregated_p_yes
    const knots = { x: [0.1, 0.3, 0.6, 0.9], y: [0.0, 0.2, 0.2, 1.0] };
    const got = [0.0, 0.1, 0.2, 0.3, 0.45, 0.6, 0.75, 0.9, 1.0].map((p) => interpolateKnots(knots, p));
    [0.0, 0.0, 0.1, 0.2, 0.2, 0.2, 0.6, 1.0, 1.0].forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThan(1e-15));
    const head = { ...binary, thresholds: [0.5], post_calibration: knots };
    const agg = postCalibrate(head, aggregateWindows(head, [[0.5, 0.5], [0.1, 0.9]], [1, 1]));
    expect(agg[1]).toBeCloseTo(0.2 + 0.8 / 3, 12);
    expect(agg[0]).toBeCloseTo(1 - (0.2 + 0.8 / 3), 12);
    expect((decide(head, agg) as SingleLabelResult).label).toBe("no");
    expect(postCalibrate(binary, [0.3, 0.7])).toEqual([0.3, 0.7]);
  });
});
