"""Multi-task vs single-task ablation (issue 3, "single-task ablations"): the same encoder and budget.

Runs of the same encoder (all-MiniLM-L6-v2 truncated to ``layers``, first 128-token window) with the same
optimiser, schedule and batch size:

- ``multi_task``: every head, batches drawn from the whole train split; each example supervises only the
  heads it has labels for (train.py's masked losses and task weights);
- ``single_<task>`` for help_seeking, condition, causes: one head, batches drawn only from the train
  examples that carry that task's label;
- optionally ``multi_task_primary`` (``--primary-multi-task``): the 3 primary heads only, batches from the
  train examples with any primary label — the paper's set-up, which has no auxiliary datasets.

Two budgets, because "the same budget" has two honest readings when the tasks' data differ in size:

- ``steps`` (equal compute): every run takes ``steps`` optimizer steps of ``batch_size`` examples. MT then
  sees fewer examples of each task than the ST run for that task (its batches are shared by 9 heads).
- ``epochs`` (equal passes over the labelled data, the paper's setting, where all tasks share the posts):
  every run makes ``epochs`` passes over its own pool, so each labelled example of a task is seen equally
  often by MT and by that task's ST run; MT takes more steps (its pool is the whole train split). This is
  the converged comparison: the dev headline is recorded after every epoch to show where it flattens.

Several seeds per run (``seeds``): each seed changes the head initialisation, batch order and dropout.
The comparison averages each metric over seeds, and its paired bootstrap resamples dev posts for that
seed average (so the interval covers dev sampling noise of the seed mean); the per-seed differences show
training noise. No early stopping (the final model is evaluated) and no calibration: single-label heads
use argmax, multi-label heads 0.5, identically for every run. Dev = the corpus dev split (primary heads on
silver labels); gold-dev comparisons are gold_cv.py's.

Per-run dev logits are kept in build/ablation/<budget>/<run>-seed<k>.npz (git-ignored) so the analysis can
be redone without retraining; a run is reused only if its saved config equals the current one. Results go
to reports/ablation-<budget>.json, one file per budget (report.py reads them all).
"""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from .batching import Encoded, encode, load_tokenizer, make_batch, read_jsonl, targets
from .bootstrap import BootstrapConfig, bootstrap_ci, paired_bootstrap
from .codebook import Codebook, Task, codebook
from .metrics import IGNORE, headline_name, issue_metrics
from .model import MultiTaskModel
from .optimisation import optimiser_and_schedule, pretrained_model, update
from .paths import BUILD, CORPUS_DIR, REPORTS, base_model_dir
from .train import TrainConfig, _class_weights, collect_logits, hardware, task_losses

PRIMARY = ("help_seeking", "condition", "causes")
# Metrics compared between runs (the first is the headline of metrics.HEADLINE).
COMPARED = {"help_seeking": ("f1", "auroc"), "condition": ("accuracy", "macro_f1"), "causes": ("macro_f1", "micro_f1")}


@dataclass(frozen=True)
class AblationConfig:
    layers: int = 2
    max_length: int = 128
    batch_size: int = 16
    steps: int = 150  # the 4 runs took ~8 min on 2 busy cores; --steps 400 ~20 min
    epochs: float | None = None  # set: each run makes this many passes over its own pool (steps ignored)
    lr_encoder: float = 8e-5
    lr_heads: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.06
    freeze_word_embeddings: bool = True  # as train.py: most weights, little gain, slow on CPU
    class_weight_power: float = 0.5
    max_pos_weight: float = 10.0
    aux_task_weight: float = 0.5
    threads: int = 2
    device: str = "cpu"  # "cuda" on the lent GPU machine (gpu_run.sh); not part of a run's identity
    seeds: tuple[int, ...] = (0,)
    # Also train MT on the 3 primary heads only (the paper's set-up: no auxiliary datasets), pool = the
    # train examples with any primary label; compared with ST and with the all-heads MT.
    primary_multi_task: bool = False
    # seeds of the primary-heads MT run (None: ``seeds``); its comparisons use the seeds both sides have
    primary_seeds: tuple[int, ...] | None = None
    tasks: tuple[str, ...] = PRIMARY
    bootstrap: BootstrapConfig = field(default_factory=BootstrapConfig)


def _labelled(task: Task, enc: Encoded) -> np.ndarray:
    if task.kind == "single_label":
        return np.flatnonzero(np.array(enc.single[task.key]) != IGNORE)
    return np.flatnonzero(np.array(enc.multi_mask[task.key]).sum(1) > 0)


def _batches(enc: Encoded, pool: np.ndarray, cfg: AblationConfig, rng: random.Random):
    """Endless length-bucketed batches from ``pool`` (reshuffled each pass), as batching.bucketed_batches."""
    while True:
        order = list(map(int, pool))
        rng.shuffle(order)
        mega = cfg.batch_size * 50
        batches = []
        for s in range(0, len(order), mega):
            chunk = sorted(order[s : s + mega], key=lambda i: len(enc.ids[i]))
            batches.extend(chunk[j : j + cfg.batch_size] for j in range(0, len(chunk), cfg.batch_size))
        rng.shuffle(batches)
        yield from (b for b in batches if len(b) == cfg.batch_size)  # equal examples per step in every run


