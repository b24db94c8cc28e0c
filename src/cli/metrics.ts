// Metric arithmetic of `mhelp eval`: the same definitions as scripts/mhelp_pipeline/evaluate/metrics.py
// (issue_metrics), so the TypeScript evaluation of the shipped model and the Python one can be compared
// number for number (`python -m mhelp_pipeline compare-eval`). Only labelled records count.
//   help_seeking: precision/recall/F1 of "yes", accuracy, AUROC of p(yes) (mid-ranks for ties);
//   condition:    accuracy, macro-F1 over the labels present in the reference;
//   causes:       micro-F1 over known (record, label) entries, macro-F1 over labels with a known positive.

export function f1(tp: number, fp: number, fn: number): number {
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/** P(score of a positive > score of a negative), ties counting 1/2; null when a class is missing. */
export function auroc(scores: number[], positive: boolean[]): number | null {
  const nPos = positive.filter(Boolean).length;
  const nNeg = positive.length - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]!] = (i + j) / 2 + 1; // mid-rank of a run of ties
    i = j + 1;
  }
  let sumPos = 0;
  positive.forEach((p, i) => (sumPos += p ? ranks[i]! : 0));
  return (sumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export interface BinaryMetrics {
  n: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  auroc: number | null;
}

export function binaryMetrics(pred: boolean[], truth: boolean[], scores: number[]): BinaryMetrics {
  let tp = 0, fp = 0, fn = 0, correct = 0;
  pred.forEach((p, i) => {
    const t = truth[i]!;
    if (p && t) tp++;
    else if (p && !t) fp++;
    else if (!p && t) fn++;
    if (p === t) correct++;
  });
  return {
    n: truth.length,
    accuracy: truth.length ? correct / truth.length : NaN,
    precision: tp + fp ? tp / (tp + fp) : 0,
    recall: tp + fn ? tp / (tp + fn) : 0,
    f1: f1(tp, fp, fn),
    auroc: auroc(scores, truth),
  };
}

export interface SingleLabelMetrics {
  n: number;
  accuracy: number;
  macro_f1: number;
  f1_per_label: Record<string, number>;
}

/** labels: the head's label order, which also orders f1_per_label. */
export function singleLabelMetrics(labels: readonly string[], pred: string[], truth: string[]): SingleLabelMetrics {
  const perLabel: Record<string, number> = {};
  for (const lab of labels) {
    if (!truth.includes(lab)) continue; // macro over the labels the reference uses (as metrics.py)
    let tp = 0, fp = 0, fn = 0;
    pred.forEach((p, i) => {
      const t = truth[i]!;
      if (p === lab && t === lab) tp++;
      else if (p === lab) fp++;
      else if (t === lab) fn++;
    });
    perLabel[lab] = f1(tp, fp, fn);
  }
  const f1s = Object.values(perLabel);
  return {
    n: truth.length,
    accuracy: truth.length ? pred.filter((p, i) => p === truth[i]).length / truth.length : NaN,
    macro_f1: f1s.length ? f1s.reduce((a, b) => a + b, 0) / f1s.length : NaN,
    f1_per_label: perLabel,
  };
}

export interface MultiLabelMetrics {
  n: number;
  micro_f1: number;
  macro_f1: number;
  f1_per_label: Record<string, number>;
}

/**
 * pred: predicted label sets; truth: per record, label -> 0/1 for the labels whose value is known (a gold
 * list knows every label; weak corpus labels may know only some).
 */
export function multiLabelMetrics(
  labels: readonly string[],
  pred: string[][],
  truth: Array<Record<string, 0 | 1>>,
): MultiLabelMetrics {
  const perLabel: Record<string, number> = {};
  let TP = 0, FP = 0, FN = 0;
  for (const lab of labels) {
    let tp = 0, fp = 0, fn = 0, pos = 0;
    truth.forEach((known, i) => {
      const t = known[lab];
      if (t === undefined) return;
      const p = pred[i]!.includes(lab);
      if (t === 1) pos++;
      if (p && t === 1) tp++;
      else if (p) fp++;
      else if (t === 1) fn++;
    });
    TP += tp;
    FP += fp;
    FN += fn;
    if (pos > 0) perLabel[lab] = f1(tp, fp, fn);
  }
  const f1s = Object.values(perLabel);
  return {
    n: truth.filter((k) => Object.keys(k).length > 0).length,
    micro_f1: f1(TP, FP, FN),
    macro_f1: f1s.length ? f1s.reduce((a, b) => a + b, 0) / f1s.length : 0,
    f1_per_label: perLabel,
  };
}
