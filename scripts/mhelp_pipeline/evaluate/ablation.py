"""Multi-task vs single-task ablation, the comparison -> reports/ablation-<budget>.json (the ``ablation`` command).

train/ablation.py trains (or reuses) the runs: multi-task, one single-task run per primary task and optionally
multi-task on the primary heads only, at equal steps or equal epochs, for several seeds (its docstring says
why). Here the runs are compared twice, each time with the issue's metrics averaged over seeds, 95 % bootstrap
intervals of the seed mean over posts, and paired bootstrap tests between runs on the same resampled posts
(evaluate/bootstrap.py); the per-seed differences show training noise.

- **gold** (the judge, ``gold_analysis``): every gold post no run trained on, scored whole (every window), its
  decisions cross-fitted over 5 gold folds exactly as the headline's (gold_cv.cross_fitted);
- **silver dev** (a diagnostic, ``silver_dev_analysis``): the corpus dev split's first windows, decided
  identically for every run (argmax / 0.5, no calibration).

Pairs (``PAIRS``), a - b: ``multi_task_primary - single`` is the paper's claim (the 3 M-Help heads share every
post, so MT and each ST run see the same posts for the same steps); ``multi_task - single`` is the shipped
recipe (auxiliary heads and their datasets too); ``multi_task - multi_task_primary`` is what those add.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from ..core.codebook import Task, codebook, reported_headline
from ..core.io import read_jsonl
from ..core.paths import CORPUS_DIR, GOLD_DEV, REPORTS, base_model_dir
from ..model.batching import encode, load_tokenizer, targets
from ..train.ablation import (AblationConfig, budget_label, gold_posts, per_post_windows, predictions, run_all,
                              run_dir)
from .bootstrap import bootstrap_ci, paired_bootstrap, resampled_metric
from .metrics import COMPARED_METRICS, issue_metrics, labelled_rows
from .reliability import ece


def report_path(cfg: AblationConfig) -> Path:
    """One JSON per budget, so budgets can be compared (the report reads every reports/ablation-*.json)."""
    return REPORTS / f"ablation-{budget_label(cfg)}.json"


def _positives(task: Task, y: np.ndarray, mask: np.ndarray | None) -> dict[str, int]:
    if task.kind == "single_label":
        return {lab: int((y == i).sum()) for i, lab in enumerate(task.labels)}
    return {lab: int(((y[:, i] > 0) & (mask[:, i] > 0)).sum()) for i, lab in enumerate(task.labels)}


def _seed_mean_metric(task: Task, name: str, preds: list[tuple], y, mask, rows: np.ndarray):
    """metric(ix) averaged over seeds: each seed's predictions scored on the same resampled rows."""
    fns = [resampled_metric(task, name, pred, y, mask, score, rows) for pred, score in preds]
    return lambda ix: float(np.mean([fn(ix) for fn in fns]))


def run_metrics(t: Task, by_seed: dict[int, tuple], y, mask, bootstrap) -> dict:
    """One run's metrics of task ``t`` averaged over its seeds, per seed, and bootstrap intervals of the seed
    mean over posts; ``by_seed``: {seed: (pred, score)}."""
    rows = labelled_rows(y, mask)
    per_seed = [issue_metrics(t, pred, y, mask, score) for pred, score in by_seed.values()]
    names = [k for k in ("accuracy", "precision", "recall", "f1", "auroc", "macro_f1", "micro_f1", "weighted_f1")
             if k in per_seed[0]]
    out = {"n": per_seed[0]["n"], **{k: float(np.mean([m[k] for m in per_seed])) for k in names},  # seed means
           "per_seed": {k: [float(m[k]) for m in per_seed] for k in names}}
    if "f1_per_label" in per_seed[0]:  # seed-mean F1 per label and its positives: macro-F1 moves with rare labels
        out["f1_per_label"] = {lab: float(np.mean([m["f1_per_label"].get(lab, np.nan) for m in per_seed]))
                               for lab in per_seed[0]["f1_per_label"]}
        out["dev_positives"] = _positives(t, y, mask)
    if t.kind == "multi_label":  # the issue's causes target: labels per post near the reference's
        out["labels_per_post"] = {"predicted": float(np.mean([np.asarray(p).sum(1).mean() for p, _ in by_seed.values()])),
                                  "reference": float(y[rows].sum(1).mean())}
    out["ci"] = {metric: bootstrap_ci(_seed_mean_metric(t, metric, list(by_seed.values()), y, mask, rows),
                                      len(rows), bootstrap) for metric in COMPARED_METRICS[t.key]}
    return out