def budget_label(cfg: AblationConfig) -> str:
    """Names the runs' folder and the report JSON; encoders other than the 2-layer default are named too."""
    label = f"{cfg.epochs:g}epochs" if cfg.epochs is not None else f"{cfg.steps}steps"
    return label if cfg.layers == 2 else f"{label}-L{cfg.layers}"


def run_steps(cfg: AblationConfig, pool_size: int) -> int:
    if cfg.epochs is None:
        return cfg.steps
    return max(1, math.ceil(cfg.epochs * pool_size / cfg.batch_size))


def checkpoint_steps(cfg: AblationConfig, pool_size: int) -> list[int]:
    """Steps after which dev is scored for the learning curve: every whole epoch, and the last step."""
    total = run_steps(cfg, pool_size)
    if cfg.epochs is None:
        return [total]
    per_epoch = pool_size / cfg.batch_size
    return sorted({min(total, math.ceil(e * per_epoch)) for e in range(1, math.ceil(cfg.epochs))} | {total})


def train_run(cb_run: Codebook, tr: Encoded, pool: np.ndarray, weights: dict, cfg: AblationConfig, seed: int,
              on_checkpoint, log) -> tuple[MultiTaskModel, float]:
    """Train one run; ``on_checkpoint(step, model)`` is called at checkpoint_steps (the last one included)."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    steps = run_steps(cfg, len(pool))
    checkpoints = set(checkpoint_steps(cfg, len(pool)))
    model = pretrained_model(cb_run, cfg.layers, cfg.freeze_word_embeddings).to(cfg.device)
    opt, sched = optimiser_and_schedule(model, cfg.lr_encoder, cfg.lr_heads, cfg.weight_decay, steps, cfg.warmup_fraction)
    task_w = {t.key: 1.0 if t.primary else cfg.aux_task_weight for t in cb_run.tasks}
    t0, scoring = time.time(), 0.0
    it = _batches(tr, pool, cfg, rng)
    for step in range(1, steps + 1):
        model.train()
        b = make_batch(tr, next(it), cfg.device)
        losses = task_losses(cb_run, model(b["input_ids"], b["attention_mask"]), b, weights)
        loss = sum(task_w[k] * v for k, v in losses.items())
        update(model, opt, sched, loss)
        if step % 100 == 0:
            log(f"  step {step}/{steps} loss {loss.item():.3f} {time.time() - t0:.0f}s")
        if step in checkpoints:
            s0 = time.time()
            on_checkpoint(step, model)
            scoring += time.time() - s0
    return model, time.time() - t0 - scoring


def predictions(task: Task, logits: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Uncalibrated decisions, identical for every run: argmax / sigmoid >= 0.5; score = p(labels[1])."""
    if task.kind == "single_label":
        score = None
        if task.n == 2:
            score = 1 / (1 + np.exp(-(logits[:, 1] - logits[:, 0])))
        return logits.argmax(1), score
    return (logits > 0).astype(int), None


def _metric_fn(task: Task, name: str, pred, y, mask, score, rows: np.ndarray):
    """metric(ix) on rows[ix]; AUROC only when asked (it is the slow one)."""
    def fn(ix: np.ndarray) -> float:
        r = rows[ix]
        m = issue_metrics(task, pred[r], y[r], None if mask is None else mask[r],
                          None if score is None or name != "auroc" else score[r])
        return float(m.get(name, float("nan")))
    return fn


def run_dir(cfg: AblationConfig) -> Path:
    return BUILD / "ablation" / budget_label(cfg)


def report_path(cfg: AblationConfig) -> Path:
    """One JSON per budget, so budgets can be compared (report.py reads every reports/ablation-*.json)."""
    return REPORTS / f"ablation-{budget_label(cfg)}.json"


def _run_config(cfg: AblationConfig, seed: int) -> str:
    """What a saved run depends on: the config without the seed list (adding seeds keeps old runs) + its seed."""
    d = {k: v for k, v in asdict(cfg).items()
         if k not in ("seeds", "bootstrap", "primary_multi_task", "primary_seeds", "device")}
    return json.dumps({**d, "seed": seed}, sort_keys=True)


def _headlines(cb_run: Codebook, logits: dict[str, np.ndarray], dv: Encoded) -> dict[str, float]:
    out = {}
    for t in cb_run.tasks:
        if not t.primary:
            continue
        y, mask = targets(t, dv)
        pred, _ = predictions(t, logits[t.key])
        out[t.key] = issue_metrics(t, pred, y, mask, None).get(headline_name(t))
    return out


