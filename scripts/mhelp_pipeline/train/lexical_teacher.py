"""A lexical second teacher for the M-Help heads: word n-gram logistic regressions trained on the silver labels.

Why: a TF-IDF (word 1-2-grams, sublinear tf, l2) logistic regression trained on the silver posts alone, with no
threshold tuned on gold, scores causes macro-F1 0.547 on gold dev at p >= 0.5 -- above every transformer here
(the L6 teacher 0.514, the shipped L3 student 0.494, cross-fitted calibration) -- and condition accuracy 0.672,
help-seeking AUROC 0.902 (issue 13 note, 2026-12-07). Causes are largely topical words the encoder's multi-task
training under-weights (model report section 6). Mixed into the distillation targets, its knowledge reaches the
student at no serving cost: the shipped graph, engine and calibration are unchanged.

``lexical_logits(train_records)``: for every training post, logits of the three primary heads in the layout
the teacher's logits have (help_seeking [no, yes] and condition [labels] as log-probabilities; causes as log-odds
per label):

- silver posts of the training split get *cross-fitted* predictions (5 folds by the corpus' duplicate group):
  a regression that saw the post would hand its own label back as a "soft" target;
- every other training post gets the regression fitted on all silver training posts.

Never trained on gold (gold dev posts are not in the corpus) nor on the dev split. ``mix`` combines them with
the teacher's logits: (1 - w) * teacher + w * lexical, on log-probabilities for the softmax heads (a weighted
product of the two distributions) and on logits for causes. ``LexicalTeacherConfig.weight`` = 0.5 was fixed
before any student was trained with it, not tuned.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..core.codebook import Codebook


@dataclass(frozen=True)
class LexicalTeacherConfig:
    ngram_max: int = 2
    min_df: int = 3
    max_features: int = 100_000
    c: float = 4.0  # inverse L2 strength
    folds: int = 5
    weight: float = 0.5  # the lexical share of the mixed targets (fixed, see module docstring)


def _silver(r: dict) -> bool:
    return r["source"].startswith("silver") and r.get("provenance", {}).get("help_seeking") == "silver"


def _fold(group: str, k: int) -> int:
    return int(hashlib.sha256(group.encode()).hexdigest(), 16) % k


def _fit_predict(cb: Codebook, cfg: LexicalTeacherConfig, fit: list[dict], score: list[dict]) -> dict[str, np.ndarray]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    vec = TfidfVectorizer(ngram_range=(1, cfg.ngram_max), min_df=cfg.min_df, max_features=cfg.max_features,
                          sublinear_tf=True)
    xf = vec.fit_transform([r["text"] for r in fit])
    xs = vec.transform([r["text"] for r in score])
    out = {}
    for t in cb.tasks:
        if not t.primary:
            continue
        if t.kind == "single_label":
            y = [r["labels"][t.key] for r in fit]
            m = OneVsRestClassifier(LogisticRegression(C=cfg.c, solver="liblinear")).fit(xf, y)  # fast on 2 cores
            lp = np.log(np.clip(m.predict_proba(xs), 1e-6, 1.0))  # one-vs-rest probabilities, normalised
            cols = list(m.classes_)
            # a label no fit post carries gets log p = log(1e-6)
            out[t.key] = np.column_stack([lp[:, cols.index(lab)] if lab in cols else np.full(len(score), np.log(1e-6))
                                          for lab in t.labels]).astype(np.float32)
        else:
            cols = []
            for lab in t.labels:
                y = np.array([int(r["labels"][t.key].get(lab) == 1) for r in fit])
                if y.min() == y.max():  # one class only: its prior as a constant log-odds
                    p = np.clip(y.mean(), 1e-6, 1 - 1e-6)
                    cols.append(np.full(len(score), np.log(p / (1 - p))))
                    continue
                cols.append(LogisticRegression(C=cfg.c, solver="liblinear").fit(xf, y).decision_function(xs))
            out[t.key] = np.column_stack(cols).astype(np.float32)
    return out


def lexical_logits(cb: Codebook, train: list[dict], cfg: LexicalTeacherConfig = LexicalTeacherConfig(),
                   log=print) -> dict[str, np.ndarray]:
    """Primary-head logits for every post of ``train`` (row i = post i); module docstring."""
    t0 = time.time()
    silver = [i for i, r in enumerate(train) if _silver(r)]
    other = [i for i, r in enumerate(train) if not _silver(r)]
    if not silver:
        raise ValueError("the training split has no silver posts: the lexical teacher learns from their labels")
    n = len(train)
    out = {t.key: np.zeros((n, t.n), np.float32) for t in cb.tasks if t.primary}
    fold = np.array([_fold(train[i]["group"], cfg.folds) for i in silver])
    for f in range(cfg.folds):
        fit = [train[i] for i, g in zip(silver, fold) if g != f]
        rows = [i for i, g in zip(silver, fold) if g == f]
        pred = _fit_predict(cb, cfg, fit, [train[i] for i in rows])
        for k, v in pred.items():
            out[k][rows] = v
    if other:
        pred = _fit_predict(cb, cfg, [train[i] for i in silver], [train[i] for i in other])
        for k, v in pred.items():
            out[k][other] = v
    log(f"lexical teacher: {len(silver)} silver posts ({cfg.folds}-fold cross-fitted), {len(other)} others, "
        f"{time.time() - t0:.0f}s")
    return out


def cached_lexical_logits(cb: Codebook, train: list[dict], corpus_sha256: str, cache: Path,
                          cfg: LexicalTeacherConfig = LexicalTeacherConfig(), log=print) -> dict[str, np.ndarray]:
    key = {"corpus_sha256": corpus_sha256, "config": asdict(cfg), "n": len(train)}
    meta = cache / "meta.json"
    if meta.exists() and json.loads(meta.read_text())["key"] == key:
        log(f"lexical teacher: reusing {cache}")
        return {k: np.load(cache / f"{k}.npy") for k in json.loads(meta.read_text())["heads"]}
    out = lexical_logits(cb, train, cfg, log)
    cache.mkdir(parents=True, exist_ok=True)
    for k, v in out.items():
        np.save(cache / f"{k}.npy", v)
    meta.write_text(json.dumps({"key": key, "heads": list(out)}, indent=1))
    return out


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    return z - np.log(np.exp(z).sum(1, keepdims=True))


def mix(cb: Codebook, teacher: dict[str, np.ndarray], lexical: dict[str, np.ndarray], weight: float
        ) -> dict[str, np.ndarray]:
    """The teacher's logits with the primary heads mixed with the lexical ones (module docstring)."""
    out = dict(teacher)
    for t in cb.tasks:
        if t.key not in lexical:
            continue
        if t.kind == "single_label":
            out[t.key] = ((1 - weight) * _log_softmax(teacher[t.key].astype(np.float64))
                          + weight * lexical[t.key]).astype(np.float32)
        else:
            out[t.key] = ((1 - weight) * teacher[t.key] + weight * lexical[t.key]).astype(np.float32)
    return out
