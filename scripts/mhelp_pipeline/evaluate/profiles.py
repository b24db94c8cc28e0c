"""Operating points the caller chooses (issue 15): named thresholds on the shipped model's post-level calibrated
p(help_seeking = yes), chosen on the gold dev set -> reports/profiles.json and a ``profiles`` block in
``models/<variant>/model.json``.

``python -m mhelp_pipeline profiles [--model ../models/default] [--folds 5]``. The probabilities are the model's
own (as_shipped: its temperatures and aggregation, every window run alone as the engine runs them); only the
threshold on p(yes) changes. The profiles, on a grid of thresholds 0.001 .. 0.999 (label yes iff p >= t):

- ``balanced``: the threshold of maximum F1(yes) (the smallest such threshold on ties);
- ``high_recall`` (triage: catch requests): the largest threshold with recall >= 0.95;
- ``high_precision``: the smallest threshold with precision >= 0.90; where no threshold reaches it, the
  threshold of maximum precision among those with recall >= 0.2 (the rule used is recorded).

Each profile's precision / recall / F1 is estimated by k-fold cross-fitting on gold (gold_cv.stratified_folds:
the threshold chosen on the other k-1 folds, applied to the held-out fold; pooled over the folds, with 95 %
bootstrap intervals); the shipped threshold is then chosen on every gold post. The model's own threshold
(fitted on the silver dev split, or on gold by ``calibrate-on-gold``: then in-sample) is scored on gold for
comparison. The profiles are thresholds on the *calibrated* p(yes): run this after ``export`` and after
``calibrate-on-gold``, which move the temperature. Only the ``profiles`` key of model.json is
written; the ONNX graph and every other field stay as they are. No post text is written.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from ..core.codebook import IGNORE, codebook
from ..core.paths import CORPUS_DIR, GOLD_DEV, MODELS, REPO, REPORTS, base_model_dir
from ..data.gold import GoldFormatError, load_gold
from ..model.batching import encode, load_tokenizer
from ..runtime.inference import WindowRunner, as_shipped
from ..runtime.lexical import model_lexical, post_lexical
from .bootstrap import BootstrapConfig, bootstrap_ci
from .gold_cv import in_corpus, primary_codebook, stratified_folds

PROFILES = ("high_recall", "balanced", "high_precision")  # the order of src/engine/metadata.ts' PROFILES
DEFAULT_PROFILE = "balanced"
TASK = "help_seeking"
GRID = np.round(np.arange(1, 1000) / 1000, 3)  # candidate thresholds
RECALL_TARGET, PRECISION_TARGET, PRECISION_FALLBACK_MIN_RECALL = 0.95, 0.90, 0.2


def _curves(p: np.ndarray, y: np.ndarray, grid: np.ndarray = GRID) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 of 'yes iff p >= t' for every t of the grid (precision nan where nothing is yes)."""
    pos = y == 1
    said = p[None, :] >= grid[:, None]
    tp = (said & pos).sum(1).astype(float)
    n_said = said.sum(1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(n_said > 0, tp / n_said, np.nan)
    recall = tp / max(int(pos.sum()), 1)
    f1 = np.where(tp > 0, 2 * tp / (n_said + pos.sum()), 0.0)
    return precision, recall, f1


def select_thresholds(p: np.ndarray, y: np.ndarray, grid: np.ndarray = GRID) -> tuple[dict[str, float], dict[str, str]]:
    """The profiles' thresholds on posts with p(yes) ``p`` and gold labels ``y`` (1 = yes), and the rule each used."""
    p, y = np.asarray(p, dtype=float), np.asarray(y)
    precision, recall, f1 = _curves(p, y, grid)
    out, rule = {}, {}
    out["balanced"] = float(grid[int(np.argmax(f1))])  # argmax: the first (smallest) threshold on ties
    rule["balanced"] = "max F1(yes)"
    ok = np.flatnonzero(recall >= RECALL_TARGET)  # recall falls as t rises; the smallest t always qualifies or none does
    out["high_recall"] = float(grid[ok.max()]) if len(ok) else float(grid[0])
    rule["high_recall"] = f"largest threshold with recall >= {RECALL_TARGET}" if len(ok) else \
        f"recall {RECALL_TARGET} unreachable: the smallest threshold of the grid"
    ok = np.flatnonzero(np.nan_to_num(precision, nan=-1.0) >= PRECISION_TARGET)
    if len(ok):
        out["high_precision"], rule["high_precision"] = float(grid[ok.min()]), \
            f"smallest threshold with precision >= {PRECISION_TARGET}"
    else:
        cand = np.flatnonzero((recall >= PRECISION_FALLBACK_MIN_RECALL) & ~np.isnan(precision))
        best = cand[int(np.argmax(precision[cand]))] if len(cand) else int(np.argmax(f1))
        out["high_precision"] = float(grid[best])
        rule["high_precision"] = (f"precision {PRECISION_TARGET} unreachable: the threshold of max precision with "
                                  f"recall >= {PRECISION_FALLBACK_MIN_RECALL}")
    return out, rule


def _prf(yes: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    tp = float((yes & (y == 1)).sum())
    n_yes, n_pos = float(yes.sum()), float((y == 1).sum())
    precision = tp / n_yes if n_yes else float("nan")
    recall = tp / n_pos if n_pos else float("nan")
    f1 = 2 * tp / (n_yes + n_pos) if tp else 0.0
    return precision, recall, f1


def scored(yes: np.ndarray, y: np.ndarray, bootstrap: BootstrapConfig) -> dict:
    """Precision, recall and F1(yes) of decisions ``yes`` with bootstrap intervals over posts."""
    out = {}
    for i, name in enumerate(("precision", "recall", "f1")):
        ci = bootstrap_ci(lambda ix, i=i: _prf(yes[ix], y[ix])[i], len(y), bootstrap)
        out[name] = round(ci["value"], 4)
        out[f"{name}_ci"] = [round(ci["ci_low"], 4), round(ci["ci_high"], 4)]
    out["predicted_yes"] = int(yes.sum())
    return out


def cross_fit(p: np.ndarray, y: np.ndarray, folds: np.ndarray) -> tuple[dict[str, np.ndarray], list[dict]]:
    """Held-out decisions per profile (threshold chosen on the other folds) and the thresholds per fold."""
    yes = {name: np.zeros(len(y), dtype=bool) for name in PROFILES}
    per_fold = []
    for f in range(int(folds.max()) + 1):
        fit, held = folds != f, folds == f
        th, rule = select_thresholds(p[fit], y[fit])
        for name in PROFILES:
            yes[name][held] = p[held] >= th[name]
        per_fold.append({"thresholds": th, "rules": rule})
    return yes, per_fold


def profiles_of(p: np.ndarray, y: np.ndarray, folds: np.ndarray, model_threshold: float | None,
                bootstrap: BootstrapConfig = BootstrapConfig()) -> dict:
    """The report of one model: shipped thresholds (all gold), cross-fitted estimates, the model's own threshold."""
    th, rule = select_thresholds(p, y)
    yes, per_fold = cross_fit(p, y, folds)
    out = {"thresholds": th, "rules": rule,
           "cross_fitted": {name: scored(yes[name], y, bootstrap) for name in PROFILES},
           "in_sample": {name: scored(p >= th[name], y, bootstrap) for name in PROFILES},
           "fold_thresholds": per_fold}
    if model_threshold is not None:
        out["model_threshold"] = {"threshold": model_threshold, "on_gold": scored(p >= model_threshold, y, bootstrap)}
    return out


def model_block(res: dict, folds: int) -> dict:
    """The ``profiles`` key of model.json."""
    return {"task": TASK, "default": DEFAULT_PROFILE, "source": "gold dev CV (reports/profiles.json)",
            "gold_posts": res["gold_posts"], "folds": folds,
            "thresholds": {name: res["thresholds"][name] for name in PROFILES},
            "cross_fitted": {name: {k: v for k, v in res["cross_fitted"][name].items() if k != "predicted_yes"}
                             for name in PROFILES}}


def help_probabilities(model_dir: Path, gold: list[dict]) -> tuple[np.ndarray, dict]:
    """p(help_seeking = yes) of every gold post, as the engine computes it with the model's own settings."""
    cb = primary_codebook()
    meta = json.loads((model_dir / "model.json").read_text())
    runner = WindowRunner(model_dir / meta["onnx"], model_dir / meta["tokenizer"], meta["max_length"], meta["stride"],
                          cb.keys)
    texts = [r["text"] for r in gold]
    windows, weights = runner.run_posts(texts)
    _, probs = as_shipped(cb, meta, windows, weights, post_lexical(model_lexical(model_dir, meta), texts))
    return probs[TASK][:, 1], meta


def profiles(model_dirs: list[Path], gold_path: Path = GOLD_DEV, folds: int = 5, seed: int = 0,
             out: Path | None = REPORTS / "profiles.json", write_models: bool = True, corpus_dir: Path = CORPUS_DIR,
             log=print) -> dict:
    t0 = time.time()
    gold = load_gold(gold_path)
    if gold is None:
        raise FileNotFoundError(f"{gold_path} is absent: profiles are chosen on the gold set "
                                "(../shared/data/gold/dev.jsonl, see ../shared/data/MANIFEST.md)")
    read, left_out = len(gold), 0
    if (corpus_dir / "train.jsonl").exists():  # as gold-cv: never score a post a model may have trained on
        seen = in_corpus(gold, corpus_dir)
        gold, left_out = [r for r, s in zip(gold, seen) if not s], int(seen.sum())
    enc = encode(gold, load_tokenizer(base_model_dir() / "tokenizer.json"), codebook(), 128)
    y_all = np.asarray(enc.single[TASK])
    keep = y_all != IGNORE
    gold, y = [r for r, k in zip(gold, keep) if k], y_all[keep]
    fold = stratified_folds(gold, folds, seed)
    log(f"gold: {read} posts read, {left_out} left out as corpus duplicates, {len(gold)} with a help label "
        f"({int((y == 1).sum())} yes)")
    res: dict = {"what": "operating points on gold dev (profiles.py docstring)", "task": TASK,
                 "gold_posts_read": read, "left_out_in_corpus": left_out, "gold_posts": len(gold),
                 "gold_yes": int((y == 1).sum()), "folds": folds, "seed": seed,
                 "fold_sizes": np.bincount(fold).tolist(), "default": DEFAULT_PROFILE,
                 "rules": {"balanced": "max F1(yes)", "high_recall": f"largest threshold with recall >= {RECALL_TARGET}",
                           "high_precision": f"smallest threshold with precision >= {PRECISION_TARGET} (else max "
                                             f"precision with recall >= {PRECISION_FALLBACK_MIN_RECALL})"},
                 "models": {}}
    for d in model_dirs:
        p, meta = help_probabilities(d, gold)
        own = next((h.get("thresholds") for h in meta["heads"] if h["task"] == TASK), None)
        r = {"dir": str(d.resolve().relative_to(REPO)) if d.resolve().is_relative_to(REPO) else str(d),
             "version": meta.get("version"), "variant": meta.get("variant"),
             **profiles_of(p, y, fold, float(own[0]) if own else None)}
        res["models"][meta.get("variant") or d.name] = r
        for name in PROFILES:
            c = r["cross_fitted"][name]
            log(f"{d.name} {name}: threshold {r['thresholds'][name]:.3f} ({r['rules'][name]}); cross-fitted "
                f"P {c['precision']:.3f} {c['precision_ci']} R {c['recall']:.3f} {c['recall_ci']} "
                f"F1 {c['f1']:.3f} {c['f1_ci']}")
        if write_models:
            path = d / "model.json"
            meta_text = json.loads(path.read_text())  # re-read: only the profiles key changes
            meta_text["profiles"] = model_block({**r, "gold_posts": len(gold)}, folds)
            path.write_text(json.dumps(meta_text, indent=2, ensure_ascii=False) + "\n")
            log(f"wrote the profiles of {path}")
    res["date"], res["wall_seconds"] = time.strftime("%Y-%m-%d"), round(time.time() - t0, 1)
    if out is not None:
        out.write_text(json.dumps(res, indent=1) + "\n")
        log(f"wrote {out}")
    return res


# --- the `profiles` command ------------------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", action="append", default=None,
                   help="a model folder (repeatable; default: models/default and models/fast)")
    p.add_argument("--folds", type=int, default=5, help="cross-fitting folds over gold (5)")
    p.add_argument("--no-write-models", action="store_true", help="write reports/profiles.json only")


def run(args: argparse.Namespace) -> int:
    dirs = [Path(m) for m in args.model] if args.model else [MODELS / "default", MODELS / "fast"]
    try:
        profiles(dirs, folds=args.folds, write_models=not args.no_write_models, log=lambda m: print(m, flush=True))
    except (FileNotFoundError, GoldFormatError, ValueError) as e:
        print(f"profiles: {e}", file=sys.stderr)
        return 2
    return 0
