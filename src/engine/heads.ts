// Calibrated post-processing of raw head logits: temperature, softmax/sigmoid, per-head thresholds, and
// aggregation of the windows of a long post. The Python reference (scripts/mhelp_pipeline/runtime/inference.py)
// implements the same steps; the parity test compares them.
import type { HeadResult, HeadSpec, PostCalibration } from "./types";

export function softmax(logits: ArrayLike<number>, temperature = 1): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]! / temperature);
  const exps = Array.from({ length: logits.length }, (_, i) => Math.exp(logits[i]! / temperature - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Calibrated probabilities of one window for one head. */
export function windowProbabilities(head: HeadSpec, logits: ArrayLike<number>): number[] {
  if (head.kind === "single_label") return softmax(logits, head.temperature);
  return Array.from({ length: logits.length }, (_, i) => sigmoid(logits[i]! / head.temperature));
}

/**
 * Combines the windows of one post by the head's aggregation (model.json, chosen on dev by the pipeline):
 * token_mean = mean weighted by each window's token count (a long post judged as a whole); max = a request
 * or a cause stated in any window counts: element-wise max for multi-label heads, and for a binary
 * single-label head the distribution of the window with the highest p(labels[1]) (so it sums to 1).
 */
export function aggregateWindows(head: HeadSpec, perWindow: number[][], weights: number[]): number[] {
  const n = head.labels.length;
  const out = new Array<number>(n).fill(0);
  if (head.aggregation === "max" && head.kind === "single_label") {
    let best = 0;
    perWindow.forEach((probs, w) => {
      if (probs[1]! > perWindow[best]![1]!) best = w;
    });
    return [...perWindow[best]!];
  }
  if (head.aggregation === "max") {
    for (const probs of perWindow) for (let i = 0; i < n; i++) out[i] = Math.max(out[i]!, probs[i]!);
    return out;
  }
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  perWindow.forEach((probs, w) => {
    for (let i = 0; i < n; i++) out[i]! += (probs[i]! * weights[w]!) / total;
  });
  return out;
}

/**
 * The piecewise-linear function through the knots (x strictly increasing) at p, constant outside [x[0], x[last]].
 * The same operations in the same order as the Python reference's `interpolate`, so both give the same doubles.
 */
export function interpolateKnots(knots: PostCalibration, p: number): number {
  const { x, y } = knots;
  const last = x.length - 1;
  if (p <= x[0]!) return y[0]!;
  if (p >= x[last]!) return y[last]!;
  let j = 0;
  while (x[j + 1]! < p) j++;
  if (p === x[j + 1]) return y[j + 1]!;
  return y[j]! + ((y[j + 1]! - y[j]!) * (p - x[j]!)) / (x[j + 1]! - x[j]!);
}

/** A binary single-label head's `post_calibration` applied to the aggregated probabilities: p[1] mapped, p[0] = 1 - p[1].
 * Without a map the probabilities are returned unchanged. */
export function postCalibrate(head: HeadSpec, probs: number[]): number[] {
  if (!head.post_calibration) return probs;
  const q = interpolateKnots(head.post_calibration, probs[1]!);
  return [1 - q, q];
}

/** Turns aggregated probabilities into the public result shape with labels decided by thresholds. */
export function decide(head: HeadSpec, probs: number[]): HeadResult {
  const byLabel: Record<string, number> = {};
  head.labels.forEach((label, i) => (byLabel[label] = probs[i]!));
  if (head.kind === "multi_label") {
    const labels = head.labels.filter((_, i) => probs[i]! >= (head.thresholds?.[i] ?? 0.5));
    return { labels, probs: byLabel };
  }
  if (head.thresholds && head.labels.length === 2) {
    return { label: head.labels[probs[1]! >= head.thresholds[0]! ? 1 : 0]!, probs: byLabel };
  }
  let best = 0;
  for (let i = 1; i < probs.length; i++) if (probs[i]! > probs[best]!) best = i;
  return { label: head.labels[best]!, probs: byLabel };
}
