"""Per-task metrics on (possibly partially) labelled data. Only labelled entries count.

single_label: accuracy, macro-F1 over the labels that occur in the reference, and for binary heads the
F1 of the positive label. multi_label: micro- and macro-F1 over known (example, label) entries.
``issue_metrics`` is the issue's metric set (every evaluator's), ``logit_metrics`` scores raw or calibrated
logits with argmax / thresholds (training logs, export's model.json), ``selection_score`` is the number a
training run selects its checkpoint by. Which metric is a task's headline, per purpose, is the codebook's
(core/codebook.py).
"""

from __future__ import annotations

import numpy as np

from ..core.codebook import IGNORE, SELECTION_METRIC, Codebook, Task


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


def selection_score(task: Task, m: dict) -> float:
    """One number per task for checkpoint selection and training logs (codebook.SELECTION_METRIC)."""
    if m.get("n", 0) == 0:
        return float("nan")
    return m[SELECTION_METRIC[task.kind]]


def logit_metrics(cb: Codebook, logits: dict[str, np.ndarray], enc, thresholds: dict | None = None) -> dict:
    """Every head's metrics (single_label_metrics / multi_label_metrics) of ``logits`` against the labels of
    ``enc`` (a batching.Encoded): argmax, or a binary head's threshold on p(labels[1]); multi-label heads
    per-label thresholds (0.5 without)."""
    res = {}
    for t in cb.tasks:
        z = logits[t.key]
        if t.kind == "single_label":
            y = np.array(enc.single[t.key])
            th = (thresholds or {}).get(t.key)
            if th is not None and t.n == 2:
                p1 = 1 / (1 + np.exp(-(z[:, 1] - z[:, 0])))
                pred = (p1 >= th[0]).astype(int)
            else:
                pred = z.argmax(1)
            res[t.key] = single_label_metrics(t, pred, y)
        else:
            th = np.array((thresholds or {}).get(t.key) or [0.5] * t.n)
            pred = (1 / (1 + np.exp(-z))) >= th
            res[t.key] = multi_label_metrics(t, pred, np.array(enc.multi[t.key]), np.array(enc.multi_mask[t.key]))
    return res


# --- the issue's metric set (floors, ablation, calibration, TS/Python comparison) ------------------------
# One definition used everywhere in Python; src/cli/metrics.ts implements the same arithmetic for `mhelp eval`
# (checked by `compare-eval`). help_seeking: P/R/F1 of "yes" + AUROC of p(yes); condition: accuracy +
# macro-F1 over labels present in the reference; causes: micro/macro-F1 over known entries; auxiliary heads:
# weighted F1 (as MentaLLaMA reports them).


def auroc(scores: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve = P(score of a positive > score of a negative), ties counting 1/2.

    Rank formulation with mid-ranks for ties (Mann-Whitney U); nan when a class is missing."""
    scores, y = np.asarray(scores, dtype=np.float64), np.asarray(y) > 0
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    s = scores[order]
    ranks = np.empty(len(s), dtype=np.float64)
    i = 0
    while i < len(s):  # mid-rank of each run of equal scores
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[i : j + 1] = (i + j) / 2 + 1
        i = j + 1
    r = np.empty_like(ranks)
    r[order] = ranks
    return float((r[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def binary_metrics(pred: np.ndarray, y: np.ndarray, score: np.ndarray | None) -> dict:
    """pred, y in {0, 1} (1 = positive label); score = probability of the positive label, for AUROC."""
    pred, y = np.asarray(pred) > 0, np.asarray(y) > 0
    tp, fp, fn = float((pred & y).sum()), float((pred & ~y).sum()), float((~pred & y).sum())
    return {
        "n": int(len(y)),
        "accuracy": float((pred == y).mean()) if len(y) else float("nan"),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "f1": f1(tp, fp, fn),
        "auroc": auroc(score, y) if score is not None else float("nan"),
    }


def weighted_f1_single(n_labels: int, pred: np.ndarray, y: np.ndarray) -> float:
    """sklearn's average='weighted': per-label F1 weighted by the label's support in the reference."""
    if len(y) == 0:
        return float("nan")
    tot = 0.0
    for i in range(n_labels):
        sup = float((y == i).sum())
        if sup:
            tot += sup * f1(float(((pred == i) & (y == i)).sum()), float(((pred == i) & (y != i)).sum()),
                            float(((pred != i) & (y == i)).sum()))
    return tot / len(y)


def weighted_f1_multi(pred: np.ndarray, y: np.ndarray, mask: np.ndarray) -> float:
    """Per-label F1 over known entries, weighted by each label's known positives."""
    known = mask > 0
    tot, sup_all = 0.0, 0.0
    for i in range(y.shape[1]):
        k = known[:, i]
        p, t = pred[k, i] > 0, y[k, i] > 0
        sup = float(t.sum())
        if sup:
            tot += sup * f1(float((p & t).sum()), float((p & ~t).sum()), float((~p & t).sum()))
            sup_all += sup
    return tot / sup_all if sup_all else float("nan")


def issue_metrics(task: Task, pred: np.ndarray, y: np.ndarray, mask: np.ndarray | None = None,
                  score: np.ndarray | None = None) -> dict:
    """The metrics the issue asks for, on the labelled rows only (y == IGNORE / mask 0 are dropped).

    single_label: pred/y are label indices; score (binary heads) = p(labels[1]). multi_label: pred/y/mask
    are [n, labels] 0/1 arrays."""
    if task.kind == "multi_label":
        pred, y, mask = np.asarray(pred).astype(bool), np.asarray(y), np.asarray(mask)
        keep = (mask > 0).any(1)
        m = multi_label_metrics(task, pred[keep], y[keep], mask[keep])
        if m["n"]:
            m["weighted_f1"] = weighted_f1_multi(pred[keep], y[keep], mask[keep])
        return m
    y, pred = np.asarray(y), np.asarray(pred)
    keep = y != IGNORE
    m = single_label_metrics(task, pred, y)
    if m["n"] == 0:
        return m
    m["weighted_f1"] = weighted_f1_single(task.n, pred[keep], y[keep])
    if task.n == 2:
        m.update({k: v for k, v in binary_metrics(pred[keep], y[keep],
                                                  None if score is None else np.asarray(score)[keep]).items()
                  if k in ("precision", "recall", "f1", "auroc")})
    return m


# The metrics a comparison of two systems tests per primary task (ablation runs, ship-check candidates); the
# first is the task's REPORTED_HEADLINE.
COMPARED_METRICS = {"help_seeking": ("f1", "auroc"), "condition": ("accuracy", "macro_f1"),
                    "causes": ("macro_f1", "micro_f1")}


def labelled_rows(y: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Indices of the examples with a label: y != IGNORE (single-label), any known entry (multi-label)."""
    return np.flatnonzero((mask > 0).any(1)) if mask is not None else np.flatnonzero(y != IGNORE)
