"""Calibration evidence for the shipped model (issue 3: "calibration error before/after temperature scaling;
confusion matrices and reliability diagrams"), on the dev split (silver labels for the primary heads).

Logits come from the shipped int8 ONNX graph (models/<variant>/) on each dev post's first 128-token window,
the quantity export.py calibrated on. ECE = sum over 15 equal-width confidence bins of
(bin share) * |accuracy - mean confidence|:
- single-label heads: top-label ECE (confidence = max probability, correct = argmax is the label);
- help_seeking additionally: ECE of p(yes) against the yes/no label (what the reliability diagram shows);
- multi-label heads: ECE of every known (post, label) probability against its 0/1 value.

The shipped temperatures were fitted on this same dev split, so "after (shipped T)" is in-sample and
optimistic; "after (2-fold cross-fit)" fits T on one half of the dev groups and measures on the other.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.codebook import IGNORE, Task, codebook
from ..core.io import read_jsonl
from ..core.paths import CORPUS_DIR, MODELS
from ..export.calibrate import fit_temperature
from ..export.export import onnx_logits
from ..model.batching import Encoded, encode, load_tokenizer, targets
from ..runtime.inference import sigmoid, softmax


@dataclass(frozen=True)
class ReliabilityConfig:
    bins: int = 15
    folds: int = 2
    variant: str = "default"


def ece(conf: np.ndarray, correct: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error with equal-width bins on [0, 1] (a confidence of 1.0 falls in the last bin)."""
    conf, correct = np.asarray(conf, dtype=np.float64), np.asarray(correct, dtype=np.float64)
    if len(conf) == 0:
        return float("nan")
    b = np.minimum((conf * bins).astype(int), bins - 1)
    tot = 0.0
    for i in range(bins):
        k = b == i
        if k.any():
            tot += k.mean() * abs(correct[k].mean() - conf[k].mean())
    return float(tot)


def reliability_bins(conf: np.ndarray, correct: np.ndarray, bins: int = 15) -> list[dict]:
    b = np.minimum((np.asarray(conf) * bins).astype(int), bins - 1)
    return [{"bin": i, "n": int((b == i).sum()), "confidence": float(conf[b == i].mean()),
             "accuracy": float(np.asarray(correct)[b == i].mean())} for i in range(bins) if (b == i).any()]


def _pairs(task: Task, logits: np.ndarray, y, mask, t: float, binary_yes: bool = False):
    """(confidence, correct) pairs for the ECE variants in the module docstring."""
    if task.kind == "single_label":
        keep = y != IGNORE
        p = softmax(logits[keep].astype(np.float64) / t)
        if binary_yes:
            return p[:, 1], (y[keep] == 1).astype(float)
        return p.max(1), (p.argmax(1) == y[keep]).astype(float)
    p = sigmoid(logits.astype(np.float64) / t)
    k = mask > 0
    return p[k], y[k].astype(float)


def _folds(groups: list[str], k: int) -> np.ndarray:
    return np.array([int(hashlib.sha1(g.encode()).hexdigest(), 16) % k for g in groups])


def shipped_dev_logits(variant: str = "default", corpus_dir: Path = CORPUS_DIR) -> tuple[dict, Encoded, dict, list]:
    meta = json.loads((MODELS / variant / "model.json").read_text())
    recs = read_jsonl(corpus_dir / "dev.jsonl")
    tok = load_tokenizer(MODELS / variant / meta["tokenizer"])
    enc = encode(recs, tok, codebook(), meta["max_length"])
    return onnx_logits(MODELS / variant / meta["onnx"], enc.ids), enc, meta, [r["group"] for r in recs]


def calibration_report(cfg: ReliabilityConfig = ReliabilityConfig(), data: tuple | None = None) -> dict:
    """data: shipped_dev_logits(...) when the caller already has it (the ONNX pass is the slow part)."""
    cb = codebook()
    logits, enc, meta, groups = data or shipped_dev_logits(cfg.variant)
    heads = {h["task"]: h for h in meta["heads"]}
    fold = _folds(groups, cfg.folds)
    res: dict = {"dev": "dev split (primary heads: silver labels), first 128-token window, "
                        "shipped int8 ONNX", "bins": cfg.bins, "heads": {}}
    for t in cb.tasks:
        z, (y, m) = logits[t.key], targets(t, enc)
        T = float(heads[t.key]["temperature"])
        first = "top_label" if t.kind == "single_label" else "per_entry"
        variants = [(first, False)] + ([("p_yes", True)] if t.key == "help_seeking" else [])
        row = {"temperature": T}
        for name, yes in variants:
            before = ece(*_pairs(t, z, y, m, 1.0, yes), cfg.bins)
            after = ece(*_pairs(t, z, y, m, T, yes), cfg.bins)
            conf_all, corr_all = [], []
            for f in range(cfg.folds):  # cross-fit: T from the other folds, ECE on this one
                tr, te = fold != f, fold == f
                Tf = fit_temperature(t, z[tr], y[tr], None if m is None else m[tr])
                c, k = _pairs(t, z[te], y[te], None if m is None else m[te], Tf, yes)
                conf_all.append(c)
                corr_all.append(k)
            cross = ece(np.concatenate(conf_all), np.concatenate(corr_all), cfg.bins)
            row[name] = {"n": int(len(_pairs(t, z, y, m, 1.0, yes)[0])), "ece_T1": before, "ece_shipped_T": after,
                         "ece_crossfit_T": cross}
        res["heads"][t.key] = row
    res["_plot"] = _plot_data(cb, logits, enc, heads, cfg)
    return res


def shipped_predictions(task: Task, z: np.ndarray, head: dict) -> tuple[np.ndarray, np.ndarray | None]:
    """Decisions as the engine makes them on one window: calibrated probabilities, shipped thresholds."""
    T, th = float(head["temperature"]), head["thresholds"]
    if task.kind == "single_label":
        p = softmax(z.astype(np.float64) / T)
        if th is not None and task.n == 2:
            return (p[:, 1] >= th[0]).astype(int), p[:, 1]
        return p.argmax(1), (p[:, 1] if task.n == 2 else None)
    p = sigmoid(z.astype(np.float64) / T)
    return (p >= np.array(th if th is not None else [0.5] * task.n)).astype(int), None


def _plot_data(cb, logits, enc, heads, cfg: ReliabilityConfig) -> dict:
    hs = cb.task("help_seeking")
    y = np.array(enc.single["help_seeking"])
    rel = {name: reliability_bins(*_pairs(hs, logits["help_seeking"], y, None, T, True), cfg.bins)
           for name, T in (("T=1", 1.0), ("shipped T", float(heads["help_seeking"]["temperature"])))}
    cond = cb.task("condition")
    yc = np.array(enc.single["condition"])
    pred, _ = shipped_predictions(cond, logits["condition"], heads["condition"])
    keep = yc != IGNORE
    cm = np.zeros((cond.n, cond.n), dtype=int)
    for a, b in zip(yc[keep], pred[keep]):
        cm[a, b] += 1
    return {"reliability_help_seeking": rel, "condition_confusion": cm.tolist(), "condition_labels": list(cond.labels)}
