"""Training loop for the multi-task models (CPU, 2 threads, ~20 minutes for a 3-layer run; ``device="cuda"``
on a lent GPU runs the same loop, see gpu_transfer.py).

Each example supervises only the heads it has labels for: single-label heads use cross-entropy with
tempered inverse-frequency class weights and ignore_index for missing labels; multi-label heads use BCE
with per-label pos_weight, masked to the (example, label) entries that are known. Task losses are
averaged over their labelled examples and summed with the task weights below, so a task that appears in
few batches is not drowned by one that appears in all. Early stopping keeps the epoch with the best mean
dev headline score (macro-F1 / micro-F1) over all tasks. Checkpoints are safetensors + JSON (no pickle).
"""

from __future__ import annotations

import json
import math
import os
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .batching import IGNORE, Encoded, bucketed_batches, encode, make_batch, read_jsonl, load_tokenizer, sequential_batches
from .codebook import Codebook, codebook
from .metrics import headline, multi_label_metrics, single_label_metrics
from .model import MultiTaskModel, ModelConfig, config_for
from .optimisation import optimiser_and_schedule, pretrained_model, update
from .paths import CHECKPOINT_DIR, CORPUS_DIR, base_model_dir


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


def _class_weights(cb: Codebook, enc: Encoded, cfg: TrainConfig, device: str = "cpu") -> dict[str, torch.Tensor]:
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


@torch.no_grad()
def collect_logits(model: MultiTaskModel, enc: Encoded, batch_size: int = 64) -> dict[str, np.ndarray]:
    """Logits for every example, in corpus order, on whichever device the model is."""
    model.eval()
    device = str(next(model.parameters()).device)
    out: dict[str, np.ndarray] = {}
    for idx in sequential_batches(enc, batch_size):
        b = make_batch(enc, idx, device)
        logits = model(b["input_ids"], b["attention_mask"])
        for k, v in logits.items():
            if k not in out:
                out[k] = np.zeros((len(enc.ids), v.shape[1]), dtype=np.float32)
            out[k][idx] = v.float().cpu().numpy()
    return out


def evaluate(cb: Codebook, logits: dict[str, np.ndarray], enc: Encoded, thresholds: dict | None = None) -> dict:
    res = {}
    for t in cb.tasks:
        z = logits[t.key]
        if t.kind == "single_label":
            y = np.array(enc.single[t.key])
            th = (thresholds or {}).get(t.key)
            if th is not None and t.n == 2:
                p1 = 1 / (1 + np.exp(-(z[:, 1] - z[:, 0])))
                pred = (p1 >= th[0]).astype(int)
            else:
                pred = z.argmax(1)
            res[t.key] = single_label_metrics(t, pred, y)
        else:
            th = np.array((thresholds or {}).get(t.key) or [0.5] * t.n)
            pred = (1 / (1 + np.exp(-z))) >= th
            res[t.key] = multi_label_metrics(t, pred, np.array(enc.multi[t.key]), np.array(enc.multi_mask[t.key]))
    return res


def save_checkpoint(model: MultiTaskModel, path: Path, meta: dict) -> None:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(path.with_suffix(".safetensors")))
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2))


def load_checkpoint(path: Path) -> tuple[MultiTaskModel, dict]:
    from safetensors.torch import load_file

    meta = json.loads(path.with_suffix(".json").read_text())
    model = MultiTaskModel(ModelConfig(**meta["model_config"]))
    model.load_state_dict(load_file(str(path.with_suffix(".safetensors"))))
    model.eval()
    return model, meta


def hardware(device: str, threads: int) -> str:
    """What a run's wall-clock time was measured on (the report compares CPU and GPU training times)."""
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(0)
    return f"CPU, {threads} of {os.cpu_count()} threads"


def recorded_hardware(summary: dict, threads: int | None = None) -> str:
    """A run's ``hardware`` as recorded. Runs from before it was recorded all ran on this project's CPU machine;
    they get the threads their config asked for (the core count was not recorded), one label everywhere."""
    if summary.get("hardware"):
        return summary["hardware"]
    n = threads if threads is not None else summary.get("train_config", {}).get("threads", 2)
    return f"CPU, {n} threads"


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
    weights = _class_weights(cb, tr, cfg, cfg.device)
    task_w = {t.key: cfg.task_weights.get(t.key, 1.0 if t.primary else cfg.aux_task_weight) for t in cb.tasks}

    steps_per_epoch = math.ceil(len(tr.ids) / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    opt, sched = optimiser_and_schedule(model, cfg.lr_encoder, cfg.lr_heads, cfg.weight_decay, total, cfg.warmup_fraction)
    eval_every = max(1, steps_per_epoch // cfg.evals_per_epoch)

    best = {"score": -1.0}
    history = []
    bad, step, stop = 0, 0, False
    for epoch in range(cfg.epochs):
        for idx in bucketed_batches(tr, cfg.batch_size, rng):
            model.train()
            b = make_batch(tr, idx, cfg.device)
            losses = task_losses(cb, model(b["input_ids"], b["attention_mask"]), b, weights)
            loss = sum(task_w[k] * v for k, v in losses.items())
            update(model, opt, sched, loss)
            step += 1
            if step % 50 == 0:
                log(f"step {step}/{total} loss {loss.item():.3f} {time.time() - t_start:.0f}s")
            over_time = (time.time() - t_start) / 60 > cfg.max_minutes
            if step % eval_every == 0 or step == total or over_time:
                logits = collect_logits(model, dv)
                metrics = evaluate(cb, logits, dv)
                scores = [headline(t, metrics[t.key]) for t in cb.tasks]
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
