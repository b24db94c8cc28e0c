"""Multi-task vs single-task ablation at a reduced, equal budget (issue 3, "single-task ablations").

Four runs of the same encoder (all-MiniLM-L6-v2 truncated to ``layers``, first 128-token window) with the
same optimiser, schedule, batch size and number of steps, so each run sees exactly
``steps * batch_size`` training examples:

- ``multi_task``: every head, batches drawn from the whole train split; each example supervises only the
  heads it has labels for (train.py's masked losses and task weights);
- ``single_<task>`` for help_seeking, condition, causes: one head, batches drawn only from the train
  examples that carry that task's label.

The budget is deliberately small (a few minutes per run on 2 shared CPU cores) and there is one seed per
run, so this measures "multi-task vs single-task at an equal small budget", not the converged models of
the paper; bootstrap intervals cover dev-sampling noise only, not seed-to-seed training noise. No early
stopping (one evaluation at the end) and no calibration: single-label heads use argmax, multi-label heads
0.5, identically for every run. Dev = the weak-label dev split (gold dev is absent on this machine).

Per-run dev logits are kept in build/ablation/<N>steps/<run>.npz (git-ignored) so the analysis can be
redone without retraining; a run is reused only if its saved config equals the current one. Results go to
reports/ablation-<N>steps.json, one file per budget.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from .batching import Encoded, encode, load_tokenizer, make_batch, read_jsonl
from .bootstrap import BootstrapConfig, bootstrap_ci, paired_bootstrap
from .codebook import Codebook, Task, codebook
from .metrics import IGNORE, headline_name, issue_metrics
from .model import MultiTaskModel
from .optimisation import optimiser_and_schedule, pretrained_model, update
from .paths import BUILD, CORPUS_DIR, REPORTS, base_model_dir
from .train import TrainConfig, _class_weights, collect_logits, task_losses

PRIMARY = ("help_seeking", "condition", "causes")
# Metrics compared between runs (the first is the headline of metrics.HEADLINE).
COMPARED = {"help_seeking": ("f1", "auroc"), "condition": ("accuracy", "macro_f1"), "causes": ("macro_f1", "micro_f1")}


@dataclass(frozen=True)
class AblationConfig:
    layers: int = 2
    max_length: int = 128
    batch_size: int = 16
    steps: int = 150  # the 4 runs took ~8 min on 2 busy cores; --steps 400 ~20 min
    lr_encoder: float = 8e-5
    lr_heads: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.06
    freeze_word_embeddings: bool = True  # as train.py: most weights, little gain, slow on CPU
    class_weight_power: float = 0.5
    max_pos_weight: float = 10.0
    aux_task_weight: float = 0.5
    threads: int = 2
    seed: int = 0
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


def train_run(cb_run: Codebook, tr: Encoded, pool: np.ndarray, weights: dict, cfg: AblationConfig, log) -> tuple[MultiTaskModel, float]:
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    model = pretrained_model(cb_run, cfg.layers, cfg.freeze_word_embeddings)
    opt, sched = optimiser_and_schedule(model, cfg.lr_encoder, cfg.lr_heads, cfg.weight_decay, cfg.steps, cfg.warmup_fraction)
    task_w = {t.key: 1.0 if t.primary else cfg.aux_task_weight for t in cb_run.tasks}
    t0 = time.time()
    it = _batches(tr, pool, cfg, rng)
    for step in range(1, cfg.steps + 1):
        model.train()
        b = make_batch(tr, next(it))
        losses = task_losses(cb_run, model(b["input_ids"], b["attention_mask"]), b, weights)
        loss = sum(task_w[k] * v for k, v in losses.items())
        update(model, opt, sched, loss)
        if step % 50 == 0:
            log(f"  step {step}/{cfg.steps} loss {loss.item():.3f} {time.time() - t0:.0f}s")
    return model, time.time() - t0


def predictions(task: Task, logits: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Uncalibrated decisions, identical for every run: argmax / sigmoid >= 0.5; score = p(labels[1])."""
    if task.kind == "single_label":
        score = None
        if task.n == 2:
            score = 1 / (1 + np.exp(-(logits[:, 1] - logits[:, 0])))
        return logits.argmax(1), score
    return (logits > 0).astype(int), None


def _targets(task: Task, enc: Encoded) -> tuple[np.ndarray, np.ndarray | None]:
    if task.kind == "single_label":
        return np.array(enc.single[task.key]), None
    return np.array(enc.multi[task.key]), np.array(enc.multi_mask[task.key])


def _metric_fn(task: Task, name: str, pred, y, mask, score, rows: np.ndarray):
    """metric(ix) on rows[ix]; AUROC only when asked (it is the slow one)."""
    def fn(ix: np.ndarray) -> float:
        r = rows[ix]
        m = issue_metrics(task, pred[r], y[r], None if mask is None else mask[r],
                          None if score is None or name != "auroc" else score[r])
        return float(m.get(name, float("nan")))
    return fn


def run_dir(cfg: AblationConfig) -> Path:
    return BUILD / "ablation" / f"{cfg.steps}steps"


