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


def tfidf_lr(task: Task, X_tr, y_tr, m_tr, X_dv, cfg: FloorConfig) -> tuple[np.ndarray, np.ndarray | None]:
    from sklearn.linear_model import LogisticRegression

    def fit(X, y):
        return LogisticRegression(C=cfg.C, class_weight="balanced", max_iter=cfg.max_iter,
                                  random_state=cfg.seed).fit(X, y)

    if task.kind == "single_label":
        keep = y_tr != IGNORE
        if len(np.unique(y_tr[keep])) < 2:  # one class only: LR cannot fit, the floor is that constant
            return majority(task, y_tr, m_tr, X_dv.shape[0])
        clf = fit(X_tr[keep], y_tr[keep])
        proba = clf.predict_proba(X_dv)
        pred = clf.classes_[proba.argmax(1)]
        score = proba[:, list(clf.classes_).index(1)] if task.n == 2 else None
        return pred, score
    pred = np.zeros((X_dv.shape[0], task.n), dtype=int)
    for j in range(task.n):
        k = m_tr[:, j] > 0
        vals = np.unique(y_tr[k, j])
        if len(vals) < 2:
            pred[:, j] = int(vals[0]) if len(vals) else 0
        else:
            pred[:, j] = fit(X_tr[k], y_tr[k, j]).predict(X_dv)
    return pred, None


def floor_logits(tasks: list[Task], train: list[dict], texts: list[str], cfg: FloorConfig = FloorConfig()
                 ) -> dict[str, np.ndarray] | None:
    """The TF-IDF + LR floor of each task in ``tasks``, trained on ``train`` (corpus records, normalised text) as
    tfidf_lr trains it, as logits of ``texts`` laid out like the model's heads: log-probabilities (label order of
    the task) for single-label tasks, log-odds per label for multi-label tasks, so gold_cv scores the floor with
    the model's own calibration and decisions (one "window" per post). None when no train post carries a label of
    any of the tasks."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    if not any(t.key in r.get("labels", {}) for r in train for t in tasks):
        return None
    vec = TfidfVectorizer(ngram_range=(1, cfg.ngram_max), sublinear_tf=True, min_df=cfg.min_df,
                          max_features=cfg.max_features)
    X_tr = vec.fit_transform([r["text"] for r in train])
    X = vec.transform(texts)
    fit = lambda X_, y_: LogisticRegression(C=cfg.C, class_weight="balanced", max_iter=cfg.max_iter,  # noqa: E731
                                            random_state=cfg.seed).fit(X_, y_)
    out = {}
    for task in tasks:
        y_tr, m_tr = targets(task, train)
        if task.kind == "single_label":
            keep = y_tr != IGNORE
            z = np.full((len(texts), task.n), np.log(1e-6))
            classes = np.unique(y_tr[keep])
            if len(classes) == 1:
                z[:, classes[0]] = 0.0
            elif len(classes) > 1:
                clf = fit(X_tr[keep], y_tr[keep])
                z[:, clf.classes_] = np.log(np.clip(clf.predict_proba(X), 1e-6, 1.0))
            out[task.key] = z
            continue
        z = np.zeros((len(texts), task.n))
        for j in range(task.n):
            k = m_tr[:, j] > 0
            vals = np.unique(y_tr[k, j])
            if len(vals) < 2:  # a constant: certain of it (or 0.5 when the label is never known)
                z[:, j] = 0.0 if not len(vals) else (np.log(1e6) if vals[0] else -np.log(1e6))
            else:
                z[:, j] = fit(X_tr[k], y_tr[k, j]).decision_function(X)
        out[task.key] = z
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
    from sklearn.feature_extraction.text import TfidfVectorizer

    t0 = time.time()
    cb = codebook()
    tr, dv = read_jsonl(corpus_dir / "train.jsonl"), read_jsonl(corpus_dir / "dev.jsonl")
    vec = TfidfVectorizer(ngram_range=(1, cfg.ngram_max), sublinear_tf=True, min_df=cfg.min_df,
                          max_features=cfg.max_features)
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
