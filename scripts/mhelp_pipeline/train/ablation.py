"""Multi-task vs single-task ablation (issue 3, "single-task ablations"): the same encoder and budget.

Runs of the same encoder (all-MiniLM-L6-v2 truncated to ``layers``, first 128-token window) with the same
optimiser, schedule and batch size:

- ``multi_task``: every head, batches drawn from the whole train split; each example supervises only the
  heads it has labels for (trainer.py's masked losses and task weights);
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
silver labels), a diagnostic; the judge is gold dev.

**Gold.** No run trains on a gold post (the corpus holds none: build-corpus drops gold's near duplicates, and
gold posts still found in the corpus are left out, as gold_cv.py does). After training, every run scores each
gold post whole, as the engine does: every 128-token window (the shipped stride) through the fp32 PyTorch
model; evaluate/ablation.py then decides them with gold_cv.py's cross-fitted calibration (temperature,
window aggregation and thresholds fitted on the other gold folds), the protocol of the headline.

Per-run dev logits are kept in build/ablation/<budget>/<run>-seed<k>.npz and gold window logits in
<run>-seed<k>-gold.npz (git-ignored) so the analysis can be redone without retraining; a run is reused only if its saved config equals the current one. This module
trains the runs (trainer.Trainer, fixed budgets); evaluate/ablation.py compares them and writes
reports/ablation-<budget>.json, one file per budget (the report reads them all).
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from ..core.codebook import Codebook, Task, codebook, reported_headline
from ..core.hardware import hardware
from ..core.io import read_jsonl
from ..core.paths import ABLATION_DIR, CORPUS_DIR, GOLD_DEV, MODELS, base_model_dir
from ..data.gold import load_gold
from ..evaluate.bootstrap import BootstrapConfig
from ..evaluate.metrics import issue_metrics, labelled_rows
from ..model.batching import Encoded, encode, endless_full_batches, load_tokenizer, targets
from ..model.multitask import MultiTaskModel, collect_logits, pretrained_model
from ..runtime.inference import content_windows, wrap
from .trainer import TrainConfig, Trainer, class_weights


@dataclass(frozen=True)
class AblationConfig:
    layers: int = 2
    max_length: int = 128
    stride: int | None = None  # gold windows' overlap in tokens; None: the shipped engine's (models/default)
    batch_size: int = 16
    steps: int = 150  # the 4 runs took ~8 min on 2 busy cores; --steps 400 ~20 min
    epochs: float | None = None  # set: each run makes this many passes over its own pool (steps ignored)
    lr_encoder: float = 8e-5
    lr_heads: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.06
    freeze_word_embeddings: bool = True  # as trainer.py: most weights, little gain, slow on CPU
    class_weight_power: float = 0.5
    max_pos_weight: float = 10.0
    aux_task_weight: float = 0.5
    # loss weight of a task in the multi-task runs, overriding 1.0 (primary) / aux_task_weight, e.g.
    # (("causes", 10.0),): the causes loss is a mean over 10 labels, so beside two cross-entropies it is small
    task_weights: tuple[tuple[str, float], ...] = ()
    threads: int = 2
    device: str = "cpu"  # "cuda" on the lent GPU machine (gpu_run.sh); not part of a run's identity
    seeds: tuple[int, ...] = (0,)
    # Also train MT on the 3 primary heads only (the paper's set-up: no auxiliary datasets), pool = the
    # train examples with any primary label; compared with ST and with the all-heads MT.
    primary_multi_task: bool = False
    # Train ``multi_task`` (every head, auxiliary data too: the shipped recipe). Off: its seeds already saved
    # are still read and compared, no new one is trained (the all-heads run is the slowest).
    all_heads: bool = True
    # seeds of the primary-heads MT run (None: ``seeds``); its comparisons use the seeds both sides have
    primary_seeds: tuple[int, ...] | None = None
    tasks: tuple[str, ...] = field(default_factory=lambda: codebook().primary)  # the single-task runs
    bootstrap: BootstrapConfig = field(default_factory=BootstrapConfig)


def budget_label(cfg: AblationConfig) -> str:
    """Names the runs' folder and the report JSON; encoders other than the 2-layer default are named too."""
    label = f"{cfg.epochs:g}epochs" if cfg.epochs is not None else f"{cfg.steps}steps"
    label = label if cfg.layers == 2 else f"{label}-L{cfg.layers}"
    return label + "".join(f"-w{k}{w:g}" for k, w in cfg.task_weights)


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
    task_w = {t.key: 1.0 if t.primary else cfg.aux_task_weight for t in cb_run.tasks}
    if len(cb_run.tasks) > 1:  # a single-task run has one loss: a weight would only rescale it
        task_w.update((k, w) for k, w in cfg.task_weights if k in task_w)
    trainer = Trainer(cb_run, model, tr, weights, task_w, cfg.device, log)
    trainer.log_every = 100
    opt, sched = trainer.optimiser(cfg, steps)
    at_checkpoint = lambda step: on_checkpoint(step, model) if step in checkpoints else None  # noqa: E731
    secs = trainer.train_steps(opt, sched, steps, endless_full_batches(tr, cfg.batch_size, rng, pool=pool),
                               at_checkpoint)
    return model, secs


