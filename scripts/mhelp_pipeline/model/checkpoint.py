"""Checkpoints: safetensors weights + a JSON of the model config and the run's summary (no pickle)."""

from __future__ import annotations

import json
from pathlib import Path

from .multitask import ModelConfig, MultiTaskModel


def save_checkpoint(model: MultiTaskModel, path: Path, meta: dict) -> None:
    """``path``.safetensors (weights, on CPU) and ``path``.json (``meta``: model_config, train_config, ...)."""
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
