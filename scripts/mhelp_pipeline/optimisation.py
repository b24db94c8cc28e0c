"""Model start-up, optimiser, schedule and update step shared by every training loop.

train.py (the shipped model), ablation.py (multi- vs single-task) and distill.py (students) must differ only
in what they optimise, never in how: the same pretrained start, AdamW with a separate learning rate for the
freshly initialised heads, linear warm-up then linear decay, and gradient clipping. Keeping that in one
place is what makes their numbers comparable.
"""

from __future__ import annotations

import torch

from .codebook import Codebook
from .model import MultiTaskModel, config_for, load_pretrained_encoder
from .paths import base_model_dir


def pretrained_model(cb: Codebook, layers: int, freeze_word_embeddings: bool) -> MultiTaskModel:
    """A multi-task model with one head per task of `cb`, its encoder loaded from all-MiniLM-L6-v2."""
    model = MultiTaskModel(config_for(cb, layers=layers))
    load_pretrained_encoder(model, base_model_dir())
    if freeze_word_embeddings:
        # the 30k-row table is most of the parameters; freezing it keeps small-data runs from drifting
        model.encoder.word.weight.requires_grad_(False)
    return model


def optimiser_and_schedule(
    model: MultiTaskModel,
    lr_encoder: float,
    lr_heads: float,
    weight_decay: float,
    total_steps: int,
    warmup_fraction: float,
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
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