def compare_runs(t: Task, a: dict[int, tuple], b: dict[int, tuple], y, mask, bootstrap) -> dict:
    """a - b on the seeds both runs have: paired bootstrap of the seed means on the same resampled posts, and
    the per-seed differences (training noise)."""
    rows = labelled_rows(y, mask)
    both = [s for s in a if s in b]
    one = lambda run, s, metric: issue_metrics(t, run[s][0], y, mask, run[s][1])[metric]  # noqa: E731
    return {
        "headline": reported_headline(t), "n": int(len(rows)), "seeds": both,
        **{metric: {**paired_bootstrap(_seed_mean_metric(t, metric, [a[s] for s in both], y, mask, rows),
                                       _seed_mean_metric(t, metric, [b[s] for s in both], y, mask, rows),
                                       len(rows), bootstrap),
                    "per_seed_diff": [float(one(a, s, metric) - one(b, s, metric)) for s in both]}
           for metric in COMPARED_METRICS[t.key]},
    }


# The pairs compared, a - b: the paper's set-up first (MT on the 3 M-Help heads, which share every post, vs one
# head at a time: the same posts, steps and schedule), then the shipped recipe (all heads, auxiliary data too).
PAIRS = (("multi_task_primary", "single"), ("multi_task", "single"), ("multi_task", "multi_task_primary"))


def _comparisons(t: Task, preds: dict[str, dict[int, tuple]], y, mask, bootstrap) -> dict:
    out = {}
    for a, b in PAIRS:
        b_run = f"single_{t.key}" if b == "single" else b
        if a in preds and b_run in preds:
            out[f"{a} - {b}"] = compare_runs(t, preds[a], preds[b_run], y, mask, bootstrap)
    return out


def _task_runs(key: str, logits: dict) -> list[str]:
    return [n for n in ("multi_task", "multi_task_primary", f"single_{key}") if n in logits]


def gold_analysis(logits: dict[str, dict[int, dict[str, np.ndarray]]], run_seeds: dict[str, list[int]],
                  cfg: AblationConfig, corpus_dir: Path, runs_dir: Path, folds: int = 5,
                  gold_path: Path = GOLD_DEV) -> dict:
    """The judge: every run's whole-post gold logits decided by gold_cv.cross_fitted (temperature, window
    aggregation and thresholds fitted on the other folds, per task: a single-task run has one head), scored
    against the gold labels; seed means, intervals and paired tests over gold posts."""
    from .gold_cv import cross_fitted, stratified_folds

    cb = codebook()
    gold, left_out = gold_posts(corpus_dir, gold_path)
    enc = encode(gold, load_tokenizer(base_model_dir() / "tokenizer.json"), cb, cfg.max_length)  # labels only
    fold_of = stratified_folds(gold, folds)
    res: dict = {"posts": len(gold), "left_out_in_corpus": left_out, "folds": folds,
                 "decisions": "cross-fitted on gold (gold_cv.cross_fitted: each fold decided by settings fitted on "
                              "the other folds); every window of a post, fp32",
                 "runs": {name: {"metrics": {}} for name in logits}, "comparisons": {}}
    saved: dict[tuple[str, int], dict[str, np.ndarray]] = {}  # each run's gold windows, read once for all its tasks
    for key in cfg.tasks:
        t = cb.task(key)
        y, mask = targets(t, enc)
        preds: dict[str, dict[int, tuple]] = {}
        for name in _task_runs(key, logits):
            preds[name] = {}
            for seed in run_seeds[name]:
                if (name, seed) not in saved:
                    saved[name, seed] = dict(np.load(runs_dir / f"{name}-seed{seed}-gold.npz"))
                windows, weights = per_post_windows(saved[name, seed], [key])
                decided, probs, _ = cross_fitted(cb.subset((key,)), windows, weights, enc, fold_of)
                preds[name][seed] = decided[key]
                if key == "help_seeking":  # ECE of the cross-fitted p(yes), per seed in seed order
                    res["runs"][name].setdefault("help_seeking_ece", []).append(
                        float(ece(probs[key][:, 1], (y == 1).astype(float))))
            res["runs"][name]["metrics"][key] = run_metrics(t, preds[name], y, mask, cfg.bootstrap)
        res["comparisons"][key] = _comparisons(t, preds, y, mask, cfg.bootstrap)
    return res


