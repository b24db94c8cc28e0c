"""Floors per task (issue 3): the majority baseline and TF-IDF + logistic regression, single-task.

Trained on the corpus train split, evaluated on the dev split (silver labels for the primary heads, the
datasets' labels for the auxiliary heads) with the issue's metric set
(metrics.issue_metrics). TF-IDF: word 1-2 grams, sublinear tf, fitted on the train texts only. Logistic
regression with class_weight="balanced"; multinomial for single-label tasks, one binary model per label
(one-vs-rest) for multi-label tasks, each trained on the train rows where that label is known, since
some multi-label targets are partial (e.g. CAMS-mapped causes only know their positives). A label whose
known train entries are all one value gets that constant (LR needs two classes). The majority floor
predicts the most frequent train label (per label for multi-label tasks); its AUROC is 0.5 by
construction (a constant score).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..core.codebook import IGNORE, Task, codebook, reported_headline
from ..core.io import read_jsonl
from ..core.paths import CORPUS_DIR, REPORTS
from .bootstrap import BootstrapConfig, bootstrap_ci, resampled_metric
from .metrics import issue_metrics, labelled_rows


@dataclass(frozen=True)
class FloorConfig:
    ngram_max: int = 2
    min_df: int = 2
    max_features: int = 200_000
    C: float = 1.0
    max_iter: int = 2000
    seed: int = 0
    bootstrap: BootstrapConfig = field(default_factory=BootstrapConfig)


def targets(task: Task, records: list[dict]) -> tuple[np.ndarray, np.ndarray | None]:
    """single_label: index or IGNORE; multi_label: ([n, L] 0/1 targets, [n, L] known mask)."""
    if task.kind == "single_label":
        return np.array([task.index(r["labels"][task.key]) if task.key in r["labels"] else IGNORE
                         for r in records]), None
    y = np.zeros((len(records), task.n), dtype=int)
    m = np.zeros((len(records), task.n), dtype=int)
    for i, r in enumerate(records):
        for lab, v in r["labels"].get(task.key, {}).items():
            y[i, task.index(lab)], m[i, task.index(lab)] = int(v), 1
    return y, m


def majority(task: Task, y_tr, m_tr, n_dev: int) -> tuple[np.ndarray, np.ndarray | None]:
    if task.kind == "single_label":
        top = int(np.bincount(y_tr[y_tr != IGNORE], minlength=task.n).argmax())
        return np.full(n_dev, top), (np.full(n_dev, 0.5) if task.n == 2 else None)
    top = [int(y_tr[m_tr[:, j] > 0, j].mean() > 0.5) if (m_tr[:, j] > 0).any() else 0 for j in range(task.n)]
    return np.tile(np.array(top), (n_dev, 1)), None


def vectoriser(cfg: FloorConfig):
    """TF-IDF over word 1..ngram_max-grams, sublinear tf (fitted on the train texts by the caller)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, cfg.ngram_max), sublinear_tf=True, min_df=cfg.min_df,
                           max_features=cfg.max_features)


def task_outputs(task: Task, X_tr, y_tr, m_tr, X, cfg: FloorConfig) -> np.ndarray:
    """The floor's regressions of one task, fitted on the train rows, applied to ``X``: [rows, task.n].

    single_label: class probabilities, 0 for a class no train row carries (one class known: that class with
    probability 1; LR needs two). multi_label: one binary regression per label on the rows where the label is
    known, its decision value (log-odds); +inf / -inf for a label whose known train entries are all 1 / all 0,
    0 for a label never known."""
    from sklearn.linear_model import LogisticRegression

    def fit(X_, y_):
        return LogisticRegression(C=cfg.C, class_weight="balanced", max_iter=cfg.max_iter,
                                  random_state=cfg.seed).fit(X_, y_)

    out = np.zeros((X.shape[0], task.n))
    if task.kind == "single_label":
        keep = y_tr != IGNORE
        classes = np.unique(y_tr[keep])
        if len(classes) == 1:
            out[:, classes[0]] = 1.0
        elif len(classes) > 1:
            clf = fit(X_tr[keep], y_tr[keep])
            out[:, clf.classes_] = clf.predict_proba(X)
        return out
    for j in range(task.n):
        k = m_tr[:, j] > 0
        vals = np.unique(y_tr[k, j])
        if len(vals) == 1:
            out[:, j] = np.inf if vals[0] else -np.inf
        elif len(vals) > 1:
            out[:, j] = fit(X_tr[k], y_tr[k, j]).decision_function(X)
    return out