def run_all(cfg: AblationConfig = AblationConfig(), corpus_dir: Path = CORPUS_DIR, out_dir: Path | None = None,
            log=print) -> dict[str, dict[int, dict[str, np.ndarray]]]:
    """Train (or reuse) every run for every seed, seed-major, so an interrupted sweep leaves whole seeds."""
    out_dir = out_dir or run_dir(cfg)
    torch.set_num_threads(cfg.threads)
    cb = codebook()
    tok = load_tokenizer(base_model_dir() / "tokenizer.json")
    tr = encode(read_jsonl(corpus_dir / "train.jsonl"), tok, cb, cfg.max_length)
    dv = encode(read_jsonl(corpus_dir / "dev.jsonl"), tok, cb, cfg.max_length)
    weights = _class_weights(cb, tr, TrainConfig(class_weight_power=cfg.class_weight_power,
                                                 max_pos_weight=cfg.max_pos_weight), cfg.device)
    runs = {"multi_task": (cb, np.arange(len(tr.ids)))}
    for key in cfg.tasks:
        t = cb.task(key)
        runs[f"single_{key}"] = (Codebook(cb.version, (t,)), _labelled(t, tr))
    if cfg.primary_multi_task:
        prim = tuple(cb.task(k) for k in cfg.tasks)
        pool = np.unique(np.concatenate([_labelled(t, tr) for t in prim]))
        runs["multi_task_primary"] = (Codebook(cb.version, prim), pool)
    out_dir.mkdir(parents=True, exist_ok=True)
    logits: dict[str, dict[int, dict[str, np.ndarray]]] = {name: {} for name in runs}
    primary_seeds = cfg.seeds if cfg.primary_seeds is None else cfg.primary_seeds
    for seed in sorted(set(cfg.seeds) | set(primary_seeds if cfg.primary_multi_task else ())):
        cfg_json = _run_config(cfg, seed)
        for name, (cb_run, pool) in runs.items():
            if seed not in (primary_seeds if name == "multi_task_primary" else cfg.seeds):
                continue
            path, meta_path = out_dir / f"{name}-seed{seed}.npz", out_dir / f"{name}-seed{seed}.json"
            if path.exists() and meta_path.exists() and json.loads(meta_path.read_text())["config"] == cfg_json:
                log(f"{name} seed {seed}: reusing {path.name}")
                logits[name][seed] = dict(np.load(path))
                continue
            per_epoch = len(pool) / cfg.batch_size
            log(f"{name} seed {seed}: {run_steps(cfg, len(pool))} steps x {cfg.batch_size} from {len(pool)} "
                f"train examples")
            curve: list[dict] = []

            def score(step: int, model: MultiTaskModel) -> None:
                lg = collect_logits(model, dv)
                curve.append({"step": step, "epoch": round(step / per_epoch, 3), "headline": _headlines(cb_run, lg, dv)})
                log(f"  dev at step {step}: " + " ".join(f"{k}={v:.3f}" for k, v in curve[-1]["headline"].items()))
                logits[name][seed] = lg

            _, secs = train_run(cb_run, tr, pool, weights, cfg, seed, score, log)
            np.savez(path, **logits[name][seed])
            meta_path.write_text(json.dumps({"config": cfg_json, "train_seconds": round(secs, 1), "pool": int(len(pool)),
                                             "hardware": hardware(cfg.device, cfg.threads),
                                             "steps": run_steps(cfg, len(pool)), "curve": curve}))
    return {name: by_seed for name, by_seed in logits.items() if by_seed}


def _positives(task: Task, y: np.ndarray, mask: np.ndarray | None) -> dict[str, int]:
    if task.kind == "single_label":
        return {lab: int((y == i).sum()) for i, lab in enumerate(task.labels)}
    return {lab: int(((y[:, i] > 0) & (mask[:, i] > 0)).sum()) for i, lab in enumerate(task.labels)}


def _seed_mean_metric(task: Task, name: str, preds: list[tuple], y, mask, rows: np.ndarray):
    """metric(ix) averaged over seeds: each seed's predictions scored on the same resampled rows."""
    fns = [_metric_fn(task, name, pred, y, mask, score, rows) for pred, score in preds]
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
        rows = _labelled(t, dv)
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
                                            len(rows), cfg.bootstrap) for metric in COMPARED[key]},
            }
        def compare(a: str, b: str) -> dict:
            both = [s for s in preds[a] if s in preds[b]]
            ma, mb = res["runs"][a]["metrics"][key], res["runs"][b]["metrics"][key]
            at = lambda name, s: run_seeds[name].index(s)  # noqa: E731  position of seed s in a run's lists
            return {
                "headline": headline_name(t), "n": int(len(rows)), "seeds": both,
                **{metric: {**paired_bootstrap(_seed_mean_metric(t, metric, [preds[a][s] for s in both], y, mask, rows),
                                               _seed_mean_metric(t, metric, [preds[b][s] for s in both], y, mask, rows),
                                               len(rows), cfg.bootstrap),
                            "per_seed_diff": [ma["per_seed"][metric][at(a, s)] - mb["per_seed"][metric][at(b, s)]
                                              for s in both]}
                   for metric in COMPARED[key]},
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
        res["multi_task_aux"][t.key] = {"n": int(len(_labelled(t, dv))), "weighted_f1": mean, "per_seed": vals}
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