def silver_dev_analysis(logits: dict[str, dict[int, dict[str, np.ndarray]]], run_seeds: dict[str, list[int]],
                        cfg: AblationConfig, corpus_dir: Path) -> dict:
    """A diagnostic: the runs' first-window logits on the corpus dev split (silver labels for the primary heads,
    one annotator per post), decided identically for every run (argmax / 0.5, no calibration)."""
    cb = codebook()
    dv = encode(read_jsonl(corpus_dir / "dev.jsonl"), load_tokenizer(base_model_dir() / "tokenizer.json"), cb,
                cfg.max_length)
    res: dict = {"what": "corpus dev split, primary heads on silver labels; first window; argmax / 0.5",
                 "runs": {name: {"metrics": {}} for name in logits}, "comparisons": {}, "multi_task_aux": {}}
    for key in cfg.tasks:
        t = cb.task(key)
        y, mask = targets(t, dv)
        preds = {name: {s: predictions(t, logits[name][s][key]) for s in run_seeds[name]}
                 for name in _task_runs(key, logits)}
        for name, by_seed in preds.items():
            res["runs"][name]["metrics"][key] = run_metrics(t, by_seed, y, mask, cfg.bootstrap)
        res["comparisons"][key] = _comparisons(t, preds, y, mask, cfg.bootstrap)
    for t in cb.tasks:
        if t.key in cfg.tasks or "multi_task" not in logits:
            continue
        y, mask = targets(t, dv)
        vals = [issue_metrics(t, predictions(t, logits["multi_task"][s][t.key])[0], y, mask).get("weighted_f1")
                for s in run_seeds["multi_task"]]
        mean = None if any(v is None for v in vals) else float(np.mean(vals))  # None: no dev labels
        res["multi_task_aux"][t.key] = {"n": int(len(labelled_rows(y, mask))), "weighted_f1": mean, "per_seed": vals}
    return res