def report_path(cfg: AblationConfig) -> Path:
    """One JSON per budget, so budgets can be compared (report.py reads every reports/ablation-*.json)."""
    return REPORTS / f"ablation-{cfg.steps}steps.json"


def run_all(cfg: AblationConfig = AblationConfig(), corpus_dir: Path = CORPUS_DIR, out_dir: Path | None = None,
            log=print) -> dict[str, dict[str, np.ndarray]]:
    out_dir = out_dir or run_dir(cfg)
    torch.set_num_threads(cfg.threads)
    cb = codebook()
    tok = load_tokenizer(base_model_dir() / "tokenizer.json")
    tr = encode(read_jsonl(corpus_dir / "train.jsonl"), tok, cb, cfg.max_length)
    dv = encode(read_jsonl(corpus_dir / "dev.jsonl"), tok, cb, cfg.max_length)
    weights = _class_weights(cb, tr, TrainConfig(class_weight_power=cfg.class_weight_power,
                                                 max_pos_weight=cfg.max_pos_weight))
    runs = {"multi_task": (cb, np.arange(len(tr.ids)))}
    for key in cfg.tasks:
        t = cb.task(key)
        runs[f"single_{key}"] = (Codebook(cb.version, (t,)), _labelled(t, tr))
    out_dir.mkdir(parents=True, exist_ok=True)
    cfg_json = json.dumps(asdict(cfg), sort_keys=True)
    logits: dict[str, dict[str, np.ndarray]] = {}
    for name, (cb_run, pool) in runs.items():
        path = out_dir / f"{name}.npz"
        if path.exists() and (out_dir / f"{name}.json").exists() and \
                json.loads((out_dir / f"{name}.json").read_text())["config"] == cfg_json:
            log(f"{name}: reusing {path.name}")
            logits[name] = dict(np.load(path))
            continue
        log(f"{name}: {cfg.steps} steps x {cfg.batch_size} from {len(pool)} train examples")
        model, secs = train_run(cb_run, tr, pool, weights, cfg, log)
        logits[name] = collect_logits(model, dv)
        np.savez(path, **logits[name])
        (out_dir / f"{name}.json").write_text(json.dumps({"config": cfg_json, "train_seconds": round(secs, 1),
                                                          "pool": int(len(pool))}))
    return logits


def analyse(logits: dict[str, dict[str, np.ndarray]], cfg: AblationConfig = AblationConfig(),
            corpus_dir: Path = CORPUS_DIR, runs_dir: Path | None = None) -> dict:
    runs_dir = runs_dir or run_dir(cfg)
    cb = codebook()
    dv_recs = read_jsonl(corpus_dir / "dev.jsonl")
    tok = load_tokenizer(base_model_dir() / "tokenizer.json")
    dv = encode(dv_recs, tok, cb, cfg.max_length)
    res: dict = {"config": asdict(cfg), "dev": "weak-label dev split (gold dev absent on this machine)",
                 "runs": {}, "comparisons": {}, "multi_task_aux": {}}
    for name in logits:
        meta = json.loads((runs_dir / f"{name}.json").read_text()) if (runs_dir / f"{name}.json").exists() else {}
        res["runs"][name] = {"train_seconds": meta.get("train_seconds"), "train_pool": meta.get("pool"),
                             "examples_seen": cfg.steps * cfg.batch_size, "metrics": {}}
    for key in cfg.tasks:
        t = cb.task(key)
        y, mask = _targets(t, dv)
        rows = _labelled(t, dv)
        preds = {}
        for name in ("multi_task", f"single_{key}"):
            pred, score = predictions(t, logits[name][key])
            preds[name] = (pred, score)
            m = issue_metrics(t, pred, y, mask, score)
            res["runs"][name]["metrics"][key] = {
                "n": m["n"], **{k: m.get(k) for k in ("accuracy", "precision", "recall", "f1", "auroc", "macro_f1",
                                                       "micro_f1", "weighted_f1") if k in m},
                "ci": {metric: bootstrap_ci(_metric_fn(t, metric, pred, y, mask, score, rows), len(rows), cfg.bootstrap)
                       for metric in COMPARED[key]},
            }
        (pa, sa), (pb, sb) = preds["multi_task"], preds[f"single_{key}"]
        res["comparisons"][key] = {
            "headline": headline_name(t), "n": int(len(rows)),
            **{metric: paired_bootstrap(_metric_fn(t, metric, pa, y, mask, sa, rows),
                                        _metric_fn(t, metric, pb, y, mask, sb, rows), len(rows), cfg.bootstrap)
               for metric in COMPARED[key]},
        }
    for t in cb.tasks:
        if t.key in cfg.tasks:
            continue
        y, mask = _targets(t, dv)
        pred, score = predictions(t, logits["multi_task"][t.key])
        m = issue_metrics(t, pred, y, mask, score)
        res["multi_task_aux"][t.key] = {"n": m["n"], "weighted_f1": m.get("weighted_f1")}
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
        log(f"{key}: MT - ST {c['headline']} = {h['diff']:+.4f} [{h['ci_low']:+.4f}, {h['ci_high']:+.4f}] p={h['p_value']:.3f}")
    return res
