"""Training of the multi-task models: the loss, the optimiser and the loop every model here is trained with
(CPU, 2 threads, ~20 minutes for a 3-layer run; ``device="cuda"`` on a lent GPU runs the same loop, see
gpu_transfer.py).

Each example supervises only the heads it has labels for: single-label heads use cross-entropy with
tempered inverse-frequency class weights and ignore_index for missing labels; multi-label heads use BCE
with per-label pos_weight, masked to the (example, label) entries that are known. Task losses are
averaged over their labelled examples and summed with the task weights below, so a task that appears in
few batches is not drowned by one that appears in all.

``Trainer`` owns one step (forward, loss, AdamW update with clipping, linear warm-up then decay) and the
fixed-budget loop; ``train`` (the ``train`` command) runs it for whole epochs with early stopping on the mean
dev selection score (codebook.SELECTION_METRIC: macro-F1 / micro-F1) over all tasks. The students
(distill.DistillationTrainer) and the ablation's runs use the same Trainer, so they differ from ``train``
only in what they optimise, never in how: that is what makes their numbers comparable. Checkpoints are
safetensors + JSON (model/checkpoint.py).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..core.codebook import IGNORE, Codebook, codebook
from ..core.hardware import hardware
from ..core.io import read_jsonl
from ..core.paths import CHECKPOINT_DIR, CORPUS_DIR, base_model_dir
from ..evaluate.metrics import logit_metrics, selection_score
from ..model.batching import Encoded, bucketed_batches, encode, load_tokenizer, make_batch
from ..model.checkpoint import save_checkpoint
from ..model.multitask import MultiTaskModel, collect_logits, config_for, pretrained_model


@dataclass(frozen=True)
class TrainConfig:
    layers: int = 3
    max_length: int = 128
    batch_size: int = 32
    epochs: int = 3
    lr_encoder: float = 8e-5
    lr_heads: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.06
    freeze_word_embeddings: bool = True  # 11.7M of the 17M weights; freezing speeds up CPU steps
    class_weight_power: float = 0.5  # 0 = unweighted, 1 = fully balanced
    max_pos_weight: float = 10.0
    task_weights: dict[str, float] = field(
        default_factory=lambda: {"help_seeking": 1.0, "condition": 1.0, "causes": 1.0}
    )
    aux_task_weight: float = 0.5
    evals_per_epoch: int = 2
    patience: int = 2  # evaluations without improvement before stopping
    max_minutes: float = 22.0  # wall-clock guard for the shipped CPU run
    threads: int = 2
    device: str = "cpu"  # "cuda" on the lent GPU machine (gpu_transfer.py); same loop, same losses
    seed: int = 0
    max_train_examples: int | None = None  # tests use small subsets
    max_dev_examples: int | None = None


# --- the loss ------------------------------------------------------------------------------------------------

def class_weights(cb: Codebook, enc: Encoded, cfg: TrainConfig, device: str = "cpu") -> dict[str, torch.Tensor]:
    """Per-head loss weights (see module docstring), on ``device`` with the model they weight."""
    out = {}
    for t in cb.tasks:
        if t.kind == "single_label":
            y = np.array([v for v in enc.single[t.key] if v != IGNORE], dtype=int)
            counts = np.bincount(y, minlength=t.n).astype(float) if len(y) else np.ones(t.n)
            w = np.where(counts > 0, (counts.sum() / (t.n * np.maximum(counts, 1))) ** cfg.class_weight_power, 0.0)
            w = w / (w[counts > 0].mean() if (counts > 0).any() else 1.0)
            out[t.key] = torch.tensor(w, dtype=torch.float32, device=device)
        else:
            y = np.array(enc.multi[t.key])
            m = np.array(enc.multi_mask[t.key])
            pos = (y * m).sum(0)
            neg = ((1 - y) * m).sum(0)
            pw = np.clip(np.sqrt((neg + 1) / (pos + 1)), 1.0, cfg.max_pos_weight)
            out[t.key] = torch.tensor(pw, dtype=torch.float32, device=device)
    return out


def task_losses(cb: Codebook, logits: dict, batch: dict, weights: dict) -> dict[str, torch.Tensor]:
    """The masked loss of every head that has a label in ``batch`` (heads without one are absent)."""
    losses = {}
    for t in cb.tasks:
        if t.kind == "single_label":
            y = batch["single"][t.key]
            if (y != IGNORE).any():
                losses[t.key] = F.cross_entropy(logits[t.key], y, weight=weights[t.key], ignore_index=IGNORE)
        else:
            m = batch["multi_mask"][t.key]
            if m.sum() > 0:
                raw = F.binary_cross_entropy_with_logits(
                    logits[t.key], batch["multi"][t.key], pos_weight=weights[t.key], reduction="none"
                )
                losses[t.key] = (raw * m).sum() / m.sum()
    return losses


# --- the optimiser -------------------------------------------------------------------------------------------

def optimiser_and_schedule(
    model: MultiTaskModel,
    lr_encoder: float,
    lr_heads: float,
    weight_decay: float,
    total_steps: int,
    warmup_fraction: float,
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """AdamW with a separate learning rate for the heads, linear warm-up then linear decay to 0."""
    # heads start from random weights and need a larger learning rate than the pretrained encoder
    heads = [p for n, p in model.named_parameters() if n.startswith("heads.")]
    encoder = [p for n, p in model.named_parameters() if not n.startswith("heads.") and p.requires_grad]
    opt = torch.optim.AdamW(
        [{"params": encoder, "lr": lr_encoder}, {"params": heads, "lr": lr_heads}], weight_decay=weight_decay
    )
    warm = max(1, int(warmup_fraction * total_steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total_steps - s) / max(1, total_steps - warm)))
    )
    return opt, sched


def update(model: MultiTaskModel, opt: torch.optim.Optimizer, sched, loss: torch.Tensor) -> None:
    """One optimiser step on `loss`, with gradient clipping at norm 1."""
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()


# --- the trainer ---------------------------------------------------------------------------------------------

class Trainer:
    """Trains ``model`` on ``train_set``: one step = forward on a batch, ``compute_loss``, one AdamW update.

    ``weights``: the heads' class / pos weights (``class_weights``); ``task_weights``: each head's weight in
    the sum of losses. The caller seeds torch and builds the model first (the seed fixes the heads' random
    initialisation), then the optimiser (``optimiser``) and the batches; subclasses change ``compute_loss``.
    """

    log_every = 50  # steps between two loss lines in the log

    def __init__(self, cb: Codebook, model: MultiTaskModel, train_set: Encoded, weights: dict[str, torch.Tensor],
                 task_weights: dict[str, float], device: str = "cpu", log=print) -> None:
        self.cb, self.model, self.train_set = cb, model, train_set
        self.weights, self.task_weights, self.device, self.log = weights, task_weights, device, log

    def optimiser(self, cfg, total_steps: int):
        """AdamW and schedule from a config with lr_encoder, lr_heads, weight_decay and warmup_fraction."""
        return optimiser_and_schedule(self.model, cfg.lr_encoder, cfg.lr_heads, cfg.weight_decay, total_steps,
                                      cfg.warmup_fraction)

    def compute_loss(self, batch: dict, idx: list[int]) -> tuple[torch.Tensor, dict[str, float]]:
        """The weighted sum of the heads' masked losses, and its parts for the log (none here)."""
        losses = task_losses(self.cb, self.model(batch["input_ids"], batch["attention_mask"]), batch, self.weights)
        return sum(self.task_weights[k] * v for k, v in losses.items()), {}

    def training_step(self, opt, sched, idx: list[int]) -> tuple[torch.Tensor, dict[str, float]]:
        self.model.train()
        batch = make_batch(self.train_set, idx, self.device)
        loss, parts = self.compute_loss(batch, idx)
        update(self.model, opt, sched, loss)
        return loss, parts

    def step_message(self, step: int, steps: int, loss: torch.Tensor, parts: dict[str, float], seconds: float) -> str:
        return f"  step {step}/{steps} loss {loss.item():.3f} {seconds:.0f}s"

    def train_steps(self, opt, sched, steps: int, batches: Iterator[list[int]], on_step=None) -> float:
        """A fixed budget: ``steps`` steps on the next batches, no early stopping. ``on_step(step)`` runs after
        every step (e.g. dev scoring at checkpoints). Returns the training seconds, ``on_step``'s excluded."""
        t0, outside = time.time(), 0.0
        for step in range(1, steps + 1):
            loss, parts = self.training_step(opt, sched, next(batches))
            if step % self.log_every == 0:
                self.log(self.step_message(step, steps, loss, parts, time.time() - t0))
            if on_step is not None:
                s0 = time.time()
                on_step(step)
                outside += time.time() - s0
        return time.time() - t0 - outside