def analyse(logits: dict[str, dict[int, dict[str, np.ndarray]]], cfg: AblationConfig = AblationConfig(),
            corpus_dir: Path = CORPUS_DIR, runs_dir: Path | None = None, gold_folds: int = 5,
            gold_path: Path = GOLD_DEV) -> dict:
    runs_dir = runs_dir or run_dir(cfg)
    # ``seeds``: those every single-task run has. A multi-task run may have fewer (--primary-seeds,
    # --no-all-heads): each run is reported on its own seeds, and each comparison uses the seeds both sides have.
    seeds = sorted(set.intersection(*(set(by_seed) for name, by_seed in logits.items() if name.startswith("single_"))))
    run_seeds = {name: [s for s in sorted(by_seed) if not name.startswith("single_") or s in seeds]
                 for name, by_seed in logits.items()}
    res: dict = {"config": {**asdict(cfg), "seeds": seeds}, "budget": budget_label(cfg), "runs": {}}
    for name in logits:
        per_seed, pool = {}, None
        for seed in run_seeds[name]:
            p = runs_dir / f"{name}-seed{seed}.json"
            meta = json.loads(p.read_text()) if p.exists() else {}
            per_seed[seed] = {k: meta.get(k) for k in ("train_seconds", "steps", "curve", "hardware")}
            pool = meta.get("pool")
        res["runs"][name] = {"train_pool": pool, "batch_size": cfg.batch_size, "seeds": per_seed}
    res["gold"] = gold_analysis(logits, run_seeds, cfg, corpus_dir, runs_dir, gold_folds, gold_path)
    res["silver_dev"] = silver_dev_analysis(logits, run_seeds, cfg, corpus_dir)
    return res


def ablation(cfg: AblationConfig = AblationConfig(), out: Path | None = None, log=print) -> dict:
    t0 = time.time()
    logits = run_all(cfg, log=log)
    res = analyse(logits, cfg)
    res["wall_seconds_this_invocation"] = round(time.time() - t0, 1)
    res["date"] = time.strftime("%Y-%m-%d")
    (out or report_path(cfg)).write_text(json.dumps(res, indent=1) + "\n")
    for key, by_pair in res["gold"]["comparisons"].items():
        for pair, c in by_pair.items():
            h = c[c["headline"]]
            log(f"gold {key}: {pair} {c['headline']} = {h['diff']:+.4f} [{h['ci_low']:+.4f}, {h['ci_high']:+.4f}] "
                f"p={h['p_value']:.3f}; per seed " + ", ".join(f"{d:+.4f}" for d in h["per_seed_diff"]))
    return res


# --- the `ablation` command --------------------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--steps", type=int, default=None, help="optimizer steps per run (150; equal compute)")
    p.add_argument("--epochs", type=int, default=None,
                   help="passes over each run's own pool instead of --steps (equal passes)")
    p.add_argument("--layers", type=int, default=None, help="encoder layers (2)")
    p.add_argument("--device", default=None, help="cpu (default) or cuda (the lent GPU machine)")
    p.add_argument("--seeds", default=None, help="comma-separated seeds (default 0)")
    p.add_argument("--primary-multi-task", action="store_true", help="also train multi-task on the 3 primary heads only")
    p.add_argument("--primary-seeds", default=None,
                   help="seeds of the primary-heads MT run when fewer than --seeds (default: the same)")
    p.add_argument("--tasks", default=None,
                   help="comma-separated primary tasks with a single-task run (default: all three)")
    p.add_argument("--task-weight", action="append", default=None, metavar="TASK=W",
                   help="loss weight of TASK in the multi-task runs (repeatable; default 1 for the M-Help heads)")
    p.add_argument("--no-all-heads", action="store_true",
                   help="skip the all-heads multi_task run (with --primary-multi-task: only the paper's pair)")


def run(args: argparse.Namespace) -> None:
    over = {k: v for k, v in {"steps": args.steps, "epochs": args.epochs, "layers": args.layers,
                              "device": args.device}.items() if v is not None}
    if args.seeds:
        over["seeds"] = tuple(int(s) for s in args.seeds.split(","))
    if args.primary_multi_task:
        over["primary_multi_task"] = True
    if args.primary_seeds:
        over["primary_seeds"] = tuple(int(s) for s in args.primary_seeds.split(","))
    if args.tasks:
        over["tasks"] = tuple(t.strip() for t in args.tasks.split(","))
    if args.no_all_heads:
        over["all_heads"] = False
    if args.task_weight:
        over["task_weights"] = tuple((k.strip(), float(w)) for k, _, w in (o.partition("=") for o in args.task_weight))
    ablation(replace(AblationConfig(), **over), log=lambda m: print(m, flush=True))