def predictions(task: Task, logits: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Uncalibrated decisions, identical for every run: argmax / sigmoid >= 0.5; score = p(labels[1])."""
    if task.kind == "single_label":
        score = None
        if task.n == 2:
            score = 1 / (1 + np.exp(-(logits[:, 1] - logits[:, 0])))
        return logits.argmax(1), score
    return (logits > 0).astype(int), None


@lru_cache(maxsize=4)
def gold_posts(corpus_dir: Path = CORPUS_DIR, gold_path: Path = GOLD_DEV) -> tuple[list[dict], int]:
    """The gold posts no run can have trained on (gold_cv.in_corpus), and how many were left out. Cached: training
    (run_all) and the comparison (evaluate/ablation.py) read the same files in one invocation, and the
    near-duplicate search over the corpus is the slow part; callers do not modify the list."""
    from ..evaluate.gold_cv import in_corpus  # evaluate imports train: resolved at call time

    gold = load_gold(gold_path)
    if gold is None:
        raise FileNotFoundError(f"{gold_path} is absent: the ablation is judged on gold dev "
                                "(../shared/data/gold/dev.jsonl, see ../shared/data/MANIFEST.md)")
    seen = in_corpus(gold, corpus_dir)
    return [r for r, s in zip(gold, seen) if not s], int(seen.sum())


def shipped_stride() -> int:
    """The engine's window overlap (models/default/model.json): gold posts are scored whole, as it scores them."""
    return int(json.loads((MODELS / "default" / "model.json").read_text())["stride"])


def window_logits(model: MultiTaskModel, texts: list[str], tok, max_length: int, stride: int,
                  batch_size: int = 64) -> dict[str, np.ndarray]:
    """Every window of every text (content_windows + wrap, as the engine cuts them) through the model in fp32:
    ``{head: [all windows, n]}`` in post order, plus ``windows`` (windows per post) and ``weights`` (each
    window's content tokens, the aggregation weights). Padding in a batch does not change fp32 logits."""
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    wins = [[wrap(w, cls, sep) for w in content_windows(tok.encode(t, add_special_tokens=False).ids, max_length,
                                                          stride)] for t in texts]
    flat = [w for ws in wins for w in ws]
    model.eval()
    device = str(next(model.parameters()).device)
    out: dict[str, list[np.ndarray]] = {}
    with torch.no_grad():
        for i in range(0, len(flat), batch_size):
            chunk = flat[i:i + batch_size]
            width = max(len(w) for w in chunk)
            ids = torch.tensor([w + [0] * (width - len(w)) for w in chunk], device=device)
            mask = torch.tensor([[1] * len(w) + [0] * (width - len(w)) for w in chunk], device=device)
            for k, v in model(ids, mask).items():
                out.setdefault(k, []).append(v.float().cpu().numpy())
    return {**{k: np.concatenate(v) for k, v in out.items()}, "windows": np.array([len(w) for w in wins]),
            "weights": np.array([len(w) - 2 for w in flat])}


def per_post_windows(saved: dict[str, np.ndarray], heads: list[str]) -> tuple[list[dict], list[list[int]]]:
    """window_logits' flat arrays back to gold_cv's shape: per post ``{head: [windows, n]}`` and its weights."""
    ends = np.cumsum(saved["windows"])
    starts = ends - saved["windows"]
    return ([{k: saved[k][a:b] for k in heads} for a, b in zip(starts, ends)],
            [saved["weights"][a:b].tolist() for a, b in zip(starts, ends)])


def run_dir(cfg: AblationConfig) -> Path:
    return ABLATION_DIR / budget_label(cfg)


def _run_config(cfg: AblationConfig, seed: int) -> str:
    """What a saved run depends on: the config without the seed list (adding seeds keeps old runs) + its seed."""
    d = {k: v for k, v in asdict(cfg).items()
         if k not in ("seeds", "bootstrap", "primary_multi_task", "primary_seeds", "device", "all_heads")
         and not (k == "stride" and v is None)  # the shipped stride: runs saved before the field keep matching
         and not (k == "task_weights" and not v)}
    return json.dumps({**d, "seed": seed}, sort_keys=True)


def _headlines(cb_run: Codebook, logits: dict[str, np.ndarray], dv: Encoded) -> dict[str, float]:
    out = {}
    for t in cb_run.tasks:
        if not t.primary:
            continue
        y, mask = targets(t, dv)
        pred, _ = predictions(t, logits[t.key])
        out[t.key] = issue_metrics(t, pred, y, mask, None).get(reported_headline(t))
    return out


def run_all(cfg: AblationConfig = AblationConfig(), corpus_dir: Path = CORPUS_DIR, out_dir: Path | None = None,
            log=print, gold_path: Path = GOLD_DEV) -> dict[str, dict[int, dict[str, np.ndarray]]]:
    """Train (or reuse) every run for every seed, seed-major, so an interrupted sweep leaves whole seeds."""
    out_dir = out_dir or run_dir(cfg)
    torch.set_num_threads(cfg.threads)
    cb = codebook()
    tok = load_tokenizer(base_model_dir() / "tokenizer.json")
    tr = encode(read_jsonl(corpus_dir / "train.jsonl"), tok, cb, cfg.max_length)
    dv = encode(read_jsonl(corpus_dir / "dev.jsonl"), tok, cb, cfg.max_length)
    gold, _ = gold_posts(corpus_dir, gold_path)
    stride = shipped_stride() if cfg.stride is None else cfg.stride
    weights = class_weights(cb, tr, TrainConfig(class_weight_power=cfg.class_weight_power,
                                                 max_pos_weight=cfg.max_pos_weight), cfg.device)
    runs = {"multi_task": (cb, np.arange(len(tr.ids)))}
    for key in cfg.tasks:
        t = cb.task(key)
        runs[f"single_{key}"] = (Codebook(cb.version, (t,)), labelled_rows(*targets(t, tr)))
    if cfg.primary_multi_task:
        prim = tuple(cb.task(k) for k in cb.primary)  # all three, whichever tasks have single-task runs
        pool = np.unique(np.concatenate([labelled_rows(*targets(t, tr)) for t in prim]))
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
            gold_path = out_dir / f"{name}-seed{seed}-gold.npz"
            if (path.exists() and meta_path.exists() and gold_path.exists()
                    and json.loads(meta_path.read_text())["config"] == cfg_json):
                log(f"{name} seed {seed}: reusing {path.name}")
                logits[name][seed] = dict(np.load(path))
                continue
            if name == "multi_task" and not cfg.all_heads:
                continue  # only its saved seeds take part
            per_epoch = len(pool) / cfg.batch_size
            log(f"{name} seed {seed}: {run_steps(cfg, len(pool))} steps x {cfg.batch_size} from {len(pool)} "
                f"train examples")
            curve: list[dict] = []

            def score(step: int, model: MultiTaskModel) -> None:
                lg = collect_logits(model, dv)
                curve.append({"step": step, "epoch": round(step / per_epoch, 3), "headline": _headlines(cb_run, lg, dv)})
                log(f"  dev at step {step}: " + " ".join(f"{k}={v:.3f}" for k, v in curve[-1]["headline"].items()))
                logits[name][seed] = lg

            model, secs = train_run(cb_run, tr, pool, weights, cfg, seed, score, log)
            np.savez(path, **logits[name][seed])
            np.savez(gold_path, **window_logits(model, [r["text"] for r in gold], tok, cfg.max_length, stride))
            meta_path.write_text(json.dumps({"config": cfg_json, "train_seconds": round(secs, 1), "pool": int(len(pool)),
                                             "hardware": hardware(cfg.device, cfg.threads),
                                             "steps": run_steps(cfg, len(pool)), "curve": curve}))
    return {name: by_seed for name, by_seed in logits.items() if by_seed}
