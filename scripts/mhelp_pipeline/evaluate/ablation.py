"""Multi-task vs single-task ablation, the comparison -> reports/ablation-<budget>.json (the ``ablation`` command).

train/ablation.py trains (or reuses) the runs: multi-task, one single-task run per primary task and optionally
multi-task on the primary heads only, at equal steps or equal epochs, for several seeds (its docstring says
why). Here each run's final dev logits are decided identically (argmax / 0.5, no calibration) and scored with
the issue's metrics, averaged over seeds, with 95 % bootstrap intervals of the seed mean over dev posts and
paired bootstrap tests between runs on the same resampled posts (evaluate/bootstrap.py); the per-seed
differences show training noise. Dev = the corpus dev split (primary heads on silver labels); gold-dev
comparisons are gold_cv.py's.
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
from ..core.paths import CORPUS_DIR, REPORTS, base_model_dir
from ..model.batching import encode, load_tokenizer, targets
from ..train.ablation import AblationConfig, budget_label, predictions, run_all, run_dir
from .bootstrap import bootstrap_ci, paired_bootstrap, resampled_metric
from .metrics import COMPARED_METRICS, issue_metrics, labelled_rows


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


def analyse(logits: dict[str, dict[int, dict[str, np.ndarray]]], cfg: AblationConfig = AblationConfig(),
            corpus_dir: Path = CORPUS_DIR, runs_dir: Path | None = None) -> dict:
    runs_dir = runs_dir or run_dir(cfg)
    cb = codebook()
    dv_recs = read_jsonl(corpus_dir / "dev.jsonl")
    tok = load_tokenizer(base_model_dir() / "tokenizer.json")
    dv = encode(dv_recs, tok, cb, cfg.max_length)
    # MT and the ST runs are compared on the seeds all of them have (``seeds``, the config's); the primary-heads
    # MT run may have fewer, and each of its comparisons uses the seeds both sides have.
    seeds = sorted(set.intersection(*(set(by_seed) for name, by_seed in logits.items() if name != "multi_task_primary")))
    run_seeds = {name: [s for s in sorted(by_seed) if name == "multi_task_primary" or s in seeds]
                 for name, by_seed in logits.items()}
    res: dict = {"config": {**asdict(cfg), "seeds": seeds}, "budget": budget_label(cfg),
                 "dev": "corpus dev split (primary heads on silver labels)", "runs": {}, "comparisons": {},
                 "multi_task_aux": {}}
    for name in logits:
        per_seed, pool = {}, None
        for seed in run_seeds[name]:
            p = runs_dir / f"{name}-seed{seed}.json"
            meta = json.loads(p.read_text()) if p.exists() else {}
            per_seed[seed] = {k: meta.get(k) for k in ("train_seconds", "steps", "curve", "hardware")}
            pool = meta.get("pool")
        res["runs"][name] = {"train_pool": pool, "batch_size": cfg.batch_size, "seeds": per_seed, "metrics": {}}
    for key in cfg.tasks:
        t = cb.task(key)
        y, mask = targets(t, dv)
        rows = labelled_rows(y, mask)
        preds: dict[str, dict[int, tuple]] = {}
        for name in [n for n in ("multi_task", "multi_task_primary") if n in logits] + [f"single_{key}"]:
            preds[name] = {s: predictions(t, logits[name][s][key]) for s in run_seeds[name]}
            per_seed = [issue_metrics(t, pred, y, mask, score) for pred, score in preds[name].values()]
            names = [k for k in ("accuracy", "precision", "recall", "f1", "auroc", "macro_f1", "micro_f1", "weighted_f1")
                     if k in per_seed[0]]
            res["runs"][name]["metrics"][key] = {
                "n": per_seed[0]["n"],
                **{k: float(np.mean([m[k] for m in per_seed])) for k in names},  # seed means
                "per_seed": {k: [float(m[k]) for m in per_seed] for k in names},
                # seed-mean F1 per label and the label's dev positives: macro-F1 moves with the rare labels
                **({"f1_per_label": {lab: float(np.mean([m["f1_per_label"].get(lab, np.nan) for m in per_seed]))
                                     for lab in per_seed[0]["f1_per_label"]},
                    "dev_positives": _positives(t, y, mask)} if "f1_per_label" in per_seed[0] else {}),
                "ci": {metric: bootstrap_ci(_seed_mean_metric(t, metric, list(preds[name].values()), y, mask, rows),
                                            len(rows), cfg.bootstrap) for metric in COMPARED_METRICS[key]},
            }
        def compare(a: str, b: str) -> dict:
            both = [s for s in preds[a] if s in preds[b]]
            ma, mb = res["runs"][a]["metrics"][key], res["runs"][b]["metrics"][key]
            at = lambda name, s: run_seeds[name].index(s)  # noqa: E731  position of seed s in a run's lists
            return {
                "headline": reported_headline(t), "n": int(len(rows)), "seeds": both,
                **{metric: {**paired_bootstrap(_seed_mean_metric(t, metric, [preds[a][s] for s in both], y, mask, rows),
                                               _seed_mean_metric(t, metric, [preds[b][s] for s in both], y, mask, rows),
                                               len(rows), cfg.bootstrap),
                            "per_seed_diff": [ma["per_seed"][metric][at(a, s)] - mb["per_seed"][metric][at(b, s)]
                                              for s in both]}
                   for metric in COMPARED_METRICS[key]},
            }

        res["comparisons"][key] = compare("multi_task", f"single_{key}")
        if "multi_task_primary" in preds:  # a - b for each named pair
            res.setdefault("other_comparisons", {}).setdefault("multi_task_primary - single", {})[key] = \
                compare("multi_task_primary", f"single_{key}")
            res["other_comparisons"].setdefault("multi_task - multi_task_primary", {})[key] = \
                compare("multi_task", "multi_task_primary")
    for t in cb.tasks:
        if t.key in cfg.tasks:
            continue
        y, mask = targets(t, dv)
        vals = [issue_metrics(t, predictions(t, logits["multi_task"][s][t.key])[0], y, mask).get("weighted_f1")
                for s in seeds]
        mean = None if any(v is None for v in vals) else float(np.mean(vals))  # None: no dev labels
        res["multi_task_aux"][t.key] = {"n": int(len(labelled_rows(y, mask))), "weighted_f1": mean, "per_seed": vals}
    return res


def ablation(cfg: AblationConfig = AblationConfig(), out: Path | None = None, log=print) -> dict:
    t0 = time.time()
    logits = run_all(cfg, log=log)
    res = analyse(logits, cfg)
    res["wall_seconds_this_invocation"] = round(time.time() - t0, 1)
    res["date"] = time.strftime("%Y-%m-%d")
    (out or report_path(cfg)).write_text(json.dumps(res, indent=1) + "\n")
    for key, c in res["comparisons"].items():
        h = c[c["headline"]]
        log(f"{key}: MT - ST {c['headline']} = {h['diff']:+.4f} [{h['ci_low']:+.4f}, {h['ci_high']:+.4f}] "
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


def run(args: argparse.Namespace) -> None:
    over = {k: v for k, v in {"steps": args.steps, "epochs": args.epochs, "layers": args.layers,
                              "device": args.device}.items() if v is not None}
    if args.seeds:
        over["seeds"] = tuple(int(s) for s in args.seeds.split(","))
    if args.primary_multi_task:
        over["primary_multi_task"] = True
    if args.primary_seeds:
        over["primary_seeds"] = tuple(int(s) for s in args.primary_seeds.split(","))
    ablation(replace(AblationConfig(), **over), log=lambda m: print(m, flush=True))