def tfidf_lr(task: Task, X_tr, y_tr, m_tr, X_dv, cfg: FloorConfig) -> tuple[np.ndarray, np.ndarray | None]:
    """Decisions (argmax; p >= 0.5 per label) and, for binary tasks, p(labels[1]) of task_outputs."""
    if task.kind == "single_label" and len(np.unique(y_tr[y_tr != IGNORE])) < 2:
        return majority(task, y_tr, m_tr, X_dv.shape[0])  # one class only: LR cannot fit, the floor is that constant
    out = task_outputs(task, X_tr, y_tr, m_tr, X_dv, cfg)
    if task.kind == "single_label":
        return out.argmax(1), (out[:, 1] if task.n == 2 else None)
    return (out > 0).astype(int), None


def floor_logits(tasks: list[Task], train: list[dict], texts: list[str], cfg: FloorConfig = FloorConfig()
                 ) -> dict[str, np.ndarray] | None:
    """The TF-IDF + LR floor of each task in ``tasks``, trained on ``train`` (corpus records, normalised text) as
    tfidf_lr trains it, as logits of ``texts`` laid out like the model's heads: log-probabilities (label order of
    the task) for single-label tasks, log-odds per label for multi-label tasks, so gold_cv scores the floor with
    the model's own calibration and decisions (one "window" per post). A probability is floored at 1e-6 and a
    constant label's log-odds is +-log(1e6). None when no train post carries a label of any of the tasks."""
    if not any(t.key in r.get("labels", {}) for r in train for t in tasks):
        return None
    vec = vectoriser(cfg)
    X_tr = vec.fit_transform([r["text"] for r in train])
    X = vec.transform(texts)
    out = {}
    for task in tasks:
        z = task_outputs(task, X_tr, *targets(task, train), X, cfg)
        out[task.key] = (np.log(np.clip(z, 1e-6, 1.0)) if task.kind == "single_label"
                         else np.where(np.isinf(z), np.sign(z) * np.log(1e6), z))
    return out


def _with_ci(task: Task, pred, y, m, score, cfg: FloorConfig) -> dict:
    """The issue's metrics and a bootstrap interval of the task's reported headline."""
    out = issue_metrics(task, pred, y, m, score)
    rows = labelled_rows(y, m)
    name = reported_headline(task)
    if len(rows):
        out["headline"] = {"metric": name, **bootstrap_ci(resampled_metric(task, name, pred, y, m, score, rows),
                                                          len(rows), cfg.bootstrap)}
    return out


def floors(cfg: FloorConfig = FloorConfig(), corpus_dir: Path = CORPUS_DIR, out: Path = REPORTS / "floors.json",
           log=print) -> dict:
    t0 = time.time()
    cb = codebook()
    tr, dv = read_jsonl(corpus_dir / "train.jsonl"), read_jsonl(corpus_dir / "dev.jsonl")
    vec = vectoriser(cfg)
    X_tr = vec.fit_transform([r["text"] for r in tr])
    X_dv = vec.transform([r["text"] for r in dv])
    res: dict = {"config": asdict(cfg), "dev": "dev split (primary heads: silver labels; auxiliary heads: their datasets' labels)",
                 "vocabulary": len(vec.vocabulary_), "tasks": {}}
    for task in cb.tasks:
        y_tr, m_tr = targets(task, tr)
        y_dv, m_dv = targets(task, dv)
        n_labelled = int((y_tr != IGNORE).sum()) if m_tr is None else int(m_tr.sum())
        if n_labelled == 0:
            res["tasks"][task.key] = {"primary": task.primary, "majority": {"n": 0}, "tfidf_lr": {"n": 0}}
            continue  # no train labels for this task (small test corpora)
        maj = majority(task, y_tr, m_tr, len(dv))
        lr = tfidf_lr(task, X_tr, y_tr, m_tr, X_dv, cfg)
        res["tasks"][task.key] = {"primary": task.primary,
                                  "majority": _with_ci(task, maj[0], y_dv, m_dv, maj[1], cfg),
                                  "tfidf_lr": _with_ci(task, lr[0], y_dv, m_dv, lr[1], cfg)}
        h = reported_headline(task)
        log(f"{task.key}: {h} majority {res['tasks'][task.key]['majority'].get(h, float('nan')):.4f} "
            f"tfidf+lr {res['tasks'][task.key]['tfidf_lr'].get(h, float('nan')):.4f}")
    res["wall_seconds"] = round(time.time() - t0, 1)
    out.write_text(json.dumps(res, indent=1) + "\n")
    return res


# --- the `floors` command ---------------------------------------------------------------------------------------

def add_arguments(p) -> None:
    """No options: the corpus in build/corpus, the result in reports/floors.json."""


def run(args) -> None:
    floors()
