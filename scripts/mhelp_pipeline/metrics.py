"""Per-task metrics on (possibly partially) labelled data. Only labelled entries count.

single_label: accuracy, macro-F1 over the labels that occur in the reference, and for binary heads the
F1 of the positive label. multi_label: micro- and macro-F1 over known (example, label) entries.
"""

from __future__ import annotations

import numpy as np

from .codebook import Task

IGNORE = -100


def f1(tp: float, fp: float, fn: float) -> float:
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def single_label_metrics(task: Task, pred: np.ndarray, y: np.ndarray) -> dict:
    keep = y != IGNORE
    pred, y = pred[keep], y[keep]
    if len(y) == 0:
        return {"n": 0}
    per = {}
    for i, lab in enumerate(task.labels):
        if (y == i).sum() == 0:
            continue
        tp = float(((pred == i) & (y == i)).sum())
        per[lab] = f1(tp, float(((pred == i) & (y != i)).sum()), float(((pred != i) & (y == i)).sum()))
    out = {
        "n": int(len(y)),
        "accuracy": float((pred == y).mean()),
        "macro_f1": float(np.mean(list(per.values()))),
        "majority_accuracy": float(np.bincount(y).max() / len(y)),
        "f1_per_label": per,
    }
    if task.n == 2:
        out["f1_" + task.labels[1]] = per.get(task.labels[1], 0.0)
    return out


def multi_label_metrics(task: Task, pred: np.ndarray, y: np.ndarray, mask: np.ndarray) -> dict:
    known = mask > 0
    if known.sum() == 0:
        return {"n": 0}
    tp = (pred & (y > 0) & known).sum(0).astype(float)
    fp = (pred & (y == 0) & known).sum(0).astype(float)
    fn = (~pred & (y > 0) & known).sum(0).astype(float)
    per = {lab: f1(tp[i], fp[i], fn[i]) for i, lab in enumerate(task.labels) if (y[:, i][known[:, i]] > 0).any()}
    return {
        "n": int(known.any(1).sum()),
        "micro_f1": f1(tp.sum(), fp.sum(), fn.sum()),
        "macro_f1": float(np.mean(list(per.values()))) if per else 0.0,
        "f1_per_label": per,
    }


def headline(task: Task, m: dict) -> float:
    """One number per task for early stopping: macro-F1 (single) / micro-F1 (multi)."""
    if m.get("n", 0) == 0:
        return float("nan")
    return m["macro_f1"] if task.kind == "single_label" else m["micro_f1"]