# --- `train`: epochs, dev evaluations, early stopping -----------------------------------------------------------

def _subset(records: list[dict], n: int | None, seed: int) -> list[dict]:
    if n is None or n >= len(records):
        return records
    return random.Random(seed).sample(records, n)


def train(
    cfg: TrainConfig = TrainConfig(),
    corpus_dir: Path = CORPUS_DIR,
    out: Path = CHECKPOINT_DIR / "best",
    train_records: list[dict] | None = None,
    dev_records: list[dict] | None = None,
    log=print,
) -> dict:
    t_start = time.time()
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    cb = codebook()
    tok = load_tokenizer(base_model_dir() / "tokenizer.json")
    tr_recs = _subset(train_records or read_jsonl(corpus_dir / "train.jsonl"), cfg.max_train_examples, cfg.seed)
    dv_recs = _subset(dev_records or read_jsonl(corpus_dir / "dev.jsonl"), cfg.max_dev_examples, cfg.seed)
    tr, dv = encode(tr_recs, tok, cb, cfg.max_length), encode(dv_recs, tok, cb, cfg.max_length)
    log(f"train {len(tr.ids)} dev {len(dv.ids)} examples; mean tokens {np.mean([len(x) for x in tr.ids]):.1f}")

    mcfg = config_for(cb, layers=cfg.layers)
    model = pretrained_model(cb, cfg.layers, cfg.freeze_word_embeddings).to(cfg.device)
    task_w = {t.key: cfg.task_weights.get(t.key, 1.0 if t.primary else cfg.aux_task_weight) for t in cb.tasks}
    trainer = Trainer(cb, model, tr, class_weights(cb, tr, cfg, cfg.device), task_w, cfg.device, log)

    steps_per_epoch = math.ceil(len(tr.ids) / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    opt, sched = trainer.optimiser(cfg, total)
    eval_every = max(1, steps_per_epoch // cfg.evals_per_epoch)

    best = {"score": -1.0}
    history = []
    bad, step, stop = 0, 0, False
    for epoch in range(cfg.epochs):
        for idx in bucketed_batches(tr, cfg.batch_size, rng):
            loss, _ = trainer.training_step(opt, sched, idx)
            step += 1
            if step % trainer.log_every == 0:
                log(f"step {step}/{total} loss {loss.item():.3f} {time.time() - t_start:.0f}s")
            over_time = (time.time() - t_start) / 60 > cfg.max_minutes
            if step % eval_every == 0 or step == total or over_time:
                logits = collect_logits(model, dv)
                metrics = logit_metrics(cb, logits, dv)
                scores = [selection_score(t, metrics[t.key]) for t in cb.tasks]
                score = float(np.nanmean(scores))
                history.append({"step": step, "epoch": epoch, "score": score,
                                "seconds": round(time.time() - t_start, 1),
                                **{t.key: round(s, 4) for t, s in zip(cb.tasks, scores)}})
                log(f"eval step {step}: mean headline {score:.4f} " +
                    " ".join(f"{t.key}={s:.3f}" for t, s in zip(cb.tasks, scores)))
                if score > best["score"]:
                    best = {"score": score, "step": step, "metrics": metrics}
                    bad = 0
                    save_checkpoint(model, out, {"model_config": mcfg.to_dict(), "train_config": asdict(cfg)})
                else:
                    bad += 1
                if bad >= cfg.patience or over_time:
                    stop = True
                    break
        if stop:
            break
    summary = {
        "model_config": mcfg.to_dict(), "train_config": asdict(cfg), "best_step": best.get("step"),
        "best_score": best["score"], "steps": step, "history": history,
        "train_examples": len(tr.ids), "dev_examples": len(dv.ids),
        "wall_seconds": round(time.time() - t_start, 1), "dev_metrics_weak": best.get("metrics"),
        "hardware": hardware(cfg.device, cfg.threads),
        "date": time.strftime("%Y-%m-%d"),
    }
    out.with_suffix(".json").write_text(json.dumps(summary, indent=2))
    log(f"done in {summary['wall_seconds']}s, best step {best.get('step')} score {best['score']:.4f}")
    return summary


# --- the `train` command ---------------------------------------------------------------------------------------

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--layers", type=int, default=None, help="encoder layers to keep (default 3)")
    p.add_argument("--epochs", type=int, default=None, help="at most this many epochs (3)")
    p.add_argument("--max-minutes", type=float, default=None, help="wall-clock guard (22)")
    p.add_argument("--seed", type=int, default=None, help="random seed (0)")
    p.add_argument("--patience", type=int, default=None, help="evaluations without improvement (2)")
    p.add_argument("--aux-task-weight", type=float, default=None, help="loss weight of auxiliary heads (0.5)")
    p.add_argument("--device", default=None, help="cpu (default) or cuda (the lent GPU machine)")
    p.add_argument("--checkpoint", default=None,
                   help="where the best checkpoint goes (default build/checkpoints/best; a teacher elsewhere)")


def run(args: argparse.Namespace) -> None:
    over = {k: v for k, v in {"layers": args.layers, "epochs": args.epochs, "max_minutes": args.max_minutes,
                              "seed": args.seed, "patience": args.patience, "aux_task_weight": args.aux_task_weight,
                              "device": args.device}.items() if v is not None}
    out = Path(args.checkpoint) if args.checkpoint else CHECKPOINT_DIR / "best"
    train(replace(TrainConfig(), **over), out=out, log=lambda m: print(m, flush=True))
